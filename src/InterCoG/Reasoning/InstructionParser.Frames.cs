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
                    args[frame.Operation] = frame.Operation == Operations.Text ? OriginalCase(original, value) : TrimValue(value);
                }
                else if (c.Slot == "what" && (c.End - c.Start > 3 || t[c.Start] is "color" or "colour" or "colors" or "colours" or "hue" or "shade" or "tint"))
                {
                    skip = true; // "change the colour of …" is the recolour grammar's
                    break;
                }
                else if (c.Slot == "what")
                {
                    // "change the time of the clock to 3:00": what changes, kept as the part of the object it is.
                    args[ArgumentNames.Part] = string.Join(' ', t.Skip(c.Start).Take(c.End - c.Start));
                }
                else if (c.Slot == "old") notes.Add($"'{string.Join(' ', t.Skip(c.Start).Take(c.End - c.Start))}' describes what is replaced; not used");
            }
            if (skip) continue;
            string op = frame.Operation;
            if (op == Operations.Recolor)
            {
                // "change the hair colour of the man to black": a recolour limited to the part named in the frame.
                if (!args.Remove(Operations.Recolor, out string? colour) || !ColorPalette.TryResolve(colour, out string canonical, out _)) continue;
                args[ArgumentNames.Color] = canonical;
                args[ArgumentNames.Part] = t[2] == "fur" ? "fur" : t[2];
            }
            if (op == Operations.Content && args.TryGetValue(Operations.Content, out string? shown))
            {
                // "… to SLOW", "… to 952", "… to 'HOT'": letters in capitals, digits or quotes are writing, not a picture.
                string written = OriginalCase(original, shown);
                if (ColorPalette.TryResolve(shown, out string colour, out _) && args.ContainsKey(ArgumentNames.Part))
                {
                    op = Operations.Recolor; // "change the light of the traffic light to green"
                    args.Remove(Operations.Content);
                    args[ArgumentNames.Color] = colour;
                }
                else if (LooksWritten(written, original))
                {
                    op = Operations.Text;
                    args.Remove(Operations.Content);
                    args[ArgumentNames.Text] = written;
                }
            }
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

    // Writing rather than a picture: every letter a capital (two or more), digits only, or in quotes in the original.
    private static bool LooksWritten(string value, string original)
    {
        var letters = value.Where(char.IsLetter).ToList();
        bool capitals = letters.Count >= 2 && letters.All(char.IsUpper);
        bool digits = value.Any(char.IsDigit) && letters.Count == 0;
        bool quoted = original.Contains($"'{value}'", StringComparison.OrdinalIgnoreCase) || original.Contains($"\"{value}\"", StringComparison.OrdinalIgnoreCase);
        return capitals || digits || quoted;
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
