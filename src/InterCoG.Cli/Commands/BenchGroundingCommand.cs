using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using InterCoG.Bench;
using InterCoG.Chain;
using InterCoG.Data;
using InterCoG.Imaging;

namespace InterCoG.Cli.Commands;

/// <summary><c>bench grounding</c>: referring-expression grounding accuracy on a RefCOCO-style set (logic in <see cref="GroundingBench"/>).</summary>
public static class BenchGroundingCommand
{
    /// <summary>The <c>grounding</c> subcommand of <c>bench</c>.</summary>
    public static Command Build(CliContext ctx)
    {
        var instances = new Option<string>("--instances") { Description = "COCO instances.json.", Required = true };
        var refs = new Option<string>("--refs") { Description = "RefCOCO-format refs.json (every sentence is grounded).", Required = true };
        var images = new Option<string>("--images") { Description = "Folder of the images.", Required = true };
        var oracle = new Option<bool>("--oracle-boxes") { Description = "Build scenes from the annotations instead of the detector." };
        var json = new Option<string?>("--json") { Description = "Write the result as JSON to this file ('-' for stdout)." };
        var html = new Option<string?>("--html") { Description = "Write a self-contained HTML report to this file." };
        var cmd = new Command("grounding", "Grounding accuracy (Acc@0.5, mean IoU) of every referring sentence, by relation type.") { instances, refs, images, oracle, json, html };
        cmd.SetAction(pr =>
        {
            string instancesPath = pr.GetValue(instances)!, imagesDir = pr.GetValue(images)!;
            if (!Directory.Exists(imagesDir)) throw new InputException($"images folder not found: {imagesDir}");
            var coco = CocoDataset.Load(instancesPath);
            var referred = RefCocoRefs.Load(pr.GetValue(refs)!);
            var detector = pr.GetValue(oracle) ? null : EngineFactory.CreateDetector(Models.ModelStore.Default);
            var r = GroundingBench.Run(coco, referred, imagesDir, ImageCodec.LoadBgr,
                detector, progress: new Immediate(ctx.Err.WriteLine));
            var doc = new
            {
                n = r.N, acc50 = r.Acc50, miou = r.MIoU, mask_iou = (double?)null, oracle = r.Oracle,
                parsed = r.Parsed, ambiguous = r.Ambiguous, not_found = r.NotFound,
                by_relation = Buckets(r.ByRelation), by_distractors = Buckets(r.ByDistractors), by_size = Buckets(r.BySize),
                ms_per_sentence = r.MsPerSentence, ms_per_image = r.MsPerImage,
                items = r.Items,
            };
            string? jsonPath = pr.GetValue(json);
            // mask_iou is null by contract (no masks in this bench) and must be written, not dropped.
            var options = new JsonSerializerOptions(ChainTrace.JsonOptions) { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never };
            if (jsonPath == "-") ctx.Out.WriteLine(JsonSerializer.Serialize(doc, options));
            else if (jsonPath is not null) File.WriteAllText(jsonPath, JsonSerializer.Serialize(doc, options) + "\n");
            if (pr.GetValue(html) is string htmlPath)
                File.WriteAllText(htmlPath, GroundingBench.Html(r, $"Grounding: {Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(instancesPath)))}"));
            if (jsonPath != "-")
            {
                var inv = CultureInfo.InvariantCulture;
                ctx.Out.WriteLine(string.Format(inv, "{0} sentences ({1}): Acc@0.5 {2:P1}, mean IoU {3:0.000}; parsed {4}, ambiguous {5}, not found {6}; {7:0.00} ms/sentence",
                    r.N, r.Oracle ? "oracle boxes" : "detector", r.Acc50, r.MIoU, r.Parsed, r.Ambiguous, r.NotFound, r.MsPerSentence));
                foreach (var (name, b) in new[] { ("relation", r.ByRelation), ("distractors", r.ByDistractors), ("size", r.BySize) })
                    ctx.Out.WriteLine($"  by {name}: " + string.Join(", ", b.Select(kv => string.Format(inv, "{0} {1:P0} (n={2})", kv.Key, kv.Value.Acc50, kv.Value.N))));
            }
            return 0;
        });
        return cmd;
    }

    private static Dictionary<string, object> Buckets(IReadOnlyDictionary<string, GroundingBucket> b) =>
        b.ToDictionary(kv => kv.Key, kv => (object)new Dictionary<string, object> { ["n"] = kv.Value.N, ["hits"] = kv.Value.Hits, ["acc50"] = kv.Value.Acc50, ["miou"] = kv.Value.MIoU });

    // Reports on the calling thread, in order (Progress<T> posts to the thread pool).
    private sealed class Immediate(Action<string> write) : IProgress<string>
    {
        public void Report(string value) => write(value);
    }
}
