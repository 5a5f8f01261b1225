using System.Text;
using InterCoG.Programs;

namespace InterCoG.Reasoning;

/// <summary>Result of parsing an instruction: a request, or why there is none. Parse failures are data, not exceptions.</summary>
/// <param name="Parsed">True when <paramref name="Request"/> is set.</param>
/// <param name="Reason">Why parsing failed (null when parsed).</param>
/// <param name="Notes">Words or phrases kept but not used (unknown nouns, unsupported relations), in reading order.</param>
public sealed record ParseResult(bool Parsed, EditRequest? Request, string? Reason, IReadOnlyList<string> Notes)
{
    internal static ParseResult Fail(string reason, IReadOnlyList<string>? notes = null) => new(false, null, reason, notes ?? []);

    /// <summary>Words the parser skipped to recover the verb and the object (graceful parsing), in reading order; empty when every word was used.</summary>
    public IReadOnlyList<string> Ignored { get; init; } = [];
}

/// <summary>Parses English edit instructions and bare referring expressions into an <see cref="EditRequest"/>.</summary>
/// <remarks>Grammar (after lower-casing, dropping punctuation, "please"/"can you" and articles):
/// <code>
/// instruction := remove-verb EXPR | recolor-verb [the colour of] EXPR [to|into|in] COLOUR | EXPR   (→ ground)
///              | the other operations' verbs (InstructionParser.Operations.cs)
/// remove-verb := remove | delete | erase | eliminate | get rid of | take out | take away
/// recolor-verb:= make | turn | paint | repaint | colour | color | recolor | recolour | change | dye
/// EXPR        := [ORDINAL] [REGION-ADJ] [COLOUR] [UNKNOWN-ADJ*] NOUN [from the SIDE] POST*   (unknown adjectives: kept in Unresolved)
/// ORDINAL     := first..tenth | 1st..10th | Nth | leftmost | rightmost | topmost | bottommost | last
///              | [ORDINAL] (nearest | closest | farthest | furthest | most distant | largest | biggest | big |
///                smallest | small | tallest | shortest)                          (depth and size picks)
/// COUNT       := both | all [the] | every | two..five | N                         (a set)
/// POST        += in the foreground | in front | in the background | in the back | behind   (nearest / farthest)
///              | in the middle | the top left corner …                                    (middle, corners)
///              | [that is] (not | isn't | other than | except [for] | but not | apart from | excluding)
///                (COLOUR | the big one | on the left …)                                              (negation)
///              | (in | wearing | dressed in) [a] COLOUR [GARMENT]                                     (colour)
///              | ORDINAL from the SIDE                                       ("the bottle second from the right")
///              | and POST                              (a further modifier of the head object: MoreRelations)
///              | between EXPR and EXPR | closest to | farthest from | in front of | behind EXPR  (relations)
/// POST        := on|at|in|to|near|towards the [far] SIDE [side|corner|edge|part|half] [of the image|picture|photo]   (region)
///              | REL EXPR                                                                               (relation)
///              | (at|with|holding|wearing|carrying|against|from) EXPR                                  (kept in Unresolved)
/// REL         := left of | to/on the left of | right of | … | above | over | on top of | below | under |
///                underneath | beneath | next to | beside | near | close to | by | alongside | adjacent to |
///                on | riding | inside | within | in | nearest/farthest [to|from]
/// PRONOUN     := her | him | she | he (one person) | them | they | everyone (all the people) | it (any one object)
/// PARTITIVE   := ORDINAL of [the] [COUNT] NOUN                               ("the smaller of the two dogs")
/// </code>
/// Decisions: an ordinal without "from the …" counts from the left; "last" is the first from the right;
/// "leftmost" is ordinal 1 from the left; a post-modifier attaches to the nearest noun before it; a phrase
/// this version cannot ground (relation "on", an anchor outside the COCO vocabulary such as "the counter") keeps
/// the request parsed, is stored in <see cref="ReferringExpression.Unresolved"/> and reported in the notes.</remarks>
public sealed partial class InstructionParser(ReasoningOptions? options = null)
{
    private readonly ReasoningOptions _options = (options ?? new ReasoningOptions()).Validate();

    // Phrase tables live in Data/phrases.tsv (PhraseBook); the code below only says how they are used.
    private static readonly string[][] RemoveVerbs = [.. PhraseBook.Table("verb").Where(p => p.Key == Operations.Remove).Select(p => p.Words)];
    private static readonly string[][] RecolorVerbs = [.. PhraseBook.Table("verb").Where(p => p.Key == Operations.Recolor).Select(p => p.Words)];
    private static readonly string[][] Politeness = PhraseBook.Words("politeness");
    private static readonly HashSet<string> Articles = ["the", "a", "an", "this", "that"];
    private static readonly HashSet<string> Sides = ["left", "right", "top", "bottom"];
    private static readonly string[] OrdinalWords = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"];
    private static readonly string[][] PictureWords = [["image"], ["picture"], ["photo"], ["photograph"], ["frame"], ["scene"], ["pic"]];

    private static readonly (string Kind, string[] Words)[] RelationPhrases = PhraseBook.Keyed("relation");

    // "other than the big one", "except the red one": negation, as "not".
    private static readonly string[][] NegationWords = PhraseBook.Words("negation");

    // Pronouns that, with no antecedent in a single instruction, mean the people in the picture (null count: one person).
    private static readonly Dictionary<string, int?> PersonPronouns = new(StringComparer.Ordinal)
    {
        ["her"] = null, ["him"] = null, ["she"] = null, ["he"] = null, ["them"] = 0, ["they"] = 0, ["everyone"] = 0, ["everybody"] = 0,
    };

    // Prepositions whose relation this version cannot ground yet: the phrase is kept in Unresolved.
    private static readonly string[][] UnsupportedRelations = PhraseBook.Words("unsupported_relation");

    // Superlatives and size adjectives → the pick order of Ordinal.From ("the biggest cup" is (1, large)).
    private static readonly Dictionary<string, string> Qualities = PhraseBook.WordToKey("quality");

    // "most distant", "most far away": the two-word superlatives.
    private static readonly Dictionary<string, string> MostQualities = PhraseBook.WordToKey("most_quality");

    private static readonly Dictionary<string, int> CountWords = new(StringComparer.Ordinal)
    {
        ["both"] = 2, ["all"] = 0, ["every"] = 0, ["each"] = 0, ["two"] = 2, ["three"] = 3, ["four"] = 4, ["five"] = 5, ["pair"] = 2,
    };

    // Depth phrases after a noun with no object: nearest ("in the foreground", "in front") or farthest ("in the background", "behind").
    private static readonly (string From, string[] Words)[] DepthPhrases = PhraseBook.Keyed("depth");

    // Filler words between a noun and its post-modifier ("the cup that is next to …").
    // Participles of posture and place ("the bird flying above the water", "the car parked behind the bus") are fillers
    // too: the relation after them carries the meaning.
    private static readonly HashSet<string> Fillers = PhraseBook.WordSet("filler");

    // Nouns that name no category ("the one on the left", "the thing next to the laptop"): any object; plurals mean all.
    private static readonly Dictionary<string, bool> GenericNouns = new(StringComparer.Ordinal)
    {
        ["one"] = false, ["thing"] = false, ["object"] = false, ["item"] = false,
        ["ones"] = true, ["things"] = true, ["objects"] = true, ["items"] = true, ["everything"] = true,
    };

    /// <summary>Parse one instruction (one step). Never throws for any string; fails with a reason instead. When the
    /// whole sentence does not parse, words no table knows are skipped, then words from the end, until the verb and the
    /// object are recovered; the skipped words are in <see cref="ParseResult.Ignored"/> and the notes.</summary>
    public ParseResult Parse(string? instruction)
    {
        if (string.IsNullOrWhiteSpace(instruction)) return ParseResult.Fail("empty instruction");
        if (instruction.Length > _options.MaxInstructionChars)
            return ParseResult.Fail($"instruction is {instruction.Length} characters; at most {_options.MaxInstructionChars} are accepted");
        var tokens = Tokenize(instruction);
        var strict = ParseCore(instruction, [.. tokens]);
        if (strict.Parsed) return Complete(strict);
        // Graceful: 1) without the words no table, lexicon or WordNet knows; 2) without words from the end.
        var unknown = Enumerable.Range(0, tokens.Count).Where(k => !IsKnownWord(tokens[k])).ToList();
        if (unknown.Count > 0 && unknown.Count < tokens.Count && Recover(instruction, tokens, tokens.Where((_, k) => !unknown.Contains(k)).ToList(),
                unknown.Select(k => tokens[k]).ToList()) is ParseResult known)
            return known;
        if (strict.Reason is string why && why.Contains("nested", StringComparison.Ordinal)) return strict; // a limit, not a wording
        for (int n = tokens.Count - 1; n >= 1; n--)
            if ((tokens.Skip(n).Any(w => !TableWords.Contains(w)) || !StartsRelation(tokens, n)) && Recover(instruction, tokens, tokens.Take(n).ToList(), tokens.Skip(n).ToList()) is ParseResult shorter) return shorter;
        return strict;
    }

    // A relation phrase starts at i ("next to", "on"): dropping it from there would drop a relation's object, not noise.
    private static bool StartsRelation(List<string> t, int i) => RelationPhrases.Any(r => MatchAt(t, i, r.Words)) || t[i] is "of" or "to" or "from";

    private ParseResult? Recover(string instruction, List<string> all, List<string> kept, List<string> ignored)
    {
        var r = ParseCore(instruction, kept);
        if (!r.Parsed || r.Request is null) return null;
        // A bare description left after dropping the first word is no instruction: its verb was what got dropped.
        if (r.Request.Operation == Operations.Ground && kept.Count > 0 && all.Count > 0 && (kept[0] != all[0] || kept.Count == 1) && !StartsExpression(all, 0)) return null;
        // One word left of an instruction is no program ("paint" of "paint it like Monet"): a bare noun is.
        if (kept.Count == 1 && r.Request.Operation != Operations.Ground) return null;
        if (r.Request.Target.Category == GroundingExecutor.AnyObject && r.Request.Target.Noun is null) return null;
        var notes = r.Notes.ToList();
        notes.Add($"ignored: '{string.Join(' ', ignored)}' (the rest was understood without it)");
        return Complete(r with { Notes = notes, Ignored = ignored });
    }

    // The target's part is the edit's part too (the engine limits the edit to it).
    private static ParseResult Complete(ParseResult r)
    {
        if (r.Request is { } req && req.Target.Part is string part && !req.Arguments.ContainsKey(ArgumentNames.Part))
            req.Arguments[ArgumentNames.Part] = part;
        return r;
    }

    private static readonly HashSet<string> TableWords = BuildTableWords();

    private static HashSet<string> BuildTableWords()
    {
        var set = new HashSet<string>(StringComparer.Ordinal)
        {
            "the", "a", "an", "this", "that", "these", "those", "it", "them", "him", "her", "his", "its", "their", "he", "she", "they",
            "of", "to", "into", "in", "on", "at", "from", "by", "with", "and", "or", "is", "are", "be", "as", "for", "one", "ones",
            "left", "right", "top", "bottom", "middle", "center", "centre", "side", "corner", "edge", "half", "part", "end", "not", "no",
            "then", "all", "both", "every", "each", "most", "image", "picture", "photo", "colour", "color", "px", "pixels", "times",
            "twice", "half", "double", "by", "up", "down", "more", "less", "bit", "little", "slightly",
        };
        foreach (string table in new[] { "verb", "make_tail", "politeness", "desire", "relation", "negation", "depth", "quality", "most_quality", "filler", "garment", "noun", "color_word", "frame" })
            foreach (var p in PhraseBook.Table(table))
                foreach (string w in p.Words)
                    foreach (string part in w.Trim('(', ')', '[', ']', '<', '>').Split('|', '_'))
                        if (part.Length > 0 && part[0] != '{') set.Add(part);
        return set;
    }

    // A word some table, the lexicon, WordNet or the colour names knows, or a number/ordinal/hex code.
    private static bool IsKnownWord(string w) =>
        TableWords.Contains(w) || !IsWord(w) || OrdinalOf(w) is not null || NounLexicon.IsNoun(w) || ColorLexicon.Attribute(w) is not null
        || ColorPalette.TryResolve(w, out _, out _) || Directions.ContainsKey(w) || CountWords.ContainsKey(w);

    private ParseResult ParseCore(string instruction, List<string> tokens)
    {
        StripPoliteness(tokens);
        if (tokens.Count == 0) return ParseResult.Fail("empty instruction");

        var notes = new List<string>();
        Normalize(tokens, notes);
        if (tokens.Count == 0) return ParseResult.Fail("empty instruction");
        if (ParseFrame(tokens, instruction, notes) is ParseResult framed) return framed;
        if (ParseOperation(tokens, notes) is ParseResult other) return other;
        int pos = 0;
        string operation;
        if (MatchAny(tokens, 0, RemoveVerbs) is int rn) { operation = Operations.Remove; pos = rn; }
        else if (MatchAny(tokens, 0, RecolorVerbs) is int cn) { operation = Operations.Recolor; pos = cn; }
        else if (StartsExpression(tokens, 0)) operation = Operations.Ground;
        else return ParseResult.Fail($"no verb I know: '{tokens[0]}' (known: make, turn, paint, colour, change, recolor, remove, delete, erase, get rid of, take out; or a bare description such as 'the horse on the left')");

        var arguments = new Dictionary<string, string>();
        int end = tokens.Count;
        if (operation == Operations.Recolor)
        {
            // "change the colour of X to C" / "make the color of X C"
            pos = Skip(tokens, pos, ["the"]);
            bool colourOf = false;
            if (pos < end && tokens[pos] is "colour" or "color" or "colours" or "colors" && pos + 1 < end && tokens[pos + 1] == "of") { pos += 2; colourOf = true; }
            var (colorStart, colorName) = TargetColor(tokens, pos, end);
            // "change the umbrella to a red one": the same thing in another colour.
            if (colorName is null && end - 2 > pos && tokens[end - 1] is "one" or "ones") (colorStart, colorName) = TargetColor(tokens, pos, end - 1);
            // "make the man wear a red coat", "make her wear blue": the clothes, recoloured.
            if (colorName is null && tokens[0] is "make" or "have" or "let" or "get" or "dress" && WearColour(tokens, pos, end) is (int wearAt, string worn, var garment))
            {
                (colorStart, colorName) = (wearAt, worn);
                arguments["part"] = garment ?? "clothes";
            }
            // "change the color of the person to red jacket", "… of the bow tie to red and white": the explicit colour frame
            // takes the first colour after its last "to", and a garment named there as the part.
            if (colorName is null && colourOf && ColourAfterTo(tokens, pos, end) is (int toAt, string named, var worn2))
            {
                (colorStart, colorName) = (toAt, named);
                if (worn2 is not null) arguments["part"] = worn2;
            }
            if (colorName is null && ParseWritten(tokens, pos, instruction, notes) is ParseResult written) return written;
            if (colorName is null && ParseMaterial(tokens, pos, end, notes) is ParseResult material) return material;
            if (colorName is null && end - 1 > pos && tokens[end - 1] is "blonde" or "blond")
            {
                // "make her blonde": a hair colour; the edit is limited to the hair.
                (colorStart, colorName) = (end - 1, "gold");
                arguments["part"] = "hair";
            }
            if (colorName is null && end - 1 > pos && tokens[end - 1] == "bald")
            {
                // "make him bald": the hair replaced by scalp, a generative edit (ends unsupported without such a backend).
                int p0 = pos;
                var (bald, whyNot) = ParseExpression(tokens, ref p0, end - 1, 0, notes);
                if (bald is null || p0 != end - 1) return ParseResult.Fail(whyNot ?? $"did not understand '{string.Join(' ', tokens.Skip(p0).Take(end - 1 - p0))}'", notes);
                return new ParseResult(true, new EditRequest(Operations.Replace, new() { ["part"] = "hair", ["with"] = "a bald scalp" }, bald), null, notes);
            }
            if (colorName is null && ParseInto(tokens, pos, notes) is ParseResult replaced) return replaced;
            if (colorName is null && tokens[0] is "make" or "turn" && MakeA(tokens, pos, notes) is ParseResult made) return made;
            if (colorName is null)
            {
                string last = tokens[end - 1];
                string why = end > pos && !NounLexicon.IsKnownNoun(last) && ColorLexicon.Attribute(last) is null
                    ? $"; '{last}' is not a colour I know" : "";
                return ParseResult.Fail($"recolor needs a target colour (e.g. 'make the car red' or '… to #ff8800'){why}");
            }
            arguments["color"] = colorName;
            end = colorStart;
            // "to", "into", "in", "the colour" before the colour; "colour" after the object ("the car colour to red")
            // "bright blue", "a darker green": how strong the colour is, right before it.
            while (end > pos && tokens[end - 1] is "darker" or "lighter" or "brighter" or "deeper" or "paler" or "bright" or "vivid" or "brilliant"
                   or "deep" or "pale" or "soft" or "pastel" or "neon" or "dark" or "light") end--;
            while (end > pos && tokens[end - 1] is "to" or "into" or "in" or "as" or "the" or "colour" or "color" or "coloured" or "colored" or "a" or "an") end--;
            // "change the colour of the locomotive from yellow to blue": the colour it has now is not needed.
            if (end - 2 > pos && tokens[end - 2] == "from" && ColorLexicon.Attribute(tokens[end - 1]) is not null) end -= 2;
            // "make her hair red", "dye the man's hair black": the part to recolour.
            if (end - 1 > pos && tokens[end - 1] == "hair") { arguments["part"] = "hair"; end--; }
            // "make the second person wear red", "dress the man in white": the clothes.
            else if (end - 1 > pos && tokens[end - 1] is "wear" or "wearing") { arguments["part"] = "clothes"; end--; }
            else if (tokens[0] == "dress") arguments["part"] = "clothes";
        }

        if (end <= pos) return ParseResult.Fail("no object named");
        // "paint his shirt red", "make her hair blonde": a possessive pronoun and a part — the person, limited to the part.
        if (operation == Operations.Recolor && end - pos >= 2 && tokens[pos] is "his" or "her" or "their" && PartOf(tokens[pos + 1]) is string ownPart)
        {
            arguments["part"] = ownPart;
            notes.Add($"'{tokens[pos]}' has no antecedent; taken as {(tokens[pos] == "their" ? "all the people" : "the person")} in the picture");
            tokens[pos] = tokens[pos] == "their" ? "them" : "him";
            tokens.RemoveAt(pos + 1);
            end--;
        }
        int p = pos;
        var (expr, error) = ParseExpression(tokens, ref p, end, 0, notes);
        if (expr is null) return ParseResult.Fail(error ?? "no object named", notes);
        // "make the girl's dress red" ("'s" is dropped by Tokenize): a part after the owner, at the end.
        if (operation == Operations.Recolor && p == end - 1 && !arguments.ContainsKey("part") && PartOf(tokens[p]) is string part)
        {
            arguments["part"] = part;
            p++;
        }
        if (p < end)
            return ParseResult.Fail($"did not understand '{string.Join(' ', tokens.Skip(p).Take(end - p))}' after '{string.Join(' ', tokens.Skip(pos).Take(p - pos))}'", notes);
        return new ParseResult(true, new EditRequest(operation, arguments, expr), null, notes);
    }

    // A part word of any owner (WordNet's parts: "collar", "neck", "wheel"; garments), singular, or null.
    private static string? PartWord(string w)
    {
        if (PartOf(w) is string p) return p;
        if (!NounLexicon.IsPart(w)) return null;
        foreach (string singular in new[] { w.EndsWith("ies", StringComparison.Ordinal) ? w[..^3] + "y" : "", w.EndsWith('s') ? w[..^1] : "" })
            if (singular.Length > 2 && NounLexicon.IsPart(singular)) return singular;
        return w;
    }

    // A garment, the hair or the face, singular ("shirts" → "shirt"), or null.
    private static string? PartOf(string w)
    {
        if (w is "hair" or "face" || Garments.Contains(w)) return w;
        if (w is "faces") return "face";
        if (w.Length > 3 && w.EndsWith('s') && Garments.Contains(w[..^1])) return w[..^1];
        return null;
    }

    /// <summary>Lower-case words: letters, digits and '#'; "'s" dropped, other punctuation splits words.</summary>
    internal static List<string> Tokenize(string text)
    {
        var words = new List<string>();
        var sb = new StringBuilder();
        string s = SidePossessive.Replace(TeeShirt.Replace(text.ToLowerInvariant(), "tshirt"), "the $4 of the $1 $2 the $3");
        s = s.Replace("'s ", " ").Replace("’s ", " ");
        if (s.EndsWith("'s", StringComparison.Ordinal) || s.EndsWith("’s", StringComparison.Ordinal)) s = s[..^2];
        foreach (char ch in s)
        {
            if (ch is '\'' or '’') continue; // "i'd" → "id", "don't" → "dont"
            if (char.IsAsciiLetterOrDigit(ch) || ch == '#') sb.Append(ch);
            else if (sb.Length > 0) { words.Add(sb.ToString()); sb.Clear(); }
        }
        if (sb.Length > 0) words.Add(sb.ToString());
        return words;
    }

    // "the woman on the right's handbag": the possessive closes a phrase of place, read as "the handbag of the woman on the right".
    private static readonly System.Text.RegularExpressions.Regex SidePossessive = new(
        @"\bthe ((?:\w+ ){0,2}?\w+) (on|at|in) the ((?:far |very )?(?:left|right|middle|center|centre|front|back|top|bottom))['’]s (\w+)",
        System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    private static readonly System.Text.RegularExpressions.Regex TeeShirt = new(@"\bt[- ]?shirt", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    private static void StripPoliteness(List<string> tokens)
    {
        bool changed = true;
        while (changed && tokens.Count > 0)
        {
            changed = false;
            if (MatchAny(tokens, 0, Politeness) is int n) { tokens.RemoveRange(0, n); changed = true; }
        }
        while (tokens.Count > 0 && tokens[^1] is "please" or "thanks" or "thank" or "you" or "now")
        {
            if (tokens[^1] == "you" && !(tokens.Count >= 2 && tokens[^2] == "thank")) break;
            tokens.RemoveAt(tokens.Count - 1);
        }
    }

    // "… wear a red coat", "… wearing blue" at the end: (index of "wear", the colour, the garment or null).
    private static (int, string, string?)? WearColour(List<string> t, int pos, int end)
    {
        for (int w = end - 2; w > pos; w--)
        {
            if (t[w] is not ("wear" or "wearing")) continue;
            int k = Skip(t, w + 1, ["a", "an", "the", "some"], end);
            int g = end;
            string? garment = null;
            if (end - 1 > k && ColorLexicon.Attribute(t[end - 1]) is null && (PartOf(t[end - 1]) is not null || NounLexicon.IsNoun(t[end - 1])))
            {
                garment = PartOf(t[end - 1]) ?? t[end - 1]; // "a red coat", "a yellow raincoat"
                g = end - 1;
            }
            string? colour = null;
            if (g - k == 1 && ColorPalette.TryResolve(t[k], out string one, out _)) colour = one;
            else if (g - k == 2 && ColorPalette.TryResolve(t[k] + " " + t[k + 1], out string two, out _)) colour = two;
            if (colour is null) return null;
            return (w, colour, garment);
        }
        return null;
    }

    // After the last "to"/"into" of "change the colour of X to …": (index of "to", the first colour named, a garment named).
    private static (int, string, string?)? ColourAfterTo(List<string> t, int pos, int end)
    {
        for (int k = end - 2; k > pos; k--)
        {
            if (t[k] is not ("to" or "into")) continue;
            string? garment = null;
            for (int g = k + 1; g < end; g++) if (PartOf(t[g]) is string p) garment = p;
            for (int c = k + 1; c < end; c++)
            {
                if (c + 1 < end && ColorPalette.TryResolve(t[c] + " " + t[c + 1], out string two, out _)) return (k, two, garment);
                if (ColorPalette.TryResolve(t[c], out string one, out _) && !NounLexicon.IsKnownNoun(t[c])) return (k, one, garment);
            }
            return null;
        }
        return null;
    }

    // The target colour at the end of [from, end): a hex code, a two-word or a one-word palette name.
    private static (int Start, string? Name) TargetColor(List<string> t, int from, int end)
    {
        if (end - 2 > from && ColorPalette.TryResolve(t[end - 2] + " " + t[end - 1], out string two, out _)) return (end - 2, two);
        if (end - 1 > from && ColorPalette.TryResolve(t[end - 1], out string one, out _)) return (end - 1, one);
        return (end, null);
    }

    private static bool StartsExpression(List<string> t, int i)
    {
        int j = Skip(t, i, Articles);
        if (j >= t.Count) return false;
        if (j > i) return true; // "the …": a description, even when its noun is unknown
        i = j;
        string w = t[i];
        if (i + 1 < t.Count && Articles.Contains(t[i + 1]) && t[i + 1] != "that" && NounLexicon.Match(t, i) is { TokenCount: 1 }) return false; // "convert the car"
        if (NounLexicon.Match(t, i) is not null || ColorLexicon.Attribute(w) is not null || OrdinalOf(w) is not null
            || NounLexicon.IsNoun(w) && !(i + 1 < t.Count && (Articles.Contains(t[i + 1]) || t[i + 1] is "his" or "her" or "its" or "their" or "my" or "all" or "every" or "both"))
            || w is "leftmost" or "rightmost" or "topmost" or "bottommost" or "last" or "middle" or "center" or "centre" || Sides.Contains(w)
            || Qualities.ContainsKey(w) || w == "most" || CountWords.ContainsKey(w) || w == "not")
            return true;
        // "closest bowl": unknown modifiers directly before a known noun.
        return UnknownModifiersBeforeNoun(t, i, t.Count) > 0;
    }

    // How many unknown words at i come before a noun, past colours and further unknown words ("the broken white cup", "the
    // new white ceramic cup", "the woven basket"); 0 when none or no noun follows.
    private static int UnknownModifiersBeforeNoun(List<string> t, int i, int end)
    {
        int k = i;
        while (k < end && k - i < 3 && IsUnknownModifier(t, k)) k++;
        if (k == i) return 0;
        int n = k;
        while (n < end && n - k < 4 && (ColorLexicon.Attribute(t[n]) is not null && NounLexicon.Match(t, n) is null || IsUnknownModifier(t, n) && NounLexicon.PhraseLength(t, n, end) == 0
                                        && !(n + 1 >= end || !IsWord(t[n + 1]) || IsFunctionWord(t[n + 1]) || Articles.Contains(t[n + 1]))))
            n++;
        if (n >= end) return 0;
        if (NounLexicon.Match(t, n) is NounMatch m && m.TokenCount <= end - n) return k - i;
        // A noun outside the detector's vocabulary is the head only after words that are no nouns themselves.
        bool head = NounLexicon.IsNoun(t[n]) || NounLexicon.PhraseLength(t, n, end) > 0;
        return head && Enumerable.Range(i, k - i).All(x => !NounLexicon.IsNoun(t[x])) ? k - i : 0;
    }

    private static bool IsUnknownModifier(List<string> t, int k) =>
        IsWord(t[k]) && !IsFunctionWord(t[k]) && !Articles.Contains(t[k]) && !Quantifiers.Contains(t[k]) && !Pronouns.Contains(t[k])
        && t[k] is not ("his" or "her" or "its" or "their" or "my" or "your" or "our")
        && NounLexicon.Match(t, k) is null && ColorLexicon.Attribute(t[k]) is null && !IsParticiple(t[k]) && !Fillers.Contains(t[k]);

    private (ReferringExpression? Expr, string? Error) ParseExpression(List<string> t, ref int i, int end, int depth, List<string> notes)
    {
        if (depth > _options.MaxNesting) return (null, $"more than {_options.MaxNesting} nested objects");
        i = Skip(t, i, Articles, end);
        Ordinal? ordinal = null;
        string? region = null, color = null;
        int? count = null;
        ReferringExpression? negated = null;
        var unresolvedPre = new List<string>();

        // Pre-modifiers: ordinals, superlative sides, side adjectives, colour.
        while (i < end)
        {
            string w = t[i];
            if (OrdinalOf(w) is int n)
            {
                ordinal = new Ordinal(n, "left");
                i++;
                if (MatchFromSide(t, i, end) is (int k, string side)) { ordinal = ordinal with { From = side }; i = k; }
            }
            else if (w is "leftmost" or "rightmost" or "topmost" or "bottommost" or "uppermost" or "lowermost")
            {
                ordinal = new Ordinal(1, w switch { "leftmost" => "left", "rightmost" => "right", "topmost" or "uppermost" => "top", _ => "bottom" });
                i++;
            }
            else if (w == "last") { ordinal = new Ordinal(1, "right"); i++; }
            else if (w == "of" && ordinal is not null)
            {
                // Partitive "the smaller of the two dogs", "the leftmost of the three bottles": the pick stays one object;
                // the number only says how many there are.
                i = Skip(t, i + 1, Articles, end);
                if (i < end && (CountWords.ContainsKey(t[i]) || int.TryParse(t[i], out _))) i++;
            }
            else if (Quality(t, i, end) is (int qn, string q))
            {
                // "the second closest cup" keeps the number; "the closest cup" is the first.
                ordinal = ordinal is { N: > 1 } ? ordinal with { From = q } : new Ordinal(1, q);
                i += qn;
            }
            else if (CountWords.TryGetValue(w, out int cnt) || int.TryParse(w, out cnt) && cnt is >= 2 and <= 20)
            {
                count = cnt;
                i++;
                if (i < end && t[i] == "of") i++; // "both of the cups"
                i = Skip(t, i, Articles, end);    // "all the cups"
            }
            else if (w is "middle" or "center" or "centre" or "central" && NounAhead(t, i + 1, end)) { region = "middle"; i++; }
            else if (w is "top" or "bottom" or "upper" or "lower" && i + 2 < end && t[i + 1] is "left" or "right" && NounAhead(t, i + 2, end))
            {
                // "the top left chair", "the bottom-right donut": a corner.
                region = $"{(w is "top" or "upper" ? "top" : "bottom")}_{t[i + 1]}";
                i += 2;
            }
            else if (w is "far" or "very" && i + 1 < end && Sides.Contains(t[i + 1])) i++; // "the far left bench"
            else if (w is "front" or "back" or "rear" or "near" or "far" or "foreground" or "background" or "nearby" or "distant"
                     && ordinal is null && !(i + 1 < end && t[i + 1] is "of" or "to")
                     && (NounAhead(t, i + 1, end) || i + 2 < end && (Sides.Contains(t[i + 1]) || t[i + 1] is "upper" or "lower") && NounAhead(t, i + 2, end)))
            {
                // "the front cow", "the back person", "the background car": nearest or farthest from the camera.
                ordinal = new Ordinal(1, w is "front" or "near" or "foreground" or "nearby" ? "near" : "far");
                i++;
            }
            else if ((Sides.Contains(w) || w is "upper" or "lower") && i + 1 < end && t[i + 1] != "of" && NounAhead(t, i + 1, end))
            {
                region = w switch { "upper" => "top", "lower" => "bottom", _ => w };
                i++;
            }
            else if (ColorLexicon.Attribute(w) is string c && (NounAhead(t, i + 1, end) || i + 1 < end && t[i + 1] == "and"))
            {
                if (color is not null && color != c) notes.Add($"second colour '{w}' ignored (one colour per object in this version)");
                color ??= c;
                i++;
                if (i < end && t[i] is "coloured" or "colored") i++;
                // "red and white bus": the first colour is used, the second reported.
                if (i + 1 < end && t[i] == "and" && ColorLexicon.Attribute(t[i + 1]) is not null) i++;
            }
            else if (w == "and" && (ordinal is not null || color is not null || unresolvedPre.Count > 0) && i + 1 < end
                     && (ColorLexicon.Attribute(t[i + 1]) is not null || Qualities.ContainsKey(t[i + 1]) || UnknownModifiersBeforeNoun(t, i + 1, end) > 0))
                i++; // "the small and round cake", "the small and white airplane"
            else if (UnknownModifiersBeforeNoun(t, i, end) is int u and > 0)
            {
                // Words this version cannot use ("closest", "big", "broken"): kept and reported, not used for grounding.
                string phrase = string.Join(' ', t.Skip(i).Take(u));
                notes.Add($"'{phrase}' is not understood by this version; ignored for grounding");
                unresolvedPre.Add(phrase);
                i += u;
            }
            else break;
        }

        if (i >= end) return (null, "no object named");
        if (Quantifiers.Contains(t[i]) || int.TryParse(t[i], out _))
            return (null, $"counts ('{t[i]}') need an object after them (e.g. 'both cups', 'the two cups on the left')");
        if (t[i] is "his" or "her" or "their" or "its" && i + 1 < end && PartWord(t[i + 1]) is string ownPart && count is null && ordinal is null)
        {
            // "his face", "her hair", "its tail": the part of the person (of the one object for "its") in the picture.
            bool its = t[i] == "its";
            notes.Add($"'{t[i]}' has no antecedent; taken as {(its ? "the one object" : t[i] == "their" ? "all the people" : "the person")} in the picture");
            i += 2;
            return (new ReferringExpression
            {
                Category = its ? GroundingExecutor.AnyObject : "person", Noun = its ? "it" : t[i - 2], Count = t[i - 2] == "their" ? 0 : null,
                Color = color, Region = region, Part = ownPart,
            }, null);
        }
        if (PersonPronouns.TryGetValue(t[i], out int? people) && count is null && ordinal is null)
        {
            // "make her blonde", "give them hats": no antecedent in one instruction, so the people in the picture.
            notes.Add($"'{t[i]}' has no antecedent; taken as {(people is null ? "the person" : "all the people")} in the picture");
            i++;
            return (new ReferringExpression { Category = "person", Noun = t[i - 1], Count = people, Color = color, Region = region }, null);
        }
        ReferringExpression expr;
        if (t[i] is "it" && count is null && ordinal is null)
        {
            // "move it 50 px left": no antecedent, so whichever single object the picture holds (ambiguous when several).
            notes.Add("'it' has no antecedent; taken as the one object in the picture");
            i++;
            return (new ReferringExpression { Category = GroundingExecutor.AnyObject, Noun = "it" }, null);
        }
        if (MatchAny(t, i, Locations) is int ln && i + ln < end && t[i + ln] is "of" && NounLexicon.Match(t, i) is null)
        {
            // "the top of the cake", "the left side of the car", "the back of the horse": the object, limited to that place.
            int o = i + ln + 1;
            var scratch = new List<string>(notes);
            var (owner, _) = ParseExpression(t, ref o, end, depth + 1, scratch);
            if (owner is not null)
            {
                string place = string.Join(' ', t.Skip(i).Take(ln));
                notes.Clear();
                notes.AddRange(scratch);
                i = o;
                return (owner with { Part = owner.Part ?? place, Color = owner.Color ?? color, Region = owner.Region ?? region, Ordinal = owner.Ordinal ?? ordinal }, null);
            }
        }
        if (QuantityWords.TryGetValue(t[i], out string? quantity) && i + 1 < end && t[i + 1] == "of")
        {
            // "a pair of skis" (one object), "the stack of plates" (all of them): the measure word names the objects after it.
            int o = Skip(t, i + 2, Articles, end);
            var scratch = new List<string>(notes);
            var (whole, _) = ParseExpression(t, ref o, end, depth + 1, scratch);
            if (whole is not null)
            {
                notes.Clear();
                notes.AddRange(scratch);
                i = o;
                return (whole with
                {
                    Count = whole.Count ?? count ?? (quantity == "all" ? 0 : null), Color = whole.Color ?? color, Region = whole.Region ?? region,
                    Ordinal = whole.Ordinal ?? ordinal,
                }, null);
            }
        }
        if (GenericNouns.TryGetValue(t[i], out bool plural) && !(i + 1 < end && t[i + 1] == "of"))
        {
            // "the one on the left", "the left one", "the thing next to the laptop": no category, so any object.
            notes.Add($"'{t[i]}' names no kind of object; every detected object is a candidate (the background is not an object)");
            expr = new ReferringExpression { Category = GroundingExecutor.AnyObject, Noun = t[i] };
            if (plural && count is null) count = 0;
            i++;
        }
        else if (Pronouns.Contains(t[i]))
            return (null, $"no object named ('{t[i]}' does not say which object)");
        else if (ColorLexicon.Attribute(t[i]) is not null && !NounLexicon.IsKnownNoun(t[i]))
            return (null, $"no object named (colour '{t[i]}' without an object)");
        else if (PartWord(t[i]) is string part && i + 1 < end && t[i + 1] is "of" or "from"
                 && (NounLexicon.Match(t, i) is null || PartOf(t[i]) is not null) && i + 2 < end)
        {
            // "the face of the man", "the collar of the dog", "shirt of person", "the glasses of the person", "the glasses
            // from the man": the owner, limited to the part.
            int o = i + 2;
            var (owner, ownerError) = ParseExpression(t, ref o, end, depth + 1, notes);
            if (owner is null) return (null, $"'{t[i]} of' needs its owner ({ownerError})");
            i = o;
            return (owner with { Part = owner.Part ?? part, Color = owner.Color ?? color, Region = owner.Region ?? region, Ordinal = owner.Ordinal ?? ordinal }, null);
        }
        else if (NounLexicon.Match(t, i) is NounMatch m && m.TokenCount <= end - i && NounLexicon.PhraseLength(t, i, end) <= m.TokenCount)
        {
            expr = new ReferringExpression { Category = m.Category, Noun = m.Noun == m.Category ? null : m.Noun };
            i += m.TokenCount;
            // "the man's shirt", "the left horse's head" (Tokenize drops "'s"), "the dog collar": a part after its owner.
            if (i < end && (!TableWords.Contains(t[i]) || Garments.Contains(t[i]) || t[i] is "hair" or "face") && !NotHeads.Contains(t[i]) && PartWord(t[i]) is string part2 && NounLexicon.Match(t, i) is null) { expr = expr with { Part = part2 }; i++; }
        }
        else if (IsWord(t[i]) && !Articles.Contains(t[i]) && !IsFunctionWord(t[i]))
        {
            // One word, or a multiword noun WordNet knows ("ski pole", "toilet paper", "weather vane").
            int len = Math.Max(1, NounLexicon.PhraseLength(t, i, end));
            string noun = string.Join(' ', t.Skip(i).Take(len));
            string? known = NounLexicon.Lookup(noun);
            notes.Add($"'{noun}' is not in the detector's vocabulary (COCO 80)");
            expr = known is not null ? new ReferringExpression { Category = known, Noun = noun } : new ReferringExpression { Category = noun, InVocabulary = false };
            i += len;
            if (known is null && i < end && t[i] is "of" or "from" && i + 1 < end)
            {
                // "the pillow of the bed", "the sprinkles of the cake", "the screen of the phone": the owner, limited to
                // the thing named first (a part no parts stage may know: then grounding says so).
                int o = i + 1;
                var scratch = new List<string>();
                var (owner, _) = ParseExpression(t, ref o, end, depth + 1, scratch);
                if (owner is not null)
                {
                    notes.RemoveAt(notes.Count - 1);
                    notes.AddRange(scratch);
                    i = o;
                    return (owner with { Part = owner.Part ?? noun, Color = owner.Color ?? color, Region = owner.Region ?? region, Ordinal = owner.Ordinal ?? ordinal }, null);
                }
            }
        }
        else return (null, $"no object named (found '{t[i]}' where an object was expected)");

        // "the apple slice", "the giraffe spots", "the person backpack" (Tokenize drops "'s"), "the baby elephant": a second
        // noun after the first. A detector class is the object meant (the first noun reported); any other noun is a part.
        if (expr.Part is null && expr.Category != GroundingExecutor.AnyObject && SecondNoun(t, i, end) is (int sn, string secondNoun, var secondClass))
        {
            if (secondClass is not null)
            {
                unresolvedPre.Add(expr.Noun ?? expr.Category);
                notes.Add($"'{expr.Noun ?? expr.Category}' before '{secondNoun}' is read as a modifier; ignored for grounding");
                expr = new ReferringExpression { Category = secondClass, Noun = secondNoun == secondClass ? null : secondNoun };
            }
            else expr = expr with { Part = secondNoun };
            i += sn;
        }

        if (ordinal is not null && MatchFromSide(t, i, end) is (int k2, string side2)) { ordinal = ordinal with { From = side2 }; i = k2; }

        Relation? relation = null;
        var more = new List<Relation>();
        var unresolved = unresolvedPre;
        while (i < end)
        {
            int j = i;
            while (j < end && Fillers.Contains(t[j])) j++;
            if (j >= end) { i = j; break; }
            // "the rightmost horse in the picture": the picture is where everything is; nothing to ground.
            if (t[j] is "in" or "on" && MatchAny(t, Skip(t, j + 1, ["the", "this"], end), PictureWords) is int pw)
            {
                i = Skip(t, j + 1, ["the", "this"], end) + pw;
                continue;
            }
            if (MatchMiddle(t, j, end) is int mk)
            {
                region ??= "middle";
                i = mk;
                continue;
            }
            if (MatchAny(t, j, NegationWords) is int nw && ParseNegation(t, j + nw, end, expr, notes) is (int nk, ReferringExpression neg))
            {
                negated = neg;
                i = nk;
                continue;
            }
            // "the guy in red", "the woman wearing blue", "the man dressed in white": a colour attribute.
            if (InColour(t, j, end) is (int ck, string cname))
            {
                if (color is not null && color != cname) notes.Add($"second colour '{cname}' ignored (one colour per object in this version)");
                color ??= cname;
                i = ck;
                continue;
            }
            // "… left of the laptop and next to the bowl": "and" joins a further modifier of the head object; inside an
            // anchor it ends the anchor, so the modifier goes to the object the sentence is about.
            if (t[j] == "and" && j + 1 < end && StartsModifier(t, j + 1, end))
            {
                if (depth > 0) break;
                i = j + 1;
                continue;
            }
            if (MatchDepth(t, j, end) is (int dk, string dfrom) && (dk >= end || !StartsAnchor(t, dk, end) || t[j] != "behind"))
            {
                if (ordinal is null) ordinal = new Ordinal(1, dfrom);
                else notes.Add($"'{string.Join(' ', t.Skip(j).Take(dk - j))}' ignored: the object is already picked by an ordinal");
                i = dk;
                continue;
            }
            if (MatchRegion(t, j, end, notes) is (int rk, string rside))
            {
                // "the sandwich on the left plate": the plate (no detector sees it) is reported, its side kept.
                if (rk < end && IsWord(t[rk]) && !IsFunctionWord(t[rk]) && !StartsModifier(t, rk, end) && NounLexicon.IsNoun(t[rk]))
                {
                    unresolved.Add(string.Join(' ', t.Skip(j).Take(rk + 1 - j)));
                    notes.Add($"'{t[rk]}' is not something the detector can find; its side '{rside}' is kept");
                    rk++;
                }
                if (region is not null && region != rside) notes.Add($"second region '{rside}' ignored");
                region ??= rside;
                i = rk;
                continue;
            }
            if (Quality(t, j, end) is (int pq, string pqual) && ordinal is null && (j + pq >= end || !StartsAnchor(t, j + pq, end)))
            {
                ordinal = new Ordinal(1, pqual); // "the kite flying highest", "the cup closest"
                i = j + pq;
                continue;
            }
            if (MatchFromSide(t, j, end) is (int fk, string fside) && ordinal is not null)
            {
                ordinal = ordinal with { From = fside };
                i = fk;
                continue;
            }
            // "with glasses", "with its trunk up", "with blonde hair", "without a rider": how the object looks, kept and
            // reported (no detector sees it); a colour of clothes is the colour attribute (InColour, above).
            if (AttributePhrase(t, j, end) is int ak)
            {
                string phrase = string.Join(' ', t.Skip(j).Take(ak - j));
                var seen = t.Skip(j).Take(ak - j).Where(w => NounLexicon.IsNoun(w) && NounLexicon.Lookup(w) is null).ToList();
                notes.Add($"'{phrase}' describes the object's look{(seen.Count > 0 ? $" ('{seen[^1]}' is not in the detector's vocabulary)" : "")}; not used for grounding");
                unresolved.Add(phrase);
                i = ak;
                continue;
            }
            string? kind = null;
            int after = -1;
            foreach (var (k, words) in RelationPhrases)
                if (MatchAt(t, j, words, end)) { kind = k; after = j + words.Length; break; }
            // "the cup nearest the laptop", "the chair farthest the door": the superlative with its object, no "to"/"from".
            if (kind is null && t[j] is "nearest" or "closest" or "farthest" or "furthest" && StartsAnchor(t, j + 1, end)
                && !(j + 2 < end && t[j + 2] is "camera" or "viewer"))
            {
                kind = t[j] is "nearest" or "closest" ? SpatialRelations.ClosestTo : SpatialRelations.FarthestFrom;
                after = j + 1;
            }
            // "the bottle second from the right": an ordinal after the noun.
            if (kind is null && OrdinalOf(t[j]) is int post && MatchFromSide(t, j + 1, end) is (int pk, string pside))
            {
                if (ordinal is not null) notes.Add($"'{string.Join(' ', t.Skip(j).Take(pk - j))}' ignored: the object is already picked by an ordinal");
                else ordinal = new Ordinal(post, pside);
                i = pk;
                continue;
            }
            if (kind == SpatialRelations.With && after >= end && IsParticiple(t[j]))
            {
                // "the lady in pink eating": an action with nothing named after it.
                notes.Add($"'{t[j]}' describes what the object does; not used for grounding");
                unresolved.Add(t[j]);
                i = after;
                continue;
            }
            if (kind is not null)
            {
                int a = after;
                var (anchor, err) = ParseExpression(t, ref a, end, depth + 1, notes);
                if (anchor is null) return (null, $"'{string.Join(' ', t.Skip(j).Take(after - j))}' needs an object after it ({err})");
                ReferringExpression? second = null;
                if (kind == SpatialRelations.Between)
                {
                    if (a < end && t[a] == "and")
                    {
                        a++;
                        var (b, err2) = ParseExpression(t, ref a, end, depth + 1, notes);
                        if (b is null) return (null, $"'between' needs a second object after 'and' ({err2})");
                        second = b;
                    }
                    else if (anchor.Count is 2 || anchor.Count is null && anchor.Noun is string pl && pl != anchor.Category)
                    {
                        // "between the two cups": both anchors are the same expression, one object each.
                        second = anchor with { Count = null };
                        anchor = second;
                    }
                    else return (null, "'between' needs two objects ('between the X and the Y')");
                }
                if (!anchor.InVocabulary)
                {
                    string phrase = string.Join(' ', t.Skip(j).Take(a - j));
                    notes.Add($"relation '{phrase}' ignored: '{anchor.Category}' is not something the detector can find");
                    unresolved.Add(phrase);
                    // "the mug on the left side of the counter": the side of the picture it is on, at least.
                    if (kind is SpatialRelations.LeftOf or SpatialRelations.RightOf && t.Skip(j).Take(after - j).Contains("side"))
                        region ??= kind == SpatialRelations.LeftOf ? "left" : "right";
                    // "the child holding the balloon on the right", "every bird on the wire except the first one": what the
                    // ungroundable anchor took after it is said of the object.
                    region ??= anchor.Region;
                    if (anchor.Negated is { } an && negated is null) negated = an with { Category = expr.Category, Noun = expr.Noun, InVocabulary = expr.InVocabulary };
                }
                else if (second is { InVocabulary: false })
                {
                    string phrase = string.Join(' ', t.Skip(j).Take(a - j));
                    notes.Add($"relation '{phrase}' ignored: '{second.Category}' is not something the detector can find");
                    unresolved.Add(phrase);
                }
                else if (relation is null) relation = new Relation(kind, anchor) { SecondAnchor = second };
                else more.Add(new Relation(kind, anchor) { SecondAnchor = second });
                i = a;
                continue;
            }
            if (t[j] == "of" && StartsAnchor(t, j + 1, end))
            {
                // "the backpack of the person", "the bowl of broccoli": an object that belongs to (overlaps) another;
                // "the cup of coffee": what it holds, when no detector sees it, is kept and reported.
                int a = j + 1;
                var scratch = new List<string>();
                var (owner, _) = ParseExpression(t, ref a, end, depth + 1, scratch);
                if (owner is not null)
                {
                    string phrase = string.Join(' ', t.Skip(j).Take(a - j));
                    notes.AddRange(scratch);
                    if (owner.InVocabulary && expr.InVocabulary)
                    {
                        var of = new Relation(owner.Category == "person" ? SpatialRelations.HeldBy : SpatialRelations.With, owner);
                        if (relation is null) relation = of;
                        else more.Add(of);
                    }
                    else
                    {
                        notes.Add($"'{phrase}' not used to find the object");
                        unresolved.Add(phrase);
                    }
                    i = a;
                    continue;
                }
            }
            if (IsParticiple(t[j]))
            {
                // "the player swinging the bat" (with the bat), "the sheep looking at the camera", "the dog running": an
                // action; its object is a 'with' relation when the detector can see it, the rest is kept and reported.
                int a = j + 1;
                while (a < end && Particles.Contains(t[a])) a++;
                bool direct = a == j + 1;
                ReferringExpression? obj = null;
                if (a < end && (StartsAnchor(t, a, end) || NounLexicon.IsNoun(t[a])))
                {
                    int b = a;
                    var (o, _) = ParseExpression(t, ref b, end, depth + 1, []);
                    if (o is not null) { obj = o; a = b; }
                }
                string phrase = string.Join(' ', t.Skip(j).Take(a - j));
                if (direct && obj is { InVocabulary: true })
                {
                    var w = new Relation(SpatialRelations.With, obj);
                    if (relation is null) relation = w;
                    else more.Add(w);
                }
                else
                {
                    notes.Add($"'{phrase}' describes what the object does; not used for grounding");
                    unresolved.Add(phrase);
                }
                i = a;
                continue;
            }
            if (MatchAny(t, j, UnsupportedRelations) is int un)
            {
                int a = j + un;
                var (anchor, _) = ParseExpression(t, ref a, end, depth + 1, notes);
                if (anchor is null) break;
                string phrase = string.Join(' ', t.Skip(j).Take(a - j));
                string prep = string.Join(' ', t.Skip(j).Take(un));
                notes.Add(anchor.InVocabulary
                    ? $"relation '{prep}' in '{phrase}' is not supported yet; ignored for grounding"
                    : $"relation '{phrase}' ignored: '{anchor.Category}' is not something the detector can find and '{prep}' is not supported yet");
                unresolved.Add(phrase);
                i = a;
                continue;
            }
            break;
        }

        // "blue shirt", "the black jacket": clothes with no owner named mean the person wearing them.
        if (!expr.InVocabulary && Garments.Contains(expr.Category) && relation is null && more.Count == 0 && count is null)
        {
            notes.Add($"'{expr.Category}' with no owner named: taken as the person wearing it");
            expr = new ReferringExpression { Category = "person", Part = expr.Category };
        }
        return (expr with
        {
            Color = color,
            Region = region,
            Ordinal = ordinal,
            Relation = relation,
            MoreRelations = more.Count > 0 ? more : null,
            Count = count,
            Negated = negated,
            Unresolved = unresolved.Count > 0 ? unresolved : null,
        }, null);
    }

    private static readonly HashSet<string> Particles =
        ["at", "on", "in", "into", "onto", "to", "toward", "towards", "from", "over", "across", "through", "around", "off", "out", "up", "down",
         "away", "for", "with", "under", "by", "along", "inside", "past", "about"];

    private static readonly HashSet<string> Looks =
        ["striped", "stripped", "spotted", "plaid", "checkered", "checked", "floral", "curly", "straight", "long", "short", "big", "small",
         "blonde", "blond", "dark", "light", "bald", "open", "closed", "raised", "bent", "no", "dotted", "patterned", "printed", "wavy"];

    // "with glasses", "wearing a hat and sunglasses", "in a striped shirt", "with its trunk up", "with blonde hair", "with no
    // rider", "without a hat" → index after the phrase; null when the words there are no such description (a garment with
    // a colour is InColour's; an object a detector sees after "with" is a relation).
    private static int? AttributePhrase(List<string> t, int i, int end)
    {
        if (i >= end) return null;
        if (t[i] == "without" || t[i] == "with" && i + 1 < end && t[i + 1] == "no")
        {
            int k = Skip(t, i + (t[i] == "with" ? 2 : 1), Articles, end);
            int n = k;
            while (n < end && IsWord(t[n]) && !IsFunctionWord(t[n]) && !Articles.Contains(t[n]) && !StartsModifier(t, n, end)) n++;
            return n > k ? n : null;
        }
        if (t[i] is not ("with" or "wearing" or "has" or "having" or "in")) return null;
        int j = i + 1, last = -1;
        while (true)
        {
            j = Skip(t, j, ["a", "an", "the", "his", "her", "its", "their", "some", "two", "pair", "of"], end);
            bool coloured = false;
            while (j < end && (Looks.Contains(t[j]) || ColorLexicon.Attribute(t[j]) is not null && !NounLexicon.IsKnownNoun(t[j])))
            {
                coloured |= ColorLexicon.Attribute(t[j]) is not null && !Looks.Contains(t[j]);
                j++;
            }
            if (j >= end || Sides.Contains(t[j]) || t[j] is "middle" or "center" or "centre" or "front" or "back" || PartWord(t[j]) is not string part) break;
            bool garment = Garments.Contains(part) || Garments.Contains(t[j]);
            if (!garment && (NounLexicon.Match(t, j) is not null || t[i] == "in")) break; // "with a bag", "in the sink": a relation
            if (garment && coloured && last < 0) return null;                   // "in a red shirt": the colour attribute
            j++;
            if (j < end && t[j].EndsWith("ed", StringComparison.Ordinal) && t[j].Length > 4 && NounLexicon.Lookup(t[j]) is null) j++; // "arms crossed"
            if (j < end && t[j] is "up" or "down" or "out" or "open" or "closed" or "raised" or "off" && !(j + 1 < end && StartsAnchor(t, j + 1, end))) j++;
            last = j;
            if (j + 1 < end && t[j] == "and") { j++; continue; }               // "a hat and sunglasses"
            break;
        }
        return last > 0 ? last : null;
    }

    // "in red", "in a red shirt", "wearing blue", "dressed in white", "in a white dress" → (index after, colour attribute).
    private static (int, string)? InColour(List<string> t, int i, int end)
    {
        int j = i;
        if (j < end && t[j] == "dressed") j++;
        if (j >= end || t[j] is not ("in" or "wearing" or "with")) return null;
        j = Skip(t, j + 1, ["a", "an", "the", "all"], end);
        if (j >= end || ColorLexicon.Attribute(t[j]) is not string c || NounLexicon.IsKnownNoun(t[j])) return null;
        j++;
        // A garment after the colour is part of the attribute ("in a red shirt"); a detector noun is not (that is a relation),
        // nor a part that is no garment ("with gray hair", "with white spots": the colour of the part).
        if (j < end && Garments.Contains(t[j])) j++;
        else if (j < end && (NounLexicon.Match(t, j) is not null || NounLexicon.IsNoun(t[j]) && !StartsModifier(t, j, end))) return null;
        return (j, c);
    }

    private static readonly HashSet<string> Garments = PhraseBook.WordSet("garment");

    // "the top of", "the left side of": places on an object (phrases.tsv, table location), longest first.
    private static readonly string[][] Locations = [.. PhraseBook.Words("location").OrderByDescending(w => w.Length)];

    // "a pair of", "the stack of": measure nouns → one | all (phrases.tsv, table quantity).
    private static readonly Dictionary<string, string> QuantityWords = PhraseBook.WordToKey("quantity");

    // Words ending in -ing that are things, not actions ("the ceiling", "the painting").
    private static readonly HashSet<string> IngNouns =
    [
        "something", "nothing", "anything", "everything", "thing", "ceiling", "building", "painting", "clothing", "railing", "icing",
        "ring", "wing", "string", "king", "spring", "sibling", "pudding", "stuffing", "frosting", "filling", "lighting", "awning",
        "wedding", "evening", "morning", "earring", "sling", "swing", "drawing", "topping", "covering", "bedding", "siding", "ping",
    ];

    // Verbs and adjectives WordNet also lists as nouns, never the second noun of a compound ("the man wear …", "the
    // sandwich cut in half", "the bowl full of …").
    private static readonly HashSet<string> NotHeads =
    [
        "wear", "wears", "be", "look", "looks", "have", "has", "get", "cut", "open", "closed", "broken", "half", "full", "empty", "whole",
        "wet", "dry", "dirty", "clean", "hot", "cold", "old", "new", "young", "plain", "fancy", "down", "up", "out", "off", "alone", "together",
        "sit", "sits", "stand", "stands", "lie", "lies", "face", "faces", "walk", "walks", "run", "runs", "play", "plays", "eat", "eats", "hold", "holds",
    ];

    // An action participle ("swinging", "looking"), not a thing.
    private static bool IsParticiple(string w) => w.Length >= 5 && w.EndsWith("ing", StringComparison.Ordinal) && !IngNouns.Contains(w) && NounLexicon.Lookup(w) is null;

    // A noun right after a noun ("apple slice", "giraffe spots", "person backpack"): (tokens, the noun, its detector class or
    // null), or null when the word there is no noun or starts a modifier, a verb-like word or a phrase of the grammar.
    private static (int, string, string?)? SecondNoun(List<string> t, int i, int end)
    {
        if (i >= end || !IsWord(t[i]) || IsFunctionWord(t[i]) || Articles.Contains(t[i]) || Fillers.Contains(t[i]) || IsParticiple(t[i])
            || t[i].EndsWith("ed", StringComparison.Ordinal) || StartsModifier(t, i, end) || Quality(t, i, end) is not null || OrdinalOf(t[i]) is not null
            || CountWords.ContainsKey(t[i]) || ColorLexicon.Attribute(t[i]) is not null || MatchAny(t, i, NegationWords) is not null
            || t[i] is "one" or "ones" or "it" or "them" or "then" or "please" or "too" or "also" or "only" or "just" or "again" || NotHeads.Contains(t[i]))
            return null;
        int len = Math.Max(1, NounLexicon.PhraseLength(t, i, end));
        if (NounLexicon.Match(t, i) is NounMatch m && m.TokenCount >= len) return (m.TokenCount, m.Noun, m.Category);
        string noun = string.Join(' ', t.Skip(i).Take(len));
        if (!NounLexicon.IsNoun(noun) && !NounLexicon.IsPart(noun)) return null;
        // An unknown second noun is a part only where the phrase ends with it ("the giraffe spots to yellow", "the lily pad").
        int after = i + len;
        if (after < end && (IsWord(t[after]) && !IsFunctionWord(t[after]) && !Articles.Contains(t[after]) && !StartsModifier(t, after, end)
                            && t[after] is not ("to" or "into" or "with" or "from" or "as")))
            return null;
        return (len, noun, null);
    }

    // Whether a post-modifier (relation, region, depth phrase, negation, colour) starts at i.
    private static bool StartsModifier(List<string> t, int i, int end)
    {
        foreach (var (_, words) in RelationPhrases) if (MatchAt(t, i, words, end)) return true;
        return MatchRegion(t, i, end, []) is not null || MatchDepth(t, i, end) is not null || MatchMiddle(t, i, end) is not null
            || MatchAny(t, i, NegationWords) is not null || InColour(t, i, end) is not null || Fillers.Contains(t[i]);
    }

    // A superlative or size adjective at i: (words used, Ordinal.From), e.g. "closest" → (1, near), "most distant" → (2, far).
    private static (int, string)? Quality(List<string> t, int i, int end)
    {
        if (i >= end) return null;
        if (t[i] == "most" && i + 1 < end && MostQualities.TryGetValue(t[i + 1], out string? m)) return (i + 2 < end && t[i + 2] == "away" ? 3 : 2, m);
        if (Qualities.TryGetValue(t[i], out string? q) && !(i + 1 < end && t[i + 1] is "to" or "from")) return (1, q);
        return null;
    }

    // "in the foreground", "in the background", "behind" (no object after it) → (index after, near|far).
    private static (int, string)? MatchDepth(List<string> t, int i, int end)
    {
        foreach (var (from, words) in DepthPhrases)
            if (MatchAt(t, i, words, end))
            {
                int k = SkipPicture(t, i + words.Length, end);
                if (k < end && t[k] == "of") return null; // "in front of the laptop" is a relation
                return (k, from);
            }
        return null;
    }

    // "in the middle", "in the center of the image", "at the centre" → index after.
    private static int? MatchMiddle(List<string> t, int i, int end)
    {
        if (i >= end || t[i] is not ("in" or "at" or "near" or "towards" or "toward")) return null;
        int j = Skip(t, i + 1, ["the", "very"], end);
        if (j >= end || t[j] is not ("middle" or "center" or "centre")) return null;
        int k = SkipPicture(t, j + 1, end);
        return k < end && t[k] == "of" ? null : k; // "in the middle of the table" is an object relation
    }

    // Whether an object expression (article, noun, adjective) starts at i.
    private static bool StartsAnchor(List<string> t, int i, int end) =>
        i < end && (Articles.Contains(t[i]) || NounLexicon.Match(t, i) is not null || ColorLexicon.Attribute(t[i]) is not null);

    // After "not": what the object is not. "not red", "not the big one", "not on the left", "not the red cup".
    private (int, ReferringExpression)? ParseNegation(List<string> t, int i, int end, ReferringExpression owner, List<string> notes)
    {
        i = Skip(t, i, Articles, end);
        var neg = new ReferringExpression { Category = owner.Category, Noun = owner.Noun, InVocabulary = owner.InVocabulary };
        bool any = false;
        if (MatchRegion(t, i, end, notes) is (int rk, string side)) return (rk, neg with { Region = side });
        if (MatchDepth(t, i, end) is (int dk, string from)) return (dk, neg with { Ordinal = new Ordinal(1, from) });
        while (i < end)
        {
            if (ColorLexicon.Attribute(t[i]) is string c && !NounLexicon.IsKnownNoun(t[i])) { neg = neg with { Color = c }; i++; any = true; }
            else if (Quality(t, i, end) is (int qn, string q)) { neg = neg with { Ordinal = new Ordinal(1, q) }; i += qn; any = true; }
            else if (t[i] is "leftmost" or "rightmost" or "topmost" or "bottommost")
            {
                neg = neg with { Ordinal = new Ordinal(1, t[i][..^4]) };
                i++;
                any = true;
            }
            else if (Sides.Contains(t[i]) || t[i] is "middle") { neg = neg with { Region = t[i] }; i++; any = true; }
            else if (OrdinalOf(t[i]) is int n)
            {
                // "every bottle but the first", "all the cups except the second from the right"
                var ordinal = new Ordinal(n, "left");
                i++;
                if (MatchFromSide(t, i, end) is (int fk, string fromSide)) { ordinal = ordinal with { From = fromSide }; i = fk; }
                neg = neg with { Ordinal = ordinal };
                any = true;
            }
            else if (t[i] == "last") { neg = neg with { Ordinal = new Ordinal(1, "right") }; i++; any = true; }
            else break;
        }
        if (owner.Category == GroundingExecutor.AnyObject && i < end && NounLexicon.Match(t, i) is NounMatch other)
        {
            // "everything on the table except the laptop": the exception names its own kind of object.
            return (i + other.TokenCount, neg with { Category = other.Category, Noun = other.Noun == other.Category ? null : other.Noun });
        }
        if (!any) return null;
        if (i < end && t[i] is "one" or "ones") i++;
        else if (NounLexicon.Match(t, i) is NounMatch m && m.Category == owner.Category) i += m.TokenCount;
        return (i, neg);
    }

    // A noun (known or unknown word) still lies ahead before the end, past colour/side adjectives.
    private static bool NounAhead(List<string> t, int i, int end)
    {
        while (i < end && (ColorLexicon.Attribute(t[i]) is not null && !NounLexicon.IsKnownNoun(t[i]) || t[i] is "coloured" or "colored"))
            i++;
        return i < end && (NounLexicon.IsKnownNoun(t[i]) || GenericNouns.ContainsKey(t[i]) || IsWord(t[i]) && !IsFunctionWord(t[i]) && !Articles.Contains(t[i]));
    }

    private static readonly HashSet<string> Quantifiers = ["all", "both", "every", "each", "two", "three", "four", "five", "several", "many", "some"];
    private static readonly HashSet<string> Pronouns = ["it", "them", "this", "that", "these", "those", "everything", "something", "anything", "one", "ones"];

    private static bool IsWord(string w) => w.All(char.IsAsciiLetterLower) && w.Length > 1;

    private static readonly HashSet<string> FunctionWords =
    [
        "of", "to", "into", "in", "on", "at", "from", "by", "with", "and", "or", "is", "are", "it", "its", "one", "ones",
        "left", "right", "top", "bottom", "above", "below", "under", "over", "near", "next", "beside", "behind", "between",
        "that", "which", "who", "please", "side", "not", "no",
    ];

    private static bool IsFunctionWord(string w) => FunctionWords.Contains(w) || OrdinalOf(w) is not null;

    /// <summary>1-based number of an ordinal word ("second", "2nd", "12th"), or null.</summary>
    internal static int? OrdinalOf(string w)
    {
        int idx = Array.IndexOf(OrdinalWords, w);
        if (idx >= 0) return idx + 1;
        if (w.Length >= 3 && w[^2..] is "st" or "nd" or "rd" or "th" && int.TryParse(w[..^2], out int n) && n is >= 1 and <= 99) return n;
        return null;
    }

    // "from the left", "from left", "counting from the right" → (index after, side)
    private static (int, string)? MatchFromSide(List<string> t, int i, int end)
    {
        if (i < end && t[i] == "counting") i++;
        if (i >= end || t[i] != "from") return null;
        int j = Skip(t, i + 1, ["the"], end);
        if (j < end && Sides.Contains(t[j])) return (SkipPicture(t, j + 1, end), t[j]);
        return null;
    }

    // "on the left", "at the far right side of the image", "in the top", "on top" (not followed by "of")
    private static (int, string)? MatchRegion(List<string> t, int i, int end, List<string> notes)
    {
        if (i >= end || t[i] is not ("on" or "at" or "in" or "to" or "near" or "towards" or "toward")) return null;
        int j = Skip(t, i + 1, ["the", "far", "very"], end);
        if (j >= end) return null;
        string? side = t[j] switch { "left" => "left", "right" => "right", "top" or "upper" => "top", "bottom" or "lower" => "bottom", _ => null };
        if (side is null) return null;
        int k = j + 1;
        if (k < end && t[k] is not ("side" or "hand" or "corner" or "edge" or "part" or "half" or "end") && NounLexicon.Match(t, k) is not null) return null;
        // "top left corner": one region per object in this version; the second side is reported.
        if (k < end && (side is "top" or "bottom" ? t[k] is "left" or "right" : t[k] is "top" or "bottom" or "upper" or "lower")
            && !(k + 1 < end && t[k + 1] == "of" && SkipPicture(t, k + 1, end) == k + 1))
        {
            string other = t[k] switch { "upper" => "top", "lower" => "bottom", _ => t[k] };
            side = side is "top" or "bottom" ? $"{side}_{other}" : $"{other}_{side}";
            k++;
        }
        if (k < end && t[k] == "hand") k++;
        if (k < end && t[k] is "side" or "corner" or "edge" or "part" or "half" or "end") k++;
        if (k < end && t[k] == "of")
        {
            int after = SkipPicture(t, k, end);
            if (after == k) return null; // "to the left of the cup" is a relation
            return (after, side);
        }
        return (k, side);
    }

    // Optional "of the image/picture/photo".
    private static int SkipPicture(List<string> t, int i, int end)
    {
        if (i < end && t[i] == "of")
        {
            int j = Skip(t, i + 1, ["the", "this"], end);
            if (MatchAny(t, j, PictureWords) is int n && j + n <= end) return j + n;
        }
        return i;
    }

    private static int Skip(List<string> t, int i, IReadOnlyCollection<string> words, int end = int.MaxValue)
    {
        end = Math.Min(end, t.Count);
        while (i < end && words.Contains(t[i])) i++;
        return i;
    }

    private static bool MatchAt(List<string> t, int i, string[] words, int end = int.MaxValue)
    {
        if (i + words.Length > Math.Min(end, t.Count)) return false;
        for (int k = 0; k < words.Length; k++) if (t[i + k] != words[k]) return false;
        return true;
    }

    // Length of the first phrase in the list found at i (lists put longer phrases first), or null.
    private static int? MatchAny(List<string> t, int i, string[][] phrases)
    {
        foreach (var p in phrases) if (MatchAt(t, i, p)) return p.Length;
        return null;
    }
}
