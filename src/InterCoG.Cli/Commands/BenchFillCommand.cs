using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using InterCoG.Bench;
using InterCoG.Editing;
using InterCoG.Imaging;
using InterCoG.Tracing;

namespace InterCoG.Cli.Commands;

/// <summary><c>bench fill</c>: holes shaped like real object masks over known background, filled by each fill, scored
/// against the true pixels (<see cref="FillBench"/>).</summary>
public static class BenchFillCommand
{
    public static Command Build(CliContext ctx)
    {
        var instances = new Option<string[]>("--instances") { Description = "COCO instances JSON (repeatable, paired with --images).", Required = true, AllowMultipleArgumentsPerToken = true };
        var images = new Option<string[]>("--images") { Description = "Folder the file names of --instances are relative to (repeatable).", Required = true, AllowMultipleArgumentsPerToken = true };
        var fill = new Option<string?>("--fill") { Description = $"Comma-separated fills to compare ({string.Join(", ", FillMethods.Names)}; default: every one that can run here)." };
        var limit = new Option<int>("--limit") { Description = "Most hole placements.", DefaultValueFactory = _ => new FillBenchOptions().MaxPlacements };
        var json = new Option<string?>("--json") { Description = "Write the result as JSON here." };
        var samples = new Option<string?>("--samples") { Description = "Folder for side-by-side strips (truth with the hole outlined, then each fill)." };
        var cmd = new Command("fill", "Fill holes shaped like real object masks over known background with each fill: PSNR and mean absolute error inside the hole, hole/ring gradient-energy ratio, seconds per fill.")
            { instances, images, fill, limit, json, samples };
        cmd.SetAction(pr =>
        {
            var inst = pr.GetValue(instances)!;
            var dirs = pr.GetValue(images)!;
            if (inst.Length != dirs.Length) throw new InputException($"--instances given {inst.Length} times but --images {dirs.Length} times");
            foreach (var f in inst) if (!File.Exists(f)) throw new InputException($"--instances {f} does not exist");
            foreach (var d in dirs) if (!Directory.Exists(d)) throw new InputException($"--images {d} is not a folder");
            if (pr.GetValue(limit) < 1) throw new InputException("--limit must be at least 1");
            using var fills = FillRegistry.FromStore(Models.ModelStore.Default);
            FillMethod[] methods = pr.GetValue(fill) is { } list
                ? [.. list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(FillMethods.Parse).Distinct()]
                : [.. Enum.GetValues<FillMethod>().Where(fills.IsAvailable)];
            var options = new FillBenchOptions { MaxPlacements = pr.GetValue(limit), SamplesDir = pr.GetValue(samples) };
            var r = FillBench.Run(inst.Zip(dirs).ToList(), methods, fills, options, new TerminalProgress.Immediate<string>(ctx.Err.WriteLine));
            ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Placements} holes (median {r.MedianHolePx:0} px); the true pixels' hole/ring gradient-energy ratio: {r.TruthGradientRatio:0.00}"));
            ctx.Out.WriteLine("| fill | fills | PSNR in hole (dB) | MAE in hole | gradient-energy ratio hole/ring | s per fill (median) |");
            ctx.Out.WriteLine("|---|---|---|---|---|---|");
            foreach (var s in r.Fills)
                ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {s.Fill} ({s.Name}) | {s.Fills} | {s.Psnr:0.00} | {s.Mae:0.00} | {s.GradientRatio:0.00} | {s.SecondsPerFill:0.00} |"));
            if (pr.GetValue(json) is { } j)
                OutputFiles.WriteTextAtomic(j, JsonSerializer.Serialize(new { sets = inst.Zip(dirs).Select(t => new { instances = t.First, images = t.Second }), result = r }, ChainTrace.JsonOptions));
            return 0;
        });
        return cmd;
    }
}
