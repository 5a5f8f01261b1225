using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using InterCoG.Bench;
using InterCoG.Chain;
using InterCoG.Data;
using InterCoG.Editing;
using OpenCvSharp;
using InterCoG.Tracing;

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
        cmd.SetAction(pr =>
        {
            var inst = pr.GetValue(instances)!;
            var dirs = pr.GetValue(images)!;
            if (inst.Length != dirs.Length) throw new InputException($"--instances given {inst.Length} times but --images {dirs.Length} times");
            int lim = pr.GetValue(limit);
            if (pr.GetValue(maskIou))
            {
                var seg = EngineFactory.Create(Models.ModelStore.Default).Segmenter;
                var mscores = MaskBench.Run(inst.Zip(dirs).ToList(), seg, lim, log: new Progress<string>(ctx.Err.WriteLine));
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
            var verifier = new Verify.Verifier(EngineFactory.CreateDetector(Models.ModelStore.Default));
            var sets = inst.Zip(dirs).ToList();
            var scores = EditBench.Run(sets, ops, backend, verifier, new EditBenchOptions { Limit = lim, SamplesDir = pr.GetValue(samples), ResizeWidth = pr.GetValue(width) }, new Progress<string>(ctx.Err.WriteLine));
            ctx.Out.WriteLine("| operation | edits | changed outside band | worst PSNR outside band | worst PSNR outside mask | mean SSIM outside mask | median ms | verify |");
            ctx.Out.WriteLine("|---|---|---|---|---|---|---|---|");
            foreach (var s in scores)
                ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {s.Operation} | {s.Edits} | {s.ChangedOutsideBand} | {EditBench.Db(s.PsnrOutsideBand)} | {EditBench.Db(s.PsnrOutsideMask)} | {s.SsimOutsideMask:0.0000} | {s.MedianMs:0.0} | {EditBench.VerifyText(s)} |"));
            if (pr.GetValue(json) is { } j)
                File.WriteAllText(j, JsonSerializer.Serialize(new { sets = sets.Select(t => new { instances = t.First, images = t.Second }), operations = scores }, JsonNumbers));
            if (pr.GetValue(html) is { } h) File.WriteAllText(h, EditBench.Html(scores, "intercog bench edit"));
            return 0;
        });
        return cmd;
    }

    /// <summary>The trace's JSON options, writing ∞ and NaN as strings.</summary>
    private static readonly JsonSerializerOptions JsonNumbers = new(ChainTrace.JsonOptions)
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
