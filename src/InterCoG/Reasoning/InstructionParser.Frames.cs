using InterCoG.Programs;

namespace InterCoG.Reasoning;

/// <remarks>Verb frames (phrases.tsv, table "frame"): a pattern of literal words, alternatives and slots per line, read
/// into a program of one operation. They hold the edit kinds whose argument is free text (material, content, text, style,
/// background, pose) and run before the rest of the grammar:
/// <code>
/// change the material of {target} to {value}          material = value
/// change the style [of the image] to {value}          style = value, target = the image
/// make {target} &lt;sit|stand|…&gt; {value?}               pose = "sit …"
/// </code></remarks>
public sealed partial class InstructionParser
{
    /// <summary>One pattern element: a literal or alternatives (each one or more words), optional or not, or a slot.</summary>
    private sealed record FrameElement(string[][] Choices, bool Optional, string? Slot, bool Captured, bool SlotOptional);

    private sealed record Frame(string Operation, FrameElement[] Elements);

    private static readonly Frame[] Frames = [.. PhraseBook.Table("frame").Select(p => new Frame(p.Key, [.. p.Words.Select(Element)]))];

    private static FrameElement Element(string w)
    {
        if (w[0] == '{') return new([], false, w.Trim('{', '}', '?'), false, w.EndsWith("?}", StringComparison.Ordinal));
        bool optional = w[0] == '[', captured = w[0] == '<';
        string body = w[0] is '(' or '[' or '<' ? w[1..^1] : w;
        return new([.. body.Split('|').Select(c => c.Split('_'))], optional, null, captured, false);
    }

    private sealed record Capture(string Slot, int Start, int End);

    // The first frame that matches the whole step, its slots checked: a {target} must be one referring expression.
    private ParseResult? ParseFrame(List<string> t, string original, List<string> notes)
    {
        // Strictly first (every target one whole expression), then loosely (a target's words past its expression ignored).
        foreach (bool loose in new[] { false, true })
        foreach (var frame in Frames)
        {
            var captures = new List<Capture>();
            if (!MatchFrame(frame.Elements, 0, t, 0, captures, loose)) continue;
            var args = new Dictionary<string, string>();
            ReferringExpression? target = null;
            bool skip = false;
            foreach (var c in captures)
            {
                if (c.Slot == "target")
                {
                    var scratch = new List<string>();
                    int p = c.Start;
                    (target, _) = loose ? ParseExpression(t, ref p, c.End, 0, scratch) : ParseTarget(t, c.Start, c.End, scratch);
                    if (loose && p < c.End) scratch.Add($"'{string.Join(' ', t.Skip(p).Take(c.End - p))}' not used to find the object");
                    notes.AddRange(scratch);
                }
                else if (c.Slot == "value" && c.End > c.Start)
                {
                    string value = string.Join(' ', t.Skip(c.Start).Take(c.End - c.Start));
                    // Writing as written; a value with digits keeps its punctuation ("3:00"), the rest is lower case.
                    args[frame.Operation] = frame.Operation == Operations.Text ? OriginalCase(original, value)
                        : TrimValue(value.Any(char.IsDigit) ? OriginalCase(original, value) : value);
                }
                else if (c.Slot == "what" && (c.End - c.Start > 3 || t[c.Start] is "color" or "colour" or "colors" or "colours" or "hue" or "shade" or "tint"))
                {
                    skip = true; // "change the colour of …" is the recolour grammar's
                    break;
                }
                else if (c.Slot == "what" && !IsAspect(t, c.Start, c.End))
                {
                    skip = true; // "change the horse in front of the barn to …": an object, not an aspect of one
                    break;
                }
                else if (c.Slot == "what")
                {
                    // "change the time of the clock to 3:00": what changes, kept as the part of the object it is.
                    args[ArgumentNames.Part] = string.Join(' ', t.Skip(c.Start).Take(c.End - c.Start));
                }
                else if (c.Slot == "old" && frame.Operation == Operations.Background && c.End - c.Start >= 1 && t[c.End - 1] is "in" or "the" or "at" or "of")
                {
                    skip = true; // "change the bottle in the background to …": a depth phrase, not the background
                    break;
                }
                else if (c.Slot == "old") notes.Add($"'{string.Join(' ', t.Skip(c.Start).Take(c.End - c.Start))}' describes what is replaced; not used");
            }
            if (skip) continue;
            string op = frame.Operation;
            // "make the man standing by the car red", "have the man standing there wear a coat": the participle describes
            // the object and the sentence ends in another edit, not a pose.
            if (op == Operations.Pose && args.TryGetValue(Operations.Pose, out string? pose) && pose.Split(' ') is { Length: > 2 } pw
                && pw[0].EndsWith("ing", StringComparison.Ordinal) && (pw.Contains("wear") || pw.Contains("wearing") || ColorPalette.TryResolve(pw[^1], out _, out _)))
                continue;
            if (op == Operations.Recolor)
            {
                // "change the hair colour of the man to black": a recolour limited to the part named in the frame.
                if (!args.Remove(Operations.Recolor, out string? colour) || !ColorPalette.TryResolve(colour, out string canonical, out _)) continue;
                args[ArgumentNames.Color] = canonical;
                args[ArgumentNames.Part] = t[2] == "fur" ? "fur" : t[2];
            }
            if (op == Operations.Content && args.TryGetValue(Operations.Content, out string? shown))
            {
                // "… to SLOW", "… to 952", "… to 'HOT'", "… to text 'NYC'": writing, not a picture; "… to 3:00" is a clock face.
                string written = OriginalCase(original, shown);
                string? what = args.GetValueOrDefault(ArgumentNames.Part);
                if (PlainColour(shown, what) is string colour)
                {
                    op = Operations.Recolor; // "change the light of the traffic light to red light", "the pattern of the tie to solid red"
                    args.Remove(Operations.Content);
                    args[ArgumentNames.Color] = colour;
                    if (what is null or "pattern" or "patterns" or "content" or "contents" or "design" or "designs") args.Remove(ArgumentNames.Part);
                }
                else if (WrittenValue(written, original, target) is string text)
                {
                    op = Operations.Text;
                    args.Remove(Operations.Content);
                    args[ArgumentNames.Text] = text;
                }
            }
            else if (op == Operations.Text && args.TryGetValue(Operations.Text, out string? said) && WrittenPrefix(said) is int cut)
                args[ArgumentNames.Text] = said[cut..].Trim(' ', '\'', '"');
            target ??= new ReferringExpression { Category = ReferringExpression.Image };
            return new ParseResult(true, new EditRequest(op, args, target), null, notes);
        }
        return null;
    }

    private bool MatchFrame(FrameElement[] pattern, int k, List<string> t, int i, List<Capture> captures, bool loose)
    {
        if (k == pattern.Length) return i == t.Count;
        var e = pattern[k];
        if (e.Slot is string slot)
        {
            if (e.SlotOptional && k == pattern.Length - 1)
            {
                captures.Add(new Capture(slot, i, t.Count));
                return true;
            }
            // Longest span first for a value at the end; for a target, every span whose words form one expression.
            for (int end = t.Count; end > i; end--)
            {
                // The words after a slot must start the next literal (a cheap test before the expression is parsed).
                if (k + 1 < pattern.Length && pattern[k + 1] is { Slot: null, Optional: false } next && !next.Choices.Any(c => MatchAt(t, end, c))) continue;
                if (slot == "target" && !(loose ? StartsOneExpression(t, i, end) : IsOneExpression(t, i, end))) continue;
                captures.Add(new Capture(slot, i, end));
                if (MatchFrame(pattern, k + 1, t, end, captures, loose)) return true;
                captures.RemoveAt(captures.Count - 1);
            }
            return false;
        }
        foreach (var choice in e.Choices)
        {
            if (!MatchAt(t, i, choice)) continue;
            if (e.Captured)
            {
                // <sit|stand>: the word starts the value that follows ("make the dog sit up" → pose "sit up").
                int mark = captures.Count;
                if (MatchFrame(pattern, k + 1, t, i + choice.Length, captures, loose))
                {
                    int at = captures.FindIndex(mark, c => c.Slot == "value");
                    if (at >= 0) captures[at] = captures[at] with { Start = i };
                    else captures.Add(new Capture("value", i, i + choice.Length));
                    return true;
                }
                continue;
            }
            if (MatchFrame(pattern, k + 1, t, i + choice.Length, captures, loose)) return true;
        }
        return e.Optional && MatchFrame(pattern, k + 1, t, i, captures, loose);
    }

    private bool StartsOneExpression(List<string> t, int start, int end)
    {
        int p = start;
        var (expr, _) = ParseExpression(t, ref p, end, 0, []);
        return expr is not null;
    }

    private bool IsOneExpression(List<string> t, int start, int end)
    {
        var (expr, _) = ParseTarget(t, start, end, []);
        return expr is not null;
    }

    // Writing rather than a picture: every letter a capital (one capital letter on its own, or two or more), digits only
    // (a time of day such as 3:00 is a clock face, not writing), or in quotes in the original.
    private static bool LooksWritten(string value, string original)
    {
        var letters = value.Where(char.IsLetter).ToList();
        bool capitals = letters.Count >= 2 && letters.All(char.IsUpper) || value.Length == 1 && char.IsUpper(value[0]) && value != "A" && value != "I";
        bool digits = value.Any(char.IsDigit) && letters.Count == 0 && !TimeOfDay.IsMatch(value);
        bool quoted = original.Contains($"'{value}'", StringComparison.OrdinalIgnoreCase) || original.Contains($"\"{value}\"", StringComparison.OrdinalIgnoreCase);
        return capitals || digits || quoted;
    }

    private static readonly System.Text.RegularExpressions.Regex TimeOfDay = new(@"^\d{1,2}[:.]\d{2}$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    // Words that say the value is writing: "text 'NYC'", "the number 7", "the letters AB".
    private static readonly string[][] WrittenWords =
        [["the", "text"], ["text"], ["the", "number"], ["number"], ["the", "letters"], ["letters"], ["the", "letter"], ["letter"], ["the", "words"],
         ["words"], ["the", "word"], ["word"], ["the", "title"], ["title"], ["the", "caption"], ["caption"], ["the", "name"]];

    // Length of a leading "text", "the number" … in value (as written), followed by more; null when there is none.
    private static int? WrittenPrefix(string value)
    {
        var words = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        foreach (var p in WrittenWords)
        {
            if (words.Length <= p.Length || !p.Select((w, k) => string.Equals(words[k], w, StringComparison.OrdinalIgnoreCase)).All(x => x)) continue;
            int cut = 0;
            for (int k = 0; k < p.Length; k++) cut = value.IndexOf(words[k], cut, StringComparison.Ordinal) + words[k].Length;
            // What follows is writing: a capital, a digit or a quote ("text 'NYC'", "number 7"), not "number clock".
            string rest = value[cut..].TrimStart();
            return rest.Length > 0 && (char.IsUpper(rest[0]) || char.IsDigit(rest[0]) || rest[0] is '\'' or '"') ? cut : null;
        }
        return null;
    }

    // The text of a content value that is writing ("SLOW", "text 'NYC'", "the number 7", writing on a target that is
    // itself text), or null when the value is a picture.
    private static string? WrittenValue(string written, string original, ReferringExpression? target)
    {
        if (WrittenPrefix(written) is int cut) return written[cut..].Trim(' ', '\'', '"');
        if (LooksWritten(written, original)) return written;
        return target is { Category: "text" or "writing" or "words" or "letters" or "lettering" } ? written : null;
    }

    // A value that is only a colour: "[solid|plain] red [and white] [color|one|light]", the aspect word repeated ("red
    // light" for "the light of …"), "without …" after it; the colour's canonical name or null.
    private static string? PlainColour(string value, string? what)
    {
        var w = value.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        // "to solid white", "to pure blue" without "colour": a plain fill in place of a pattern is new content.
        if (w.Count > 0 && w[0] is "solid" or "pure" or "plain" && !w.Any(x => x is "color" or "colour")) return null;
        int i = 0;
        while (i < w.Count && w[i] is "solid" or "plain" or "pure" or "a" or "an" or "bright" or "dark" or "light" or "pale" or "deep" && i + 1 < w.Count) i++;
        if (i >= w.Count) return null;
        string? colour = null;
        if (i + 1 < w.Count && ColorPalette.TryResolve(w[i] + " " + w[i + 1], out string two, out _)) { colour = two; i += 2; }
        else if (ColorPalette.TryResolve(w[i], out string one, out _)) { colour = one; i++; }
        if (colour is null) return null;
        while (i + 1 < w.Count && w[i] == "and" && ColorLexicon.Attribute(w[i + 1]) is not null) i += 2;
        while (i < w.Count && (w[i] is "color" or "colour" or "colored" or "coloured" or "one" or "ones" or "shade" or "tone" or "hue" || w[i] == what
                               || what is not null && what.EndsWith(w[i], StringComparison.Ordinal)))
            i++;
        if (i < w.Count && w[i] is "without" or "with" && i + 1 < w.Count && w[i + 1] is "stripes" or "pattern" or "patterns" or "spots" or "dots") i = w.Count;
        return i == w.Count ? colour : null;
    }

    // "time", "logo text", "screen": one or two words naming an aspect of an object, not an object (no detector class,
    // no relation or article among them).
    private static bool IsAspect(List<string> t, int start, int end)
    {
        if (end - start is < 1 or > 2) return false;
        for (int k = start; k < end; k++)
            if (!IsWord(t[k]) || IsFunctionWord(t[k]) || Articles.Contains(t[k]) || NounLexicon.Lookup(t[k]) is not null && !NounLexicon.IsPart(t[k]) && t[k] != "screen" && t[k] != "display")
                return false;
        return true;
    }

    // "to a watercolor painting" → "watercolor painting"; quotes were dropped by Tokenize.
    private static string TrimValue(string value)
    {
        foreach (string article in new[] { "a ", "an ", "the " })
            if (value.StartsWith(article, StringComparison.Ordinal)) return value[article.Length..];
        return value;
    }

    // The words of value as the user wrote them ("SLOW", "Main St"), found case-insensitively in the original text.
    private static string OriginalCase(string original, string value)
    {
        var words = value.Split(' ');
        var pattern = string.Join(@"[\W_]+", words.Select(System.Text.RegularExpressions.Regex.Escape));
        var m = System.Text.RegularExpressions.Regex.Match(original, pattern, System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.RightToLeft);
        return m.Success ? m.Value : value;
    }
}
