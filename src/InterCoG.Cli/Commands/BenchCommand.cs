using System.CommandLine;
using System.Text.Json;
using InterCoG.Bench;
using InterCoG.Chain;
using InterCoG.Data;
using InterCoG.Imaging;
using InterCoG.Tracing;
using InterCoG.Sharding;

namespace InterCoG.Cli.Commands;

/// <summary><c>bench chain</c> (per-stage median times) and <c>bench detect</c> (detection recall on COCO + refs).</summary>
public static class BenchCommand
{
    public static Command Build(CliContext ctx)
    {
        var bench = new Command("bench", "Benchmarks: stage timings, detection recall, grounding accuracy, edits, fills.");
        bench.Subcommands.Add(Chain(ctx));
        bench.Subcommands.Add(Detect(ctx));
        bench.Subcommands.Add(BenchGroundingCommand.Build(ctx));
        bench.Subcommands.Add(BenchEditCommand.Build(ctx));
        bench.Subcommands.Add(BenchMergeCommand.Build(ctx));
        bench.Subcommands.Add(BenchFillCommand.Build(ctx));
        bench.Subcommands.Add(BenchParseCommand.Build(ctx));
        return bench;
    }

    private static Command Chain(CliContext ctx)
    {
        var image = new Option<string?>("--image") { Description = "Photo (default: the demo's)." };
        var instruction = new Option<string?>("--instruction") { Description = "Instruction (default: the demo's)." };
        var runs = new Option<int>("--runs") { Description = "Timed runs after one warm-up.", DefaultValueFactory = _ => 5 };
        var json = new Option<bool>("--json") { Description = "Print the medians as JSON." };
        var cmd = new Command("chain", "Run the whole chain repeatedly in one process and print per-stage median times.") { image, instruction, runs, json };
        var engineOptions = EngineOptionsCli.AddTo(cmd);
        cmd.SetAction(pr =>
        {
            var spec = DemoCommand.Spec();
            string path = pr.GetValue(image) ?? DemoCommand.ExtractPhoto(spec.Photo, Path.Combine(Path.GetTempPath(), "intercog-samples"));
            string text = pr.GetValue(instruction) ?? spec.Instruction;
            int n = pr.GetValue(runs);
            if (n < 1) throw new InputException("--runs must be at least 1");
            using var input = ImageCodec.Load(path);
            var engine = EngineFactory.Shared(null, engineOptions.Profile(pr), engineOptions.Sessions(pr));
            using (engine.Run(input, text)) { } // warm-up: first ONNX runs allocate
            var samples = new Dictionary<string, List<double>>();
            IReadOnlyList<TraceStep> lastSteps = [];
            ChainStatus status = TerminalProgress.Run(ctx, bar =>
            {
                ChainStatus last = ChainStatus.Error;
                for (int i = 0; i < n; i++)
                {
                    bar.Set("runs", i, n);
                    using var run = engine.Run(input, text);
                    last = run.Trace.Status;
                    lastSteps = run.Trace.Steps;
                    foreach (var (k, v) in run.Trace.TimingsMs) (samples.TryGetValue(k, out var l) ? l : samples[k] = []).Add(v);
                    bar.Log($"run {i + 1}/{n}: total {run.Trace.TimingsMs.GetValueOrDefault("total"):0} ms");
                }
                bar.Set("runs", n, n);
                return last;
            });
            var medians = samples.ToDictionary(kv => kv.Key, kv => BenchStats.Median(kv.Value));
            string providers = string.Join(", ", lastSteps.Where(st => st.Provider is not null).Select(st => $"{st.Stage} {st.Provider}").Distinct());
            if (pr.GetValue(json))
                ctx.Out.WriteLine(JsonSerializer.Serialize(new { image = path, instruction = text, width = input.Width, height = input.Height, runs = n, status, providers, median_ms = medians }, ChainTrace.JsonOptions));
            else
            {
                ctx.Out.WriteLine($"{path} ({input.Width}x{input.Height}), \"{text}\", {n} runs, status {status}, providers: {providers}");
                foreach (var (k, v) in medians) ctx.Out.WriteLine($"  {k,-8} median {v,8:0.0} ms");
            }
            return 0;
        });
        return cmd;
    }

    private static Command Detect(CliContext ctx)
    {
        var instances = new Option<string>("--instances") { Description = "COCO instances.json.", Required = true };
        var refs = new Option<string>("--refs") { Description = "RefCOCO-format refs.json (its referred objects are scored).", Required = true };
        var images = new Option<string>("--images") { Description = "Folder of the images.", Required = true };
        var noTiles = new Option<bool>("--no-tiles") { Description = "Single full-image pass only." };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON." };
        var cmd = new Command("detect", "Detection recall of the referred objects (IoU ≥ 0.5, right class).") { instances, refs, images, noTiles, json };
        var sharding = BenchShardOptions.AddTo(cmd);
        var engineOptions = EngineOptionsCli.AddTo(cmd);
        cmd.SetAction(pr =>
        {
            var shard = sharding.Read(pr);
            var detector = EngineFactory.CreateDetector(Models.ModelStore.Default, engineOptions.Detector(pr) with { Tiling = !pr.GetValue(noTiles) }, engineOptions.Sessions(pr));
            var coco = CocoDataset.Load(pr.GetValue(instances)!);
            var referred = RefCocoRefs.Load(pr.GetValue(refs)!);
            var units = DetectionRecall.MeasureUnits(detector, coco, referred, ImageCodec.LoadBgr, shard?.Shard ?? ShardSpec.Whole, pr.GetValue(images));
            if (shard is { } sh)
                sh.Write(ctx, "detect", new DetectSettings(detector.Name), [pr.GetValue(instances)!, pr.GetValue(refs)!], DetectionRecall.UnitImages(coco, referred).Count, units);
            ReportDetect(ctx, DetectionRecall.Summarize(detector.Name, units.Select(u => u.Unit)), pr.GetValue(json));
            return 0;
        });
        return cmd;
    }

    /// <summary>What a detection recall run was run with.</summary>
    internal sealed record DetectSettings(string Detector);

    /// <summary>Print a recall result (as JSON with <paramref name="json"/>): the same for one process and for <c>bench merge</c>.</summary>
    internal static void ReportDetect(CliContext ctx, RecallResult r, bool json)
    {
        var result = new { detector = r.Detector, images = r.Images, targets = r.Targets, recall_class = r.RecallClass, recall_top3 = r.RecallTop3, recall_agnostic = r.RecallAgnostic, ms_per_image = r.MsPerImage };
        if (json) ctx.Out.WriteLine(JsonSerializer.Serialize(result, ChainTrace.JsonOptions));
        else ctx.Out.WriteLine($"{r.Detector}: {r.Targets} referred objects in {r.Images} images; found with the right class {r.RecallClass:P1}, class in top-3 {r.RecallTop3:P1}, any class {r.RecallAgnostic:P1}; {r.MsPerImage:0} ms/image");
    }

    /// <summary><c>bench merge</c> of a detection recall run's shards.</summary>
    internal static void MergeDetect(CliContext ctx, BenchShardSet set, string? jsonPath)
    {
        var r = DetectionRecall.Summarize(set.SettingsAs<DetectSettings>().Detector, set.Data<RecallUnit>());
        if (jsonPath is not null and not "-")
        {
            var file = new StringWriter();
            ReportDetect(new CliContext(file, ctx.Err), r, json: true);
            File.WriteAllText(jsonPath, file.ToString());
        }
        ReportDetect(ctx, r, jsonPath == "-");
    }


}
