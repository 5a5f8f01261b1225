using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using InterCoG.Bench;
using InterCoG.Chain;
using InterCoG.Data;
using InterCoG.Perception.Segmentation;
using InterCoG.Tracing;

namespace InterCoG.Cli.Commands;

/// <summary><c>bench masks</c>: mask IoU, spill onto other instances, empty masks and time per segmenter, prompted
/// with the annotated boxes and with the detector's matched boxes (logic in <see cref="InstanceMaskBench"/>).</summary>
public static class BenchMasksCommand
{
    public static Command Build(CliContext ctx)
    {
        var instances = new Option<string>("--instances") { Description = "COCO instances.json with instance masks (polygons or RLE).", Required = true };
        var images = new Option<string>("--images") { Description = "Folder of the images.", Required = true };
        var segmenters = new Option<string?>("--segmenter")
        {
            Description = $"Segmenters to measure, comma-separated, from {string.Join(", ", SegmenterKinds.Names)} (default {SegmenterKinds.NameOf(SegmenterKinds.Default)}).",
        };
        var prompts = new Option<string>("--prompts") { Description = "Boxes that prompt the segmenter: gt (annotated), detector (matched detections) or both.", DefaultValueFactory = _ => "both" };
        prompts.AcceptOnlyFromAmong("gt", "detector", "both");
        var noCompete = new Option<bool>("--no-compete") { Description = "Each object's mask on its own, without the overlapping instances competing for pixels." };
        var limit = new Option<int>("--limit") { Description = "Most images (0: all).", DefaultValueFactory = _ => 0 };
        var json = new Option<string?>("--json") { Description = "Write the figures (and every object's) as JSON here ('-' for stdout)." };
        var cmd = new Command("masks", "Mask IoU against annotated instances, spill onto other instances, empty masks, seconds per image and per object.")
            { instances, images, segmenters, prompts, noCompete, limit, json };
        cmd.SetAction(pr =>
        {
            string imagesDir = pr.GetValue(images)!;
            if (!Directory.Exists(imagesDir)) throw new InputException($"images folder not found: {imagesDir}");
            if (pr.GetValue(limit) < 0) throw new InputException("--limit must be 0 or more");
            var coco = CocoDataset.Load(pr.GetValue(instances)!);
            var kinds = pr.GetValue(segmenters) is { } list
                ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(SegmenterKinds.Parse).Distinct().ToList()
                : [SegmenterKinds.Default];
            if (kinds.Count == 0) throw new InputException("--segmenter names no segmenter");
            string which = pr.GetValue(prompts)!;
            var modes = which switch { "gt" => new[] { MaskPrompts.GroundTruth }, "detector" => [MaskPrompts.Detector], _ => [MaskPrompts.GroundTruth, MaskPrompts.Detector] };
            var store = Models.ModelStore.Default;
            var detector = modes.Contains(MaskPrompts.Detector) ? EngineFactory.CreateDetector(store) : null;
            var options = new InstanceMaskBenchOptions { LimitImages = pr.GetValue(limit) };
            if (pr.GetValue(noCompete)) options = options with { Masks = options.Masks with { Compete = false } };
            var results = new List<MaskBenchScore>();
            foreach (var kind in kinds)
            {
                var segmenter = EngineFactory.CreateSegmenter(store, kind);
                try
                {
                    foreach (var mode in modes)
                    {
                        ctx.Err.WriteLine($"{SegmenterKinds.NameOf(kind)}, {(mode == MaskPrompts.GroundTruth ? "annotated" : "detector")} boxes…");
                        results.Add(InstanceMaskBench.Run(coco, imagesDir, segmenter, mode, detector, options));
                    }
                }
                finally { (segmenter as IDisposable)?.Dispose(); }
            }
            string? jsonPath = pr.GetValue(json);
            if (jsonPath is not null)
            {
                var doc = new { instances = pr.GetValue(instances), images = imagesDir, results };
                string text = JsonSerializer.Serialize(doc, BenchEditCommand.JsonNumbers);
                if (jsonPath == "-") ctx.Out.WriteLine(text);
                else Imaging.OutputFiles.WriteTextAtomic(jsonPath, text + "\n");
            }
            if (jsonPath != "-")
            {
                ctx.Out.WriteLine("| segmenter | prompts | objects | mean IoU | median IoU | overlapping: n, IoU | spill | spill, overlapping | empty (> 32²) | s/image | s/object |");
                ctx.Out.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
                foreach (var r in results)
                    ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"| {r.Segmenter} | {r.Prompts}{(r.Unmatched > 0 ? $" ({r.Unmatched} unmatched)" : "")} | {r.Objects} | {r.MeanIou:0.000} | {r.MedianIou:0.000} | {r.OverlapObjects}, {r.OverlapMeanIou:0.000} | {r.MeanSpill:P1} | {r.OverlapMeanSpill:P1} | {r.EmptyMasks} ({r.EmptyMasksOver32}) | {r.SecondsPerImage:0.00} | {r.SecondsPerObject:0.000} |"));
            }
            return 0;
        });
        return cmd;
    }
}
