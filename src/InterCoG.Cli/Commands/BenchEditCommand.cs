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

/// <summary><c>bench edit</c>: every operation on every annotated object with its ground-truth mask; the hidden
/// <c>--compare-inpaint</c> runs the removal fill comparison of bench/INPAINT.md instead.</summary>
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
        var compare = new Option<bool>("--compare-inpaint") { Description = "Compare removal fills on background patches.", Hidden = true };
        var photos = new Option<string[]>("--photos") { Description = "Extra photos for --compare-inpaint.", Hidden = true, AllowMultipleArgumentsPerToken = true };
        var width = new Option<int>("--resize-width") { Description = "Resize images (and masks) to this width first (timings at other sizes).", Hidden = true };
        var samples = new Option<string?>("--samples") { Description = "Folder for before/after sample strips.", Hidden = true };
        var maskIou = new Option<bool>("--mask-iou") { Description = "Instead: the segmenter's mask IoU against the annotated masks (run from each true box)." };
        var cmd = new Command("edit", "Apply operations to annotated objects with their true masks: changes outside the band, PSNR/SSIM outside the mask, verify rate, time.")
            { instances, images, operations, json, html, limit, compare, photos, samples, width, maskIou };
        var sharding = BenchShardOptions.AddTo(cmd);
        var engineOptions = EngineOptionsCli.AddTo(cmd);
        cmd.SetAction(pr =>
        {
            var shard = sharding.Read(pr);
            if (shard is not null && (pr.GetValue(compare) || pr.GetValue(maskIou)))
                throw new InputException("--shard applies to the edit bench itself, not to --compare-inpaint or --mask-iou");
            var inst = pr.GetValue(instances)!;
            var dirs = pr.GetValue(images)!;
            if (inst.Length != dirs.Length) throw new InputException($"--instances given {inst.Length} times but --images {dirs.Length} times");
            int lim = pr.GetValue(limit);
            if (pr.GetValue(compare))
                return CompareInpaint(ctx, inst, dirs, pr.GetValue(photos) ?? [], lim, pr.GetValue(samples), pr.GetValue(json), pr.GetValue(operations));
            if (pr.GetValue(maskIou))
            {
                var seg = EngineFactory.Create(Models.ModelStore.Default, detector: engineOptions.Detector(pr), sessions: engineOptions.Sessions(pr)).Segmenter;
                var mscores = MaskBench.Run(inst.Zip(dirs).ToList(), seg, lim, log: new Progress<string>(ctx.Err.WriteLine));
                ctx.Out.WriteLine($"| set | objects | mean IoU | median IoU | IoU ≥ 0.5 | IoU ≥ 0.75 | median ms | ({seg.Name})");
                ctx.Out.WriteLine("|---|---|---|---|---|---|---|");
                foreach (var m in mscores)
                    ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {m.Set} | {m.Objects} | {m.MeanIou:0.000} | {m.MedianIou:0.000} | {m.AtLeast50:P0} | {m.AtLeast75:P0} | {m.MedianMs:0} |"));
                if (pr.GetValue(json) is { } mj) File.WriteAllText(mj, JsonSerializer.Serialize(new { segmenter = seg.Name, sets = mscores }, JsonNumbers));
                return 0;
            }
            var backend = new ClassicEditBackend();
            var ops = pr.GetValue(operations) is { } list
                ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                : [.. ClassicEditBackend.All];
            var verifier = new Verify.Verifier(EngineFactory.CreateDetector(Models.ModelStore.Default, engineOptions.Detector(pr), engineOptions.Sessions(pr)));
            var sets = inst.Zip(dirs).ToList();
            var units = EditBench.RunUnits(sets, ops, backend, verifier, shard?.Shard ?? ShardSpec.Whole,
                new EditBenchOptions { Limit = lim, SamplesDir = pr.GetValue(samples), ResizeWidth = pr.GetValue(width) }, new Progress<string>(ctx.Err.WriteLine));
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

    /// <summary>The trace's JSON options, writing ∞ and NaN as strings.</summary>
    private static readonly JsonSerializerOptions JsonNumbers = new(ChainTrace.JsonOptions)
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static int CompareInpaint(CliContext ctx, string[] inst, string[] dirs, string[] extra, int limit, string? samplesDir, string? jsonOut, string? methodList)
    {
        var photos = new List<InpaintPhoto>();
        var shapes = new List<Mat>();
        for (int i = 0; i < inst.Length; i++)
            foreach (var (photo, set, img) in BenchPhotos.FromCoco(inst[i], dirs[i]))
            {
                photos.Add(photo);
                foreach (var a in set.AnnotationsOf(img.Id)) shapes.Add(CocoMasks.ToMask(a, img.Width, img.Height));
            }
        photos.AddRange(extra.Select(BenchPhotos.FromFile));
        RemoveMethod[] methods = methodList is null
            ? [RemoveMethod.Patch, RemoveMethod.Telea, RemoveMethod.ShiftMap, RemoveMethod.FsrFast]
            : [.. methodList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(m => Enum.TryParse<RemoveMethod>(m, true, out var v) ? v : throw new InputException($"unknown fill method '{m}'"))];
        var scores = InpaintBench.Run(photos, shapes, methods, limit > 0 ? limit : 40, samplesDir, new Progress<string>(ctx.Err.WriteLine));
        foreach (var s in scores)
            ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {s.Method,-9} | {s.Samples,3} | {s.Psnr,6:0.00} | {s.Ssim,6:0.000} | {s.EdgeF1,6:0.000} ({s.EdgeSamples}) | {s.MedianMs,8:0.0} |"));
        if (jsonOut is not null) File.WriteAllText(jsonOut, JsonSerializer.Serialize(scores, ChainTrace.JsonOptions));
        return 0;
    }
}
