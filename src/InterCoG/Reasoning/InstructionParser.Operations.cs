using System.Globalization;
using InterCoG.Programs;

namespace InterCoG.Reasoning;

/// <remarks>Verbs of the operations other than recolor and remove, and their arguments (all values are strings):
/// <code>
/// blur | pixelate     := (blur [out] | pixelate | pixelize | censor) [the face of] EXPR      part=face
///                      | make EXPR (blurry | blurred | pixelated)
/// brighten | darken   := (brighten | lighten | darken | dim) EXPR | make EXPR (brighter | lighter | darker | dimmer)
/// saturate            := saturate EXPR | make EXPR (more saturated | more colorful | more vivid)
/// desaturate          := (desaturate | grayscale) EXPR | make EXPR (black and white | grayscale | monochrome | less saturated)
/// move                := (move | shift | drag | slide) EXPR MOVE-ARG | (put | place) (the | this | that | my) … MOVE-ARG
///   MOVE-ARG          := [by] N [px|pixels] [to the] DIR      dx, dy (pixels, x right, y down)
///                      | DIR by N [px|pixels]                dx, dy
///                      | [to the | towards the] DIR          direction=left|right|up|down
///                      | REL EXPR                            relation=left_of|…|next_to, anchor=the words of EXPR
/// resize              := (resize | scale) EXPR (by | to) N [times | percent | %]  | scale EXPR (up | down)
///                      | (enlarge | grow | magnify | shrink) EXPR
///                      | make EXPR (twice | three times | half) as big | half the size | N times bigger | bigger | smaller
///                                                            scale (factor, > 0; bigger/smaller: GrowScale/ShrinkScale)
/// flip                := (flip | mirror) EXPR [horizontally | vertically | upside down]   axis=horizontal|vertical
/// duplicate           := (duplicate | copy | clone | make a copy of) EXPR
/// cutout              := (cut out | extract | isolate) EXPR | cut EXPR out
/// outline             := (outline | highlight | draw a box around | circle | mark) EXPR [in COLOUR]   color
/// replace             := (replace | swap | substitute) EXPR (with | for | by) NOUN-PHRASE         with=the noun phrase
///                      | (turn | change | make | transform | convert) EXPR (into | to) NOUN-PHRASE (not a colour)
/// add                 := (add | insert | put | place) [a|an] NOUN-PHRASE REL EXPR   object=the noun phrase,
///                      | give EXPR [a|an] NOUN-PHRASE ("give them hats": relation=on, the target is EXPR)
///                        relation=left_of|right_of|above|below|next_to|on|in_front_of|behind; the target is EXPR (the anchor)
/// </code></remarks>
public sealed partial class InstructionParser
{
    private static readonly (string Op, string[] Words)[] VerbFirst =
        PhraseBook.Keyed("verb").Where(v => v.Key is not (Operations.Remove or Operations.Recolor)).ToArray();

    // "make X …" endings that name an operation rather than a colour.
    private static readonly (string Op, string[] Words)[] MakeTails = PhraseBook.Keyed("make_tail");

    private static readonly string[] MakeVerbs = ["make", "turn", "render", "get"];
    private static readonly HashSet<string> Softeners = ["a", "bit", "little", "slightly", "much", "lot", "more", "please", "somewhat"];

    private static readonly Dictionary<string, string> Directions = new(StringComparer.Ordinal)
    {
        ["left"] = "left", ["right"] = "right", ["up"] = "up", ["down"] = "down", ["upward"] = "up", ["upwards"] = "up",
        ["downward"] = "down", ["downwards"] = "down", ["top"] = "up", ["bottom"] = "down", ["leftward"] = "left", ["rightward"] = "right",
    };

    // Operations other than recolor/remove/ground, or null to let the main grammar try.
    private ParseResult? ParseOperation(List<string> t, List<string> notes)
    {
        if (MakeVerbs.Contains(t[0]) && MakeTail(t) is (string tailOp, int tailStart, Dictionary<string, string> tailArgs))
            return Finish(tailOp, t, 1, tailStart, tailArgs, notes);
        if (t[0] is "give" or "gift" && ParseGive(t, notes) is ParseResult given) return given;
        string? op = null;
        int pos = 0;
        foreach (var (o, words) in VerbFirst)
            if (MatchAt(t, 0, words)) { op = o; pos = words.Length; break; }
        if (op is null) return null;
        int end = t.Count;
        var args = new Dictionary<string, string>();
        while (end > pos && t[end - 1] is "please" or "slightly" or "somewhat") end--;
        switch (op)
        {
            case Operations.Blur or Operations.Pixelate:
                int f = Skip(t, pos, Articles, end);
                if (f + 1 < end && t[f] is "face" or "faces" && t[f + 1] == "of") { args["part"] = "face"; pos = f + 2; }
                break;
            case Operations.Brighten or Operations.Darken or Operations.Saturate or Operations.Desaturate:
                while (end > pos && Softeners.Contains(t[end - 1])) end--;
                if (end > pos && t[end - 1] == "up") end--;
                break;
            case Operations.Move:
                return ParseMove(t, pos, end, notes);
            case Operations.Resize:
                return ParseResize(t, pos, end, notes);
            case Operations.Flip:
                if (end > pos && t[end - 1] is "horizontally" or "sideways") { args["axis"] = "horizontal"; end--; }
                else if (end > pos && t[end - 1] == "vertically") { args["axis"] = "vertical"; end--; }
                else if (end - 1 > pos && t[end - 2] == "upside" && t[end - 1] == "down") { args["axis"] = "vertical"; end -= 2; }
                else if (end - 3 > pos && MatchAt(t, end - 3, ["left", "to", "right"])) { args["axis"] = "horizontal"; end -= 3; }
                else args["axis"] = "horizontal";
                break;
            case Operations.Cutout:
                if (t[0] == "cut" && pos == 1)
                {
                    if (end > pos && t[end - 1] == "out") end--;
                    else return ParseResult.Fail("'cut' needs 'out' (e.g. 'cut out the dog')");
                }
                if (end > pos && t[end - 1] == "background" && end - 3 > pos && t[end - 3] == "from") end -= 3; // "… from the background"
                break;
            case Operations.Outline:
                if (end - 2 > pos && t[end - 2] is "in" or "with" && ColorPalette.TryResolve(t[end - 1], out string c, out _)) { args["color"] = c; end -= 2; }
                break;
            case Operations.Replace:
                return ParseReplace(t, pos, end, notes);
            case Operations.Add:
                // "put the cup next to the laptop": a definite object already in the picture is moved there; "put a cup
                // next to the laptop" adds one.
                if (t[0] is "put" or "place" && pos < end && t[pos] is "the" or "this" or "that" or "these" or "those" or "my"
                    && ParseMove(t, pos, end, []) is { Parsed: true })
                    return ParseMove(t, pos, end, notes);
                return ParseAdd(t, pos, end, notes);
        }
        return Finish(op, t, pos, end, args, notes);
    }

    private ParseResult Finish(string op, List<string> t, int pos, int end, Dictionary<string, string> args, List<string> notes)
    {
        var (expr, error) = ParseTarget(t, pos, end, notes);
        return expr is null ? ParseResult.Fail(error!, notes) : new ParseResult(true, new EditRequest(op, args, expr), null, notes);
    }

    // One expression filling exactly [pos, end).
    private (ReferringExpression?, string?) ParseTarget(List<string> t, int pos, int end, List<string> notes)
    {
        if (end <= pos) return (null, "no object named");
        int p = pos;
        var (expr, error) = ParseExpression(t, ref p, end, 0, notes);
        if (expr is null) return (null, error ?? "no object named");
        if (p < end) return (null, $"did not understand '{string.Join(' ', t.Skip(p).Take(end - p))}' after '{string.Join(' ', t.Skip(pos).Take(p - pos))}'");
        return (expr, null);
    }

    // "make X brighter", "make X twice as big": (operation, where the ending starts, arguments).
    private (string, int, Dictionary<string, string>)? MakeTail(List<string> t)
    {
        int end = t.Count;
        while (end > 1 && Softeners.Contains(t[end - 1]) && t[end - 1] != "more") end--;
        foreach (var (op, words) in MakeTails)
        {
            int start = end - words.Length;
            if (start <= 1 || !MatchAt(t, start, words)) continue;
            while (start > 1 && Softeners.Contains(t[start - 1]) && !(words[0] == "more")) start--;
            return (op, start, []);
        }
        if (ResizeTail(t, 1, end) is (int s, double scale)) return (Operations.Resize, s, new() { ["scale"] = Fmt(scale) });
        return null;
    }

    // Size endings: "twice as big", "half the size", "3 times bigger", "bigger", "smaller" → (start, scale).
    private (int, double)? ResizeTail(List<string> t, int pos, int end)
    {
        if (end - pos < 2) return null;
        string last = t[end - 1];
        bool grow = last is "big" or "large" or "bigger" or "larger" or "size" or "tall" or "wide";
        // "(twice | N times | half) as big|large"
        if (end - 3 > pos && t[end - 2] == "as" && last is "big" or "large" or "tall" or "wide" && Factor(t, end - 3) is (int fs, double f1)) return (fs, f1);
        // "half the size", "twice the size", "double the size", "double size"
        if (last == "size" && end - 2 > pos)
        {
            int k = t[end - 2] is "the" or "its" or "their" ? end - 3 : end - 2;
            if (k > pos && Factor(t, k) is (int fs2, double f2)) return (fs2, f2);
        }
        // "N times bigger" / "N times larger"
        if (last is "bigger" or "larger" && end - 3 > pos && t[end - 2] == "times" && Number(t[end - 3]) is double n) return (end - 3, n);
        if (!grow && last is not "smaller")
            return null;
        if (last is "bigger" or "larger") return (SkipSofteners(t, pos, end - 1), _options.GrowScale);
        if (last == "smaller") return (SkipSofteners(t, pos, end - 1), _options.ShrinkScale);
        return null;
    }

    private static int SkipSofteners(List<string> t, int pos, int start)
    {
        while (start > pos + 1 && Softeners.Contains(t[start - 1])) start--;
        return start;
    }

    // A factor word ending at i: "twice" 2, "half" 0.5, "double" 2, "thrice" 3, "N times" N → (start index, factor).
    private static (int, double)? Factor(List<string> t, int i)
    {
        if (i < 0) return null;
        switch (t[i])
        {
            case "twice" or "double": return (i, 2);
            case "thrice" or "triple": return (i, 3);
            case "half": return (i, 0.5);
            case "times" when i >= 1 && Number(t[i - 1]) is double n: return (i - 1, n);
        }
        return null;
    }

    private static double? Number(string w) =>
        w switch { "two" => 2, "three" => 3, "four" => 4, "five" => 5, "ten" => 10, _ => double.TryParse(w, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v > 0 ? v : null };

    private static string Fmt(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);

    private ParseResult ParseResize(List<string> t, int pos, int end, List<string> notes)
    {
        string verb = t[0];
        var args = new Dictionary<string, string>();
        if (verb is "enlarge" or "grow" or "magnify" or "shrink")
        {
            args["scale"] = Fmt(verb == "shrink" ? _options.ShrinkScale : _options.GrowScale);
            // "shrink the cup by half", "enlarge the cup by 2"
            if (end - 2 > pos && t[end - 2] is "by" or "to" && (t[end - 1] == "half" ? 0.5 : Number(t[end - 1])) is double f)
            {
                args["scale"] = Fmt(verb == "shrink" && f > 1 ? 1 / f : f);
                end -= 2;
            }
            return Finish(Operations.Resize, t, pos, end, args, notes);
        }
        if (end > pos && t[end - 1] is "up" or "down")
        {
            args["scale"] = Fmt(t[end - 1] == "up" ? _options.GrowScale : _options.ShrinkScale);
            return Finish(Operations.Resize, t, pos, end - 1, args, notes);
        }
        // "(by | to) [a factor of] N [times | x | percent]", "to half"
        for (int k = end - 1; k > pos; k--)
        {
            if (t[k] is not ("by" or "to")) continue;
            int j = k + 1;
            if (MatchAt(t, j, ["a", "factor", "of"], end)) j += 3;
            if (j >= end) break;
            double? v = t[j] == "half" ? 0.5 : t[j] == "double" ? 2 : Number(t[j].TrimEnd('x'));
            if (v is null) break;
            int after = j + 1;
            if (after < end && t[after] is "percent" or "pc")
            {
                v = t[k] == "to" ? v / 100 : 1 + v / 100;
                after++;
            }
            else if (after < end && t[after] is "times" or "x") after++;
            if (after < end && t[after] is "size" or "its") after = end;
            if (after != end) break;
            args["scale"] = Fmt(v.Value);
            return Finish(Operations.Resize, t, pos, k, args, notes);
        }
        return ParseResult.Fail("resize needs a size (e.g. 'resize the dog by 2', 'make the dog twice as big', 'shrink the cup')", notes);
    }

    private ParseResult ParseMove(List<string> t, int pos, int end, List<string> notes)
    {
        var args = new Dictionary<string, string>();
        // "DIR by N [px|pixels]" at the end ("shift the cup up by 30 px")
        int q = end;
        if (q > pos && t[q - 1] is "px" or "pixels" or "pixel") q--;
        if (q - 3 > pos && Number(t[q - 1]) is double by && t[q - 2] == "by" && Directions.TryGetValue(t[q - 3], out string? byDir))
        {
            args["dx"] = Fmt(byDir switch { "left" => -by, "right" => by, _ => 0 });
            args["dy"] = Fmt(byDir switch { "up" => -by, "down" => by, _ => 0 });
            return Finish(Operations.Move, t, pos, SkipBack(t, pos, q - 3, ["the", "to", "towards", "toward"]), args, notes);
        }
        // "[by] N [px|pixels] [to the] DIR" at the end
        ParseResult? directionFailure = null;
        int e = end;
        if (e > pos && Directions.TryGetValue(t[e - 1], out string? dir))
        {
            int k = e - 1;
            k = SkipBack(t, pos, k, ["the", "to", "towards", "toward"]);
            if (k - 1 > pos && t[k - 1] is "px" or "pixels" or "pixel" && Number(t[k - 2]) is double n)
            {
                int start = k - 2;
                if (start > pos && t[start - 1] == "by") start--;
                double dx = dir switch { "left" => -n, "right" => n, _ => 0 }, dy = dir switch { "up" => -n, "down" => n, _ => 0 };
                args["dx"] = Fmt(dx);
                args["dy"] = Fmt(dy);
                return Finish(Operations.Move, t, pos, start, args, notes);
            }
            if (k > pos && Number(t[k - 1]) is double m)
            {
                int start = k - 1;
                if (start > pos && t[start - 1] == "by") start--;
                args["dx"] = Fmt(dir switch { "left" => -m, "right" => m, _ => 0 });
                args["dy"] = Fmt(dir switch { "up" => -m, "down" => m, _ => 0 });
                return Finish(Operations.Move, t, pos, start, args, notes);
            }
            while (k > pos + 1 && Softeners.Contains(t[k - 1])) k--;
            if (k < e - 1 || k > pos + 1)
            {
                // "move the horse on the left next to the horse on the right" also ends in a direction word: when the
                // words before it are not one expression, the destination is a relation phrase (below).
                var scratch = new List<string>(notes);
                var direction = Finish(Operations.Move, t, pos, k, new Dictionary<string, string> { ["direction"] = dir }, scratch);
                if (direction.Parsed) return direction;
                directionFailure = direction;
            }
        }
        // "REL EXPR" at the end: the last relation phrase whose rest is one expression is the destination.
        for (int j = end - 1; j > pos; j--)
        {
            foreach (var (kind, words) in RelationPhrases)
            {
                if (!MatchAt(t, j, words, end) || kind == SpatialRelations.Between) continue;
                var scratch = new List<string>();
                var (anchor, _) = ParseTarget(t, j + words.Length, end, scratch);
                if (anchor is null) continue;
                var moveArgs = new Dictionary<string, string>
                {
                    ["relation"] = kind, ["anchor"] = string.Join(' ', t.Skip(j + words.Length).Take(end - j - words.Length)),
                };
                // "to the left of": the shorter "left of" also matches one word later; keep looking when the rest fails.
                var result = Finish(Operations.Move, t, pos, j, moveArgs, scratch);
                if (!result.Parsed) continue;
                notes.AddRange(scratch);
                return result with { Notes = notes };
            }
        }
        return directionFailure ?? ParseResult.Fail("move needs where to (e.g. 'move the cup 50 px left', 'move the cup to the right', 'move the cup next to the laptop')", notes);
    }

    private static int SkipBack(List<string> t, int pos, int k, string[] words)
    {
        while (k > pos + 1 && words.Contains(t[k - 1])) k--;
        return k;
    }

    // "replace X with Y", "swap X for Y": the first with/for/by before which one expression stands and after which a new
    // object is named.
    private ParseResult ParseReplace(List<string> t, int pos, int end, List<string> notes)
    {
        // "replace the red bow tie with a blue one": the same thing in another colour is a recolour.
        if (end - 3 >= pos && t[end - 1] is "one" or "ones")
        {
            int c = end - 2;
            string? colour = ColorPalette.TryResolve(t[c], out string one, out _) ? one : null;
            if (colour is null && c - 1 > pos && ColorPalette.TryResolve(t[c - 1] + " " + t[c], out string two, out _)) { colour = two; c--; }
            int w = c > pos && t[c - 1] is "a" or "an" or "the" ? c - 1 : c;
            if (colour is not null && w - 1 > pos && t[w - 1] is "with" or "for" or "by")
            {
                var scratch = new List<string>(notes);
                var r = Finish(Operations.Recolor, t, pos, w - 1, new Dictionary<string, string> { [ArgumentNames.Color] = colour }, scratch);
                if (r.Parsed) return r;
            }
        }
        for (int k = pos + 1; k < end; k++)
        {
            if (t[k] is not ("with" or "for" or "by")) continue;
            if (NewObject(t, k + 1, end) is not Dictionary<string, string> args) continue;
            var scratch = new List<string>(notes);
            var r = Finish(Operations.Replace, t, pos, k, args, scratch);
            if (r.Parsed) return r;
        }
        // "replace the sheep in the grass field with a goat": the object as far as it is one expression, the rest reported.
        for (int k = pos + 1; k < end; k++)
        {
            if (t[k] is not ("with" or "for") || NewObject(t, k + 1, end) is not Dictionary<string, string> args) continue;
            int p = pos;
            var scratch = new List<string>(notes);
            var (target, _) = ParseExpression(t, ref p, k, 0, scratch);
            if (target is null) continue;
            if (p < k) scratch.Add($"'{string.Join(' ', t.Skip(p).Take(k - p))}' not used to find the object");
            return new ParseResult(true, new EditRequest(Operations.Replace, args, target), null, scratch);
        }
        // "switch the orange to a lemon": the new object after "to"/"into".
        for (int k = pos + 1; k < end; k++)
        {
            if (t[k] is not ("to" or "into") || NewObject(t, k + 1, end) is not Dictionary<string, string> args) continue;
            var r = Finish(Operations.Replace, t, pos, k, args, new List<string>(notes));
            if (r.Parsed) return r;
        }
        return ParseResult.Fail("replace needs what to put instead (e.g. 'replace the bed with a sofa')", notes);
    }

    // "turn X into Y", "change X to Y" where Y is no colour: replace.
    private ParseResult? ParseInto(List<string> t, int pos, List<string> notes)
    {
        int end = t.Count;
        for (int k = pos + 1; k < end; k++)
        {
            if (t[k] is not ("into" or "to")) continue;
            if (t[k] == "to" && t[0] is not ("change" or "convert" or "transform" or "switch")) continue;
            if (NewObject(t, k + 1, end) is not Dictionary<string, string> args) continue;
            var scratch = new List<string>(notes);
            var r = Finish(Operations.Replace, t, pos, k, args, scratch);
            if (!r.Parsed) continue;
            // "change the dining table to a wooden table": the same thing made of something else is a material edit.
            if (r.Request is { } req && MaterialOf(t, k + 1, end, req.Target) is string material)
                return r with { Request = new EditRequest(Operations.Material, new() { [ArgumentNames.Material] = material }, req.Target) };
            return r;
        }
        return null;
    }

    // "make the zebra on the right a horse", "make the cup look like a vase": a new object after "a"/"an" or "look like"
    // is a replace.
    private ParseResult? MakeA(List<string> t, int pos, List<string> notes)
    {
        for (int k = pos + 1; k < t.Count; k++)
        {
            // "make the umbrella look like a rainbow umbrella", "make the dog into a cat" (ParseInto), "make the zebra a horse"
            int at = MatchAt(t, k, ["look", "like"]) || MatchAt(t, k, ["looks", "like"]) ? k + 2 : MatchAt(t, k, ["resemble"]) ? k + 1 : t[k] is "a" or "an" ? k : -1;
            if (at < 0 || NewObject(t, at, t.Count) is not Dictionary<string, string> args) continue;
            var scratch = new List<string>(notes);
            var r = Finish(Operations.Replace, t, pos, k, args, scratch);
            if (r.Parsed) return r;
        }
        return null;
    }

    private static readonly (string Key, string[] Words)[] MaterialWords = [.. PhraseBook.Keyed("material_word").OrderByDescending(m => m.Words.Length)];

    // A material named at i ("wooden", "stainless steel"): (words, as written), or null.
    private static (int, string)? Material(List<string> t, int i, int end)
    {
        foreach (var (_, words) in MaterialWords)
            if (MatchAt(t, i, words, end)) return (words.Length, string.Join(' ', words));
        return null;
    }

    // The new object's words when they name only a material ("wood", "a ceramic one"): the material words; null otherwise.
    private static string? MaterialOf(List<string> t, int i, int end, ReferringExpression target)
    {
        i = Skip(t, i, Articles, end);
        var said = new List<string>();
        while (i < end && Material(t, i, end) is (int n, string m)) { said.Add(m); i += n; }
        if (said.Count == 0) return null;
        // Only the material ("to wood", "to a ceramic one"): a new object of that material ("wooden stool") is a replace.
        return i == end || t[i] is "one" or "ones" or "material" && i + 1 == end ? string.Join(' ', said) : null;
    }

    // "make the table wooden", "turn the vase into glass", "make the chair out of wood": a material edit.
    private ParseResult? ParseMaterial(List<string> t, int pos, int end, List<string> notes)
    {
        for (int k = pos + 1; k < end; k++)
        {
            int v = k;
            if (t[v] is "into" or "to" or "in" or "of") v++;
            else if (MatchAt(t, v, ["out", "of"], end)) v += 2;
            else if (MatchAt(t, v, ["made", "of"], end)) v += 2;
            if (v < end && Articles.Contains(t[v])) continue; // "turn the bottle into a glass": an object
            if (v >= end || Material(t, v, end) is not (int n, string m) || v + n != end) continue;
            if (ColorPalette.TryResolve(m, out _, out _) && v == k) continue; // "make the cup gold": a colour
            var scratch = new List<string>(notes);
            var r = Finish(Operations.Material, t, pos, k, new Dictionary<string, string> { [ArgumentNames.Material] = m }, scratch);
            if (r.Parsed) return r;
        }
        return null;
    }

    // "change the sign to STOP", "change the plate number to 001234": writing after "to" (capitals, digits, quotes).
    private ParseResult? ParseWritten(List<string> t, int pos, string original, List<string> notes)
    {
        if (t[0] is not ("change" or "turn" or "switch" or "set")) return null;
        for (int k = pos + 1; k < t.Count - 0; k++)
        {
            if (t[k] is not ("to" or "into" or "as") || k + 1 >= t.Count) continue;
            string value = string.Join(' ', t.Skip(k + 1));
            string written = OriginalCase(original, value);
            string? text = WrittenPrefix(written) is int cut ? written[cut..].Trim(' ', '\'', '"') : LooksWritten(written, original) ? written : null;
            if (text is null || ColorPalette.TryResolve(value, out _, out _)) continue;
            var scratch = new List<string>(notes);
            var r = Finish(Operations.Text, t, pos, k, new Dictionary<string, string> { [ArgumentNames.Text] = text }, scratch);
            if (r.Parsed) return r;
        }
        return null;
    }

    private static readonly HashSet<string> NewObjectBoundaries =
        ["with", "that", "which", "who", "on", "in", "at", "of", "holding", "wearing", "carrying", "from", "near", "next", "beside",
         "behind", "under", "above", "below", "inside", "for", "to", "into", "lying", "sitting", "standing", "having"];
    private static readonly string[][] Quantities =
        [["a", "pair", "of"], ["pair", "of"], ["a", "couple", "of"], ["a", "bunch", "of"], ["a", "set", "of"], ["a", "group", "of"],
         ["some"], ["another"], ["new"], ["more"], ["one"]];

    /// <summary>The new object of a replace or an add ("a red bow tie", "white dog with a collar"): the phrase as written
    /// (articles dropped) under "with"/"object", its head noun, its detector class when it has one and its colour; null when
    /// the words name no thing.</summary>
    private static Dictionary<string, string>? NewObject(List<string> t, int i, int end)
    {
        i = Skip(t, i, Articles, end);
        if (MatchAny(t, i, Quantities) is int q && i + q < end) i = Skip(t, i + q, Articles, end);
        else if (i + 2 < end && QuantityWords.ContainsKey(t[i]) && t[i + 1] == "of") i = Skip(t, i + 2, Articles, end); // "a stack of books"
        if (i >= end || end - i > 16 || !IsWord(t[i]) || IsFunctionWord(t[i]) && !NounLexicon.IsNoun(t[i])) return null;
        // The head: the last noun of the first run of words (adjectives joined by "and" stay in it: "small and round cake").
        int run = i;
        while (run < end && !(NewObjectBoundaries.Contains(t[run]) && run > i
                              && !(t[run] is "sitting" or "standing" or "lying" && run + 1 < end && !Particles.Contains(t[run + 1]) && !Articles.Contains(t[run + 1])))
               && !(t[run] == "and" && run + 1 < end && NounLexicon.IsNoun(t[run - 1]) && ColorLexicon.Attribute(t[run - 1]) is null))
            run++;
        int head = -1;
        for (int k = run - 1; k >= i; k--)
            if (NounLexicon.IsNoun(t[k]) && ColorLexicon.Attribute(t[k]) is null && !IsFunctionWord(t[k]) && !IsParticiple(t[k])) { head = k; break; }
        if (head < 0) head = run - 1;
        if (head < i || !IsWord(t[head]) || ColorLexicon.Attribute(t[head]) is not null && head == i && run == i + 1 && !NounLexicon.IsNoun(t[head]))
            return null;
        string noun = head > i && NounLexicon.IsNoun(t[head - 1] + " " + t[head]) && ColorLexicon.Attribute(t[head - 1]) is null ? t[head - 1] + " " + t[head] : t[head];
        var args = new Dictionary<string, string>
        {
            [ArgumentNames.With] = string.Join(' ', t.Skip(i).Take(end - i)),
            [ArgumentNames.ObjectNoun] = noun,
        };
        if (NounLexicon.Lookup(noun) is string category) args[ArgumentNames.ObjectCategory] = category;
        for (int k = i; k < head; k++)
            if (ColorLexicon.Attribute(t[k]) is not null && ColorPalette.TryResolve(t[k], out string c, out _)) { args[ArgumentNames.ObjectColor] = c; break; }
        return args;
    }

    // "add a bench to the right of the boy": the object to add, the relation and the anchor (the target).
    // "give them hats", "give the dog a hat": add the thing on the target (relation on); the target is the receiver.
    private ParseResult? ParseGive(List<string> t, List<string> notes)
    {
        // "give the dog a red colour", "give the car a blue tint": a recolour.
        int n = t.Count;
        if (n >= 4 && t[n - 1] is "color" or "colour" or "tint" or "hue" or "shade" or "look" or "paint" or "finish"
            && ColorPalette.TryResolve(t[n - 2], out string colour, out _))
        {
            int stop = n - 2;
            if (stop > 1 && t[stop - 1] is "a" or "an" or "the") stop--;
            var scratch = new List<string>();
            var (target, _) = ParseTarget(t, 1, stop, scratch);
            if (target is not null)
            {
                notes.AddRange(scratch);
                return new ParseResult(true, new EditRequest(Operations.Recolor, new() { ["color"] = colour }, target), null, notes);
            }
        }
        for (int k = t.Count - 1; k > 1; k--)
        {
            if (k + 4 < t.Count || NewObject(t, k, t.Count) is not { } given) continue;
            var scratch = new List<string>();
            var (target, _) = ParseTarget(t, 1, k, scratch);
            if (target is null) continue;
            notes.AddRange(scratch);
            given[ArgumentNames.Object] = given[ArgumentNames.With];
            given.Remove(ArgumentNames.With);
            given[ArgumentNames.Relation] = SpatialRelations.On;
            return new ParseResult(true, new EditRequest(Operations.Add, given, target), null, notes);
        }
        return null;
    }

    private ParseResult ParseAdd(List<string> t, int pos, int end, List<string> notes)
    {
        ParseResult? loose = null;
        for (int j = pos + 1; j < end; j++)
        {
            string? kind = null;
            int len = 0;
            foreach (var (k, words) in RelationPhrases)
                if (MatchAt(t, j, words, end) && k != SpatialRelations.Between) { kind = k; len = words.Length; break; }
            if (kind is null && t[j] is "on" or "onto" or "in" or "to" or "at" or "around") { kind = t[j] == "in" ? "in" : "on"; len = 1; }
            if (kind is null) continue;
            if (NewObject(t, pos, j) is not Dictionary<string, string> args) continue;
            args[ArgumentNames.Object] = args[ArgumentNames.With];
            args.Remove(ArgumentNames.With);
            args[ArgumentNames.Relation] = kind;
            var scratch = new List<string>();
            var (anchor, _) = ParseTarget(t, j + len, end, scratch);
            if (anchor is not null)
            {
                notes.AddRange(scratch);
                return new ParseResult(true, new EditRequest(Operations.Add, args, anchor), null, notes);
            }
            // "add a bird in the top left sky", "add a sedan on the road in the distance": the first anchor that is one
            // expression of the words after the relation, the rest reported.
            if (loose is null)
            {
                int p = j + len;
                var looseNotes = new List<string>(notes);
                var (prefix, _) = ParseExpression(t, ref p, end, 0, looseNotes);
                if (prefix is not null)
                {
                    looseNotes.Add($"'{string.Join(' ', t.Skip(p).Take(end - p))}' not used to place the new object");
                    loose = new ParseResult(true, new EditRequest(Operations.Add, args, prefix), null, looseNotes);
                }
            }
        }
        if (loose is not null) return loose;
        // "add a hat", "add snow": no place named; the picture is the anchor.
        if (NewObject(t, pos, end) is Dictionary<string, string> whole)
        {
            whole[ArgumentNames.Object] = whole[ArgumentNames.With];
            whole.Remove(ArgumentNames.With);
            return new ParseResult(true, new EditRequest(Operations.Add, whole, new ReferringExpression { Category = ReferringExpression.Image }), null, notes);
        }
        return ParseResult.Fail("add needs what and where (e.g. 'add a bench to the right of the boy')", notes);
    }
}
