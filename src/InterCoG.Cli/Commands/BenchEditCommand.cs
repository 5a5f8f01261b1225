using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using InterCoG.Bench;
using InterCoG.Chain;
using InterCoG.Data;
using InterCoG.Editing;
using OpenCvSharp;
using InterCoG.Tracing;
using InterCoG.Sharding;

namespace InterCoG.Cli.Commands;

/// <summary><c>bench edit</c>: every operation on every annotated object with its ground-truth mask (removals filled with
/// <c>--fill</c>, default the library's); <c>--mask-iou</c> scores the segmenter instead.</summary>
public static class BenchEditCommand
{
    public static Command Build(CliContext ctx)
    {
        var instances = new Option<string[]>("--instances") { Description = "COCO instances/annotations JSON (repeatable, paired with --images).", Required = true, AllowMultipleArgumentsPerToken = true };
        var images = new Option<string[]>("--images") { Description = "Folder the file names of --instances are relative to (repeatable).", Required = true, AllowMultipleArgumentsPerToken = true };
        var operations = new Option<string?>("--operations") { Description = "Comma-separated operations (default: every operation of the classic backend)." };
        var json = new Option<string?>("--json") { Description = "Write the result as JSON here." };
        var html = new Option<string?>("--html") { Description = "Write an HTML table here." };
        var limit = new Option<int>("--limit") { Description = "Most objects per data set (0: all).", DefaultValueFactory = _ => 0 };
        var fill = FillOption.Create("How removals (and the holes of move, resize, flip) are filled");
        var width = new Option<int>("--resize-width") { Description = "Resize images (and masks) to this width first (timings at other sizes).", Hidden = true };
        var samples = new Option<string?>("--samples") { Description = "Folder for before/after sample strips.", Hidden = true };
        var maskIou = new Option<bool>("--mask-iou") { Description = "Instead: the segmenter's mask IoU against the annotated masks (run from each true box)." };
        var cmd = new Command("edit", "Apply operations to annotated objects with their true masks: changes outside the band, PSNR/SSIM outside the mask, verify rate, time.")
            { instances, images, operations, json, html, limit, fill, samples, width, maskIou };
        var sharding = BenchShardOptions.AddTo(cmd);
        var engineOptions = EngineOptionsCli.AddTo(cmd);
        cmd.SetAction(pr =>
        {
            var shard = sharding.Read(pr);
            if (shard is not null && pr.GetValue(maskIou))
                throw new InputException("--shard applies to the edit bench itself, not to --mask-iou");
            var inst = pr.GetValue(instances)!;
            var dirs = pr.GetValue(images)!;
            if (inst.Length != dirs.Length) throw new InputException($"--instances given {inst.Length} times but --images {dirs.Length} times");
            int lim = pr.GetValue(limit);
            if (pr.GetValue(maskIou))
            {
                var seg = EngineFactory.Create(Models.ModelStore.Default, detector: engineOptions.Detector(pr), sessions: engineOptions.Sessions(pr)).Segmenter;
                var mscores = TerminalProgress.RunLogged(ctx, "bench masks", log => MaskBench.Run(inst.Zip(dirs).ToList(), seg, lim, log: log));
                ctx.Out.WriteLine($"| set | objects | mean IoU | median IoU | IoU ≥ 0.5 | IoU ≥ 0.75 | median ms | ({seg.Name})");
                ctx.Out.WriteLine("|---|---|---|---|---|---|---|");
                foreach (var m in mscores)
                    ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {m.Set} | {m.Objects} | {m.MeanIou:0.000} | {m.MedianIou:0.000} | {m.AtLeast50:P0} | {m.AtLeast75:P0} | {m.MedianMs:0} |"));
                if (pr.GetValue(json) is { } mj) File.WriteAllText(mj, JsonSerializer.Serialize(new { segmenter = seg.Name, sets = mscores }, JsonNumbers));
                return 0;
            }
            var fills = FillRegistry.FromStore(Models.ModelStore.Default);
            var backend = new ClassicEditBackend(new ClassicEditOptions { Remove = new RemoveOptions { Fill = FillOption.Read(pr, fill) } }, fills);
            var ops = pr.GetValue(operations) is { } list
                ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                : [.. ClassicEditBackend.All];
            var verifier = new Verify.Verifier(EngineFactory.CreateDetector(Models.ModelStore.Default, engineOptions.Detector(pr), engineOptions.Sessions(pr)));
            var sets = inst.Zip(dirs).ToList();
            var units = TerminalProgress.RunLogged(ctx, "bench edit", log => EditBench.RunUnits(sets, ops, backend, verifier, shard?.Shard ?? ShardSpec.Whole,
                new EditBenchOptions { Limit = lim, SamplesDir = pr.GetValue(samples), ResizeWidth = pr.GetValue(width) }, log));
            var settings = new EditSettings(sets.Select(t => new EditSet(t.First, t.Second)).ToList(), ops, Verified: true, lim, pr.GetValue(width));
            if (shard is { } sh) sh.Write(ctx, "edit", settings, inst, EditBench.UnitCount(sets), units);
            Report(ctx, EditBench.Summarize(ops, verified: true, units.Select(u => u.Unit)), settings, pr.GetValue(json), pr.GetValue(html));
            return 0;
        });
        return cmd;
    }

    /// <summary>What an edit bench run was run with (echoed in the JSON and kept in shard results for the merge).</summary>
    internal sealed record EditSettings(List<EditSet> Sets, IReadOnlyList<string> Operations, bool Verified, int Limit, int ResizeWidth);

    /// <summary>One data set of the run: instances file and images folder.</summary>
    internal sealed record EditSet(string Instances, string Images);

    /// <summary>Print the table and write the JSON and HTML: the same for one process and for <c>bench merge</c>.</summary>
    internal static void Report(CliContext ctx, IReadOnlyList<EditOperationScore> scores, EditSettings settings, string? jsonPath, string? htmlPath)
    {
        ctx.Out.WriteLine("| operation | edits | changed outside band | worst PSNR outside band | worst PSNR outside mask | mean SSIM outside mask | median ms | verify |");
        ctx.Out.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (var s in scores)
            ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {s.Operation} | {s.Edits} | {s.ChangedOutsideBand} | {EditBench.Db(s.PsnrOutsideBand)} | {EditBench.Db(s.PsnrOutsideMask)} | {s.SsimOutsideMask:0.0000} | {s.MedianMs:0.0} | {EditBench.VerifyText(s)} |"));
        if (jsonPath is not null)
            File.WriteAllText(jsonPath, JsonSerializer.Serialize(new { sets = settings.Sets.Select(t => new { instances = t.Instances, images = t.Images }), operations = scores }, JsonNumbers));
        if (htmlPath is not null) File.WriteAllText(htmlPath, EditBench.Html(scores, "intercog bench edit"));
    }

    /// <summary><c>bench merge</c> of an edit bench run's shards.</summary>
    internal static void Merge(CliContext ctx, BenchShardSet set, string? jsonPath, string? htmlPath)
    {
        var settings = set.SettingsAs<EditSettings>();
        Report(ctx, EditBench.Summarize(settings.Operations, settings.Verified, set.Data<EditUnit>()), settings, jsonPath, htmlPath);
    }

    /// <summary>The trace's JSON options, writing ∞ and NaN as strings (an empty set has no mean).</summary>
    internal static readonly JsonSerializerOptions JsonNumbers = new(ChainTrace.JsonOptions)
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
