using System.CommandLine;
using System.Text.Json;
using InterCoG.Bench;
using InterCoG.Imaging;
using InterCoG.Tracing;

namespace InterCoG.Cli.Commands;

/// <summary><c>bench parse [--complexbench DIR] [--sentences FILE]… [--programs FILE] [--json OUT]</c>: the parser against
/// ComplexBench-Edit's labelled steps, sentence files (parse rate) and labelled instruction → program pairs.</summary>
public static class BenchParseCommand
{
    public static Command Build(CliContext ctx)
    {
        var folder = new Option<string?>("--complexbench") { Description = "Folder of ComplexBench-Edit's JSON files." };
        var sentences = new Option<string[]>("--sentences") { Description = "File of sentences, one a line ('#' comments): the parse rate (repeatable)." };
        var programs = new Option<string?>("--programs") { Description = "File of labelled pairs, instruction<TAB>program (docs/reasoning.md notation): how many give that program." };
        var json = new Option<string?>("--json") { Description = "Write the figures and every failing step here (JSON)." };
        var cmd = new Command("parse", "Parse ComplexBench-Edit's instructions (parsed %, edit type, original and new object, ms), sentence files (parse rate) and labelled programs (accuracy).")
            { folder, sentences, programs, json };
        cmd.SetAction(pr =>
        {
            string? dir = pr.GetValue(folder), labelled = pr.GetValue(programs);
            string[] files = pr.GetValue(sentences) ?? [];
            if (dir is null && labelled is null && files.Length == 0) throw new InputException("give --complexbench DIR, --sentences FILE or --programs FILE");
            string? jsonPath = pr.GetValue(json);
            if (jsonPath is not null) OutputFiles.EnsureWritable(jsonPath, dir ?? labelled ?? files[0], "json", [".json"]);
            var doc = new Dictionary<string, object>();
            if (dir is not null)
            {
                var r = ParseBench.Run(dir);
                ctx.Out.WriteLine($"{r.Instructions} instructions, {r.Steps} steps: parsed {r.Parsed:P1}, edit type {r.EditType:P1}, " +
                                  $"original object {r.OriginalObject:P1}, new object {r.NewObject:P1}; median {r.MedianMsPerInstruction:0.000} ms per instruction, {r.MedianMsPerStep:0.000} ms per step");
                foreach (var (kind, acc) in r.EditTypeByKind) ctx.Out.WriteLine($"  {kind,-18} edit type {acc:P1}");
                ctx.Out.WriteLine("Failures by cause:");
                foreach (var g in r.Failures.GroupBy(f => CauseGroup(f.Cause!)).OrderByDescending(g => g.Count()))
                {
                    ctx.Out.WriteLine($"  {g.Count(),4}  {g.Key}");
                    foreach (var f in g.Take(3)) ctx.Out.WriteLine($"        \"{f.Text}\" — {f.Cause}");
                }
                doc["complexbench"] = new
                {
                    instructions = r.Instructions, steps = r.Steps, parsed = r.Parsed, edit_type = r.EditType, original_object = r.OriginalObject,
                    new_object = r.NewObject, median_ms_per_instruction = r.MedianMsPerInstruction, median_ms_per_step = r.MedianMsPerStep,
                    edit_type_by_kind = r.EditTypeByKind, failures = r.Failures,
                };
            }
            foreach (string file in files)
            {
                var (total, parsed, failures) = ParseBench.RunSentences(file);
                ctx.Out.WriteLine($"{Path.GetFileName(file)}: parsed {parsed} of {total} ({(total == 0 ? 0 : (double)parsed / total):P1})");
                foreach (var (text, reason) in failures) ctx.Out.WriteLine($"        \"{text}\" — {reason}");
                doc[$"sentences:{Path.GetFileName(file)}"] = new { total, parsed, failures = failures.Select(f => new { text = f.Text, reason = f.Reason }) };
            }
            if (labelled is not null)
            {
                var (total, right, wrong) = ParseBench.RunPrograms(labelled);
                ctx.Out.WriteLine($"{Path.GetFileName(labelled)}: right program {right} of {total} ({(total == 0 ? 0 : (double)right / total):P1})");
                foreach (var (text, want, got) in wrong) ctx.Out.WriteLine($"        \"{text}\"\n          want {want}\n          got  {got}");
                doc["programs"] = new { total, right, wrong = wrong.Select(w => new { text = w.Text, want = w.Want, got = w.Got }) };
            }
            if (jsonPath is not null)
                OutputFiles.WriteTextAtomic(jsonPath, JsonSerializer.Serialize(dir is not null && doc.Count == 1 ? doc["complexbench"] : doc, ChainTrace.JsonOptions));
            return 0;
        });
        return cmd;
    }

    // "operation: replace, labelled color" → "operation replace for color"; "not parsed: recolor needs …" → its first words.
    private static string CauseGroup(string cause)
    {
        int colon = cause.IndexOf(':');
        if (cause.StartsWith("operation", StringComparison.Ordinal)) return cause;
        if (cause.StartsWith("not parsed", StringComparison.Ordinal)) return string.Join(' ', cause.Split(' ').Take(5));
        return colon > 0 ? cause[..colon] : cause;
    }
}
