using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using InterCoG.Programs;
using InterCoG.Reasoning;

namespace InterCoG.Bench;

/// <summary>One labelled step of ComplexBench-Edit and what the parser made of it.</summary>
/// <param name="Id">"file:image id:step" (1-based step).</param>
/// <param name="Text">The step's sentence.</param>
/// <param name="EditType">The label's edit type ("change object", "chain two" …).</param>
/// <param name="Cause">Why the step counts as wrong ("not parsed: …", "operation …", "original object …", "new object …"); null when right on every measure.</param>
public sealed record ParseBenchStep(string Id, string Text, string EditType, bool Parsed, bool TypeRight, bool OriginalRight, bool NewRight, string? Cause);

/// <summary>Figures of <see cref="ParseBench"/> over every labelled step.</summary>
public sealed record ParseBenchResult(int Instructions, int Steps, double Parsed, double EditType, double OriginalObject, double NewObject,
    double MedianMsPerInstruction, double MedianMsPerStep, IReadOnlyDictionary<string, double> EditTypeByKind, IReadOnlyList<ParseBenchStep> Failures);

/// <summary>The parser against ComplexBench-Edit (folder of its JSON files: {id: {new_ins, edit pair: [{edit_type, ori obj,
/// new_obj}]}}, one instruction line per labelled step): parsed steps, edit type mapped to our operations, original and new
/// object after synonym mapping, and parse time. "chain two" counts right when the step is an add whose anchor (or an
/// object its place is described by) is the result of an earlier step.</summary>
public static class ParseBench
{
    /// <summary>ComplexBench-Edit edit types → our operations.</summary>
    public static readonly IReadOnlyDictionary<string, string> TypeToOperation = new Dictionary<string, string>
    {
        ["change object"] = Operations.Replace, ["delete object"] = Operations.Remove, ["add object"] = Operations.Add,
        ["chain two"] = Operations.Add, ["color"] = Operations.Recolor, ["content"] = Operations.Content,
        ["material"] = Operations.Material, ["change style"] = Operations.Style, ["change background"] = Operations.Background,
        ["text"] = Operations.Text, ["pose"] = Operations.Pose,
    };

    private static readonly HashSet<string> PositionWords =
        ["left", "right", "top", "bottom", "upper", "lower", "middle", "center", "front", "back", "rear", "near", "far", "foreground", "background", "small", "big", "large"];

    /// <summary>Run the bench over every .json file in <paramref name="folder"/>.</summary>
    public static ParseBenchResult Run(string folder, Reasoner? reasoner = null)
    {
        if (!Directory.Exists(folder)) throw new InputException($"--complexbench: folder {folder} does not exist");
        var files = Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0) throw new InputException($"--complexbench: no .json files in {folder}");
        reasoner ??= new Reasoner();
        reasoner.ParseProgram("remove the cup and make the plate blue"); // warm-up: tables load once
        var steps = new List<ParseBenchStep>();
        var msInstruction = new List<double>();
        var msStep = new List<double>();
        int instructions = 0;
        foreach (string file in files)
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            foreach (var item in doc.RootElement.EnumerateObject())
            {
                string text = item.Value.GetProperty("new_ins").GetString() ?? "";
                var lines = Regex.Split(text, @"\r?\n").Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
                var labels = item.Value.GetProperty("edit pair").EnumerateArray().ToList();
                if (lines.Count != labels.Count) continue;
                instructions++;
                var sw = Stopwatch.StartNew();
                var program = reasoner.ParseProgram(string.Join("\n", lines));
                double ms = sw.Elapsed.TotalMilliseconds;
                msInstruction.Add(ms);
                msStep.Add(ms / Math.Max(1, program.Steps.Count));
                // The first program of each line is that line's labelled step (a line may hold more than one step).
                int at = 0;
                for (int k = 0; k < lines.Count; k++)
                {
                    var r = at < program.Steps.Count ? program.Steps[at] : null;
                    at += StepSplitter.Split(lines[k]).Count;
                    var label = labels[k];
                    steps.Add(Score($"{Path.GetFileName(file)}:{item.Name}:{k + 1}", lines[k], label.GetProperty("edit_type").GetString() ?? "",
                        label.GetProperty("ori obj").GetString() ?? "nothing", label.GetProperty("new_obj").GetString() ?? "nothing", r));
                }
            }
        }
        double Frac(Func<ParseBenchStep, bool> f) => steps.Count == 0 ? 0 : (double)steps.Count(f) / steps.Count;
        var byKind = steps.GroupBy(s => s.EditType).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (double)g.Count(s => s.TypeRight) / g.Count());
        return new ParseBenchResult(instructions, steps.Count, Frac(s => s.Parsed), Frac(s => s.TypeRight), Frac(s => s.OriginalRight), Frac(s => s.NewRight),
            BenchStats.Median(msInstruction), BenchStats.Median(msStep), byKind, steps.Where(s => s.Cause is not null).ToList());
    }

    /// <summary>Parse rate over a file of sentences, one a line ('#' starts a comment): (sentences, parsed, the ones that
    /// did not parse with the reason). A sentence of several steps counts as parsed when every step parsed.</summary>
    public static (int Total, int Parsed, IReadOnlyList<(string Text, string Reason)> Failures) RunSentences(string file, Reasoner? reasoner = null)
    {
        reasoner ??= new Reasoner();
        var failures = new List<(string, string)>();
        int total = 0;
        foreach (string text in Lines(file, "--sentences"))
        {
            total++;
            var program = reasoner.ParseProgram(text);
            if (!program.Parsed) failures.Add((text, program.Steps.FirstOrDefault(s => !s.Parsed)?.Reason ?? "no step"));
        }
        return (total, total - failures.Count, failures);
    }

    /// <summary>Program accuracy over a file of labelled pairs, one a line: instruction TAB program (<see cref="ProgramText"/>,
    /// steps joined by " ; "): (pairs, right, the wrong ones with what the parser gave).</summary>
    public static (int Total, int Right, IReadOnlyList<(string Text, string Want, string Got)> Wrong) RunPrograms(string file, Reasoner? reasoner = null)
    {
        reasoner ??= new Reasoner();
        var wrong = new List<(string, string, string)>();
        int total = 0;
        foreach (string line in Lines(file, "--programs"))
        {
            var f = line.Split('\t');
            if (f.Length != 2) throw new InputException($"--programs: '{line}' is not instruction<TAB>program");
            total++;
            string got = Describe(reasoner.ParseProgram(f[0]));
            if (got != f[1].Trim()) wrong.Add((f[0], f[1].Trim(), got));
        }
        return (total, total - wrong.Count, wrong);
    }

    /// <summary>The program text of a parse (<see cref="ProgramText"/>), or "not parsed: reason".</summary>
    public static string Describe(ProgramParse program) =>
        program.Parsed ? ProgramText.Format(program.Steps.Select(s => s.Request!)) : $"not parsed: {program.Steps.FirstOrDefault(s => !s.Parsed)?.Reason}";

    private static IEnumerable<string> Lines(string file, string option)
    {
        if (!File.Exists(file)) throw new InputException($"{option}: file {file} does not exist");
        foreach (string raw in File.ReadLines(file))
        {
            string line = raw.Trim();
            if (line.Length > 0 && line[0] != '#') yield return line;
        }
    }

    private static ParseBenchStep Score(string id, string text, string type, string ori, string neu, ParseResult? r)
    {
        if (r is not { Parsed: true, Request: { } req })
            return new ParseBenchStep(id, text, type, false, false, false, false, $"not parsed: {r?.Reason ?? "no step"}");
        string want = TypeToOperation.GetValueOrDefault(type, type);
        bool typeRight = req.Operation == want && (type != "chain two" || RefersToStep(req.Target));
        bool oriRight = OriginalRight(ori, req);
        bool newRight = NewRight(neu, req);
        string? cause = !typeRight ? $"operation: {req.Operation}{(!RefersToStep(req.Target) && type == "chain two" ? " without a reference to an earlier step" : "")}, labelled {type}"
            : !oriRight ? $"original object: {Describe(req.Target)}, labelled {ori}"
            : !newRight ? $"new object: {req.Arguments.GetValueOrDefault(ArgumentNames.ObjectNoun) ?? "none"}, labelled {neu}" : null;
        return new ParseBenchStep(id, text, type, true, typeRight, oriRight, newRight, cause);
    }

    // Whether the expression or any anchor in it is an earlier step's result.
    private static bool RefersToStep(ReferringExpression e) =>
        e.Step is not null || e.Relation is { } r && (RefersToStep(r.Anchor) || r.SecondAnchor is { } b && RefersToStep(b))
        || (e.MoreRelations ?? []).Any(m => RefersToStep(m.Anchor));

    private static string Describe(ReferringExpression e) => e.Part is null ? e.Noun ?? e.Category : $"{e.Noun ?? e.Category}'s {e.Part}";

    // The label's head noun ("left backpack" → backpack, "teddy_bear" → teddy bear), plural kept.
    private static string Head(string label)
    {
        var words = Regex.Split(label.ToLowerInvariant().Replace('_', ' '), @"[^a-z0-9]+").Where(w => w.Length > 0 && !PositionWords.Contains(w)).ToList();
        if (words.Count == 0) return label.Trim().ToLowerInvariant();
        int of = words.IndexOf("of");
        if (of > 0) words = words.Take(of).ToList(); // "stack of pancakes" → stack
        return words.Count >= 2 && NounLexicon.Lookup(words[^2] + " " + words[^1]) is not null ? words[^2] + " " + words[^1] : words[^1];
    }

    private static bool SameThing(string label, string? said, string? category = null)
    {
        if (string.IsNullOrEmpty(said)) return false;
        string h = Head(label), s = said.ToLowerInvariant();
        if (h == s || s.EndsWith(" " + h, StringComparison.Ordinal) || h.EndsWith(" " + s, StringComparison.Ordinal) || Head(s) == h) return true;
        string? a = NounLexicon.Lookup(h), b = NounLexicon.Lookup(s) ?? category;
        return a is not null && a == b;
    }

    private static bool OriginalRight(string ori, EditRequest req)
    {
        var t = req.Target;
        bool none = ori.Trim() == "nothing";
        if (none) return t.Category == ReferringExpression.Image || req.Operation == Operations.Add;
        if (req.Operation == Operations.Add) return false;
        return SameThing(ori, t.Noun ?? t.Category, t.Category) || SameThing(ori, t.Category) || SameThing(ori, t.Part);
    }

    private static bool NewRight(string neu, EditRequest req)
    {
        var a = req.Arguments;
        string? noun = a.GetValueOrDefault(ArgumentNames.ObjectNoun);
        if (neu.Trim() == "nothing") return noun is null;
        if (noun is null) return false;
        string phrase = a.GetValueOrDefault(ArgumentNames.With) ?? a.GetValueOrDefault(ArgumentNames.Object) ?? noun;
        return SameThing(neu, noun, a.GetValueOrDefault(ArgumentNames.ObjectCategory)) || phrase.Contains(neu.Trim().ToLowerInvariant(), StringComparison.Ordinal);
    }
}
