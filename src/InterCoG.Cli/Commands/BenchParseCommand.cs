using System.CommandLine;
using System.Text.Json;
using InterCoG.Bench;
using InterCoG.Imaging;
using InterCoG.Tracing;

namespace InterCoG.Cli.Commands;

/// <summary><c>bench parse --complexbench DIR [--json OUT]</c>: the parser against ComplexBench-Edit's labelled steps.</summary>
public static class BenchParseCommand
{
    public static Command Build(CliContext ctx)
    {
        var folder = new Option<string>("--complexbench") { Description = "Folder of ComplexBench-Edit's JSON files.", Required = true };
        var json = new Option<string?>("--json") { Description = "Write the figures and every failing step here (JSON)." };
        var cmd = new Command("parse", "Parse ComplexBench-Edit's instructions: parsed %, edit type, original and new object, ms.") { folder, json };
        cmd.SetAction(pr =>
        {
            string? jsonPath = pr.GetValue(json);
            if (jsonPath is not null) OutputFiles.EnsureWritable(jsonPath, pr.GetValue(folder)!, "json", [".json"]);
            var r = ParseBench.Run(pr.GetValue(folder)!);
            ctx.Out.WriteLine($"{r.Instructions} instructions, {r.Steps} steps: parsed {r.Parsed:P1}, edit type {r.EditType:P1}, " +
                              $"original object {r.OriginalObject:P1}, new object {r.NewObject:P1}; median {r.MedianMsPerInstruction:0.000} ms per instruction, {r.MedianMsPerStep:0.000} ms per step");
            foreach (var (kind, acc) in r.EditTypeByKind) ctx.Out.WriteLine($"  {kind,-18} edit type {acc:P1}");
            ctx.Out.WriteLine("Failures by cause:");
            foreach (var g in r.Failures.GroupBy(f => CauseGroup(f.Cause!)).OrderByDescending(g => g.Count()))
            {
                ctx.Out.WriteLine($"  {g.Count(),4}  {g.Key}");
                foreach (var f in g.Take(3)) ctx.Out.WriteLine($"        \"{f.Text}\" — {f.Cause}");
            }
            if (jsonPath is not null)
                OutputFiles.WriteTextAtomic(jsonPath, JsonSerializer.Serialize(new
                {
                    instructions = r.Instructions, steps = r.Steps, parsed = r.Parsed, edit_type = r.EditType, original_object = r.OriginalObject,
                    new_object = r.NewObject, median_ms_per_instruction = r.MedianMsPerInstruction, median_ms_per_step = r.MedianMsPerStep,
                    edit_type_by_kind = r.EditTypeByKind, failures = r.Failures,
                }, ChainTrace.JsonOptions));
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
