using System.Text.RegularExpressions;
using InterCoG.Programs;

namespace InterCoG.Reasoning;

/// <summary>The parse of a request of one or more steps: one <see cref="ParseResult"/> per step, in order.</summary>
/// <param name="Texts">Each step's words as split from the request.</param>
/// <param name="Steps">Each step's parse; a later step's expressions may refer to an earlier result (<see cref="ReferringExpression.Step"/>).</param>
public sealed record ProgramParse(IReadOnlyList<string> Texts, IReadOnlyList<ParseResult> Steps)
{
    /// <summary>True when every step parsed.</summary>
    public bool Parsed => Steps.Count > 0 && Steps.All(s => s.Parsed);

    /// <summary>The first step that did not parse (1-based), or null.</summary>
    public int? FailedStep => Steps.Select((s, i) => (s, i)).FirstOrDefault(x => !x.s.Parsed) is { s: not null } f ? f.i + 1 : null;
}

/// <summary>Splits a request into steps and links later steps to earlier results.</summary>
/// <remarks>Steps: one per line or sentence; "X, then Y", "X and then Y", "X; Y"; "X and Y" or "X, Y" when Y starts with
/// a verb the phrase tables know ("remove the cup and make the plate blue"). References: in step k, "it"/"them" mean the
/// previous step's object; a noun that names the new object of an earlier replace or add ("the white dog" after
/// "change the cat to a white dog") means that step's result, at any depth of the expression ("a bird on the back of the
/// horse", "an oar beside the man on the raft").</remarks>
public static class StepSplitter
{
    private static readonly HashSet<string> StepVerbs = BuildVerbs();

    private static HashSet<string> BuildVerbs()
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in PhraseBook.Table("verb")) set.Add(p.Words[0]);
        foreach (var p in PhraseBook.Table("frame"))
            foreach (string alt in p.Words[0].Trim('(', ')').Split('|')) set.Add(alt.Split('_')[0]);
        set.Remove("mark"); set.Remove("circle"); set.Remove("copy"); set.Remove("cut"); set.Remove("set"); set.Remove("use");
        return set;
    }

    private static readonly Regex Hard = new(@"\r?\n|(?<=[a-z0-9""')\]])[.;!?](?=\s|$)|,?\s+(?:and\s+)?then\s+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    private static readonly Regex Soft = new(@"\s*(?:,\s*and|,|\band)\s+(?=(\w+))", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    /// <summary>The steps of <paramref name="request"/>, trimmed, empty ones dropped (one step when there is nothing to split).</summary>
    public static IReadOnlyList<string> Split(string request)
    {
        var steps = new List<string>();
        foreach (string piece in Hard.Split(request))
        {
            int start = 0;
            foreach (Match m in Soft.Matches(piece))
            {
                if (!StepVerbs.Contains(m.Groups[1].Value.ToLowerInvariant())) continue;
                Add(steps, piece[start..m.Index]);
                start = m.Index + m.Length;
            }
            Add(steps, piece[start..]);
        }
        return steps;
    }

    private static void Add(List<string> steps, string s)
    {
        s = s.Trim().Trim(',', ' ');
        if (s.Length > 0) steps.Add(s);
    }

    /// <summary>Parse every step of <paramref name="request"/> with <paramref name="parser"/> and link references.</summary>
    public static ProgramParse Parse(InstructionParser parser, string request)
    {
        var texts = Split(request);
        if (texts.Count <= 1) return new ProgramParse([request], [parser.Parse(request)]);
        var steps = new List<ParseResult>();
        for (int k = 0; k < texts.Count; k++)
        {
            var r = parser.Parse(texts[k]);
            if (r.Parsed && r.Request is { } req) r = r with { Request = req with { Target = Link(req.Target, k, steps) } };
            steps.Add(r);
        }
        return new ProgramParse(texts, steps);
    }

    // "sandbags" and "sandbag", "grape" and "grapes": one noun.
    private static bool SameNoun(string a, string b) =>
        a == b || a.Length > 2 && b.Length > 2 && (a == b + "s" || b == a + "s" || a == b + "es" || b == a + "es");

    // Step k's expression, with a reference to an earlier step's result when it names one.
    private static ReferringExpression Link(ReferringExpression e, int k, List<ParseResult> earlier)
    {
        var linked = e;
        Relation Anchors(Relation r) => r with
        {
            Anchor = Link(r.Anchor, k, earlier), SecondAnchor = r.SecondAnchor is { } b ? Link(b, k, earlier) : null,
        };
        if (e.Relation is { } r) linked = linked with { Relation = Anchors(r) };
        if (e.MoreRelations is { } more) linked = linked with { MoreRelations = [.. more.Select(Anchors)] };
        if (k == 0) return linked;
        if (e.Category == GroundingExecutor.AnyObject && e.Noun is "it" or "them")
            return linked with { Step = k }; // the previous step (1-based k is step k's predecessor)
        for (int j = k - 1; j >= 0; j--)
        {
            if (earlier[j].Request is not { } prev) continue;
            var a = prev.Arguments;
            string? noun = a.GetValueOrDefault(ArgumentNames.ObjectNoun);
            if (noun is null || prev.Operation is not (Operations.Replace or Operations.Add)) continue;
            string? cls = a.GetValueOrDefault(ArgumentNames.ObjectCategory);
            string said = e.Noun ?? e.Category;
            bool same = SameNoun(said, noun) || NounLexicon.Lookup(said) is string c && (c == cls || c == NounLexicon.Lookup(noun))
                        || !e.InVocabulary && (noun.EndsWith(said, StringComparison.Ordinal) || said.EndsWith(" " + noun, StringComparison.Ordinal))
                        || (a.GetValueOrDefault(ArgumentNames.With) ?? a.GetValueOrDefault(ArgumentNames.Object) ?? "").Split(' ').Contains(said);
            if (same) return linked with { Step = j + 1 };
        }
        return linked;
    }
}
