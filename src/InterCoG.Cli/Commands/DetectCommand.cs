using System.CommandLine;
using System.Text.Json;
using InterCoG.Chain;
using InterCoG.Imaging;
using OpenCvSharp;
using InterCoG.Tracing;

namespace InterCoG.Cli.Commands;

/// <summary><c>detect IMAGE [--json] [--overlay OUT.png] [--detector-model ONNX]…</c>: the scene the reasoning stage sees.</summary>
public static class DetectCommand
{
    public static Command Build(CliContext ctx)
    {
        var image = new Argument<string>("image") { Description = "Input photo (JPEG or PNG)." };
        var json = new Option<bool>("--json") { Description = "Print the scene as JSON on stdout." };
        var overlay = new Option<string?>("--overlay") { Description = "Write the image with the confident boxes drawn and labelled." };
        var minScore = new Option<float?>("--min-score") { Description = "Smallest score drawn on the overlay, 0..1 (default 0.3)." };
        var cmd = new Command("detect", "Detect every object (COCO vocabulary) with class probabilities.") { image, json, overlay, minScore };
        var detectorModels = DetectorModelOption.AddTo(cmd);
        var engineOptions = EngineOptionsCli.AddTo(cmd);
        cmd.SetAction(pr =>
        {
            string path = pr.GetValue(image)!;
            string? overlayPath = pr.GetValue(overlay);
            var overlayOptions = new OverlayOptions();
            if (pr.GetValue(minScore) is float ms0)
                overlayOptions = ms0 is >= 0 and <= 1 ? overlayOptions with { MinScore = ms0 } : throw new InputException($"--min-score must be in 0..1, got {ms0}");
            using var input = ImageCodec.Load(path);
            if (overlayPath is not null) ImageCodec.EnsureWritableOutput(overlayPath, path);
            var engine = EngineFactory.Shared(DetectorModelOption.Read(pr, detectorModels), engineOptions.Profile(pr), engineOptions.Sessions(pr));
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var scene = engine.Perceive(input.Bgr);
            double ms = Math.Round(sw.Elapsed.TotalMilliseconds, 1);
            var boxes = scene.Entities.Select(e => TraceBox.From(e.Id, e.Label, e.Score, e.Box)).ToList();
            if (overlayPath is not null)
            {
                using var drawn = TraceReport.RenderDetections(input.Bgr, boxes, overlayOptions);
                ImageCodec.Save(drawn, overlayPath);
            }
            if (pr.GetValue(json))
            {
                var doc = new
                {
                    image = new { path, width = input.Width, height = input.Height, sha256 = input.Sha256 },
                    detector = engine.Detector.Name,
                    ms,
                    entities = scene.Entities.Select(e => new
                    {
                        id = e.Id,
                        label = e.Label,
                        score = Math.Round(e.Score, 4),
                        xyxy = e.Box.ToIntArray(),
                        color = e.ColorName,
                        depth = Math.Round(e.DepthProxy, 3),
                        // the top class probabilities, so a script can ask "how likely is this a bottle"
                        probs = e.ClassProbs.Select((p, i) => (p, i)).Where(t => t.p >= 0.01f).OrderByDescending(t => t.p).Take(5)
                            .ToDictionary(t => Perception.CocoClasses.Names[t.i], t => Math.Round(t.p, 4)),
                    }),
                };
                ctx.Out.WriteLine(JsonSerializer.Serialize(doc, ChainTrace.JsonOptions));
            }
            else
            {
                ctx.Err.WriteLine($"{scene.Entities.Count} objects in {ms:0} ms ({engine.Detector.Name})");
                foreach (var e in scene.Entities)
                    ctx.Out.WriteLine($"#{e.Id,-3} {e.Label,-14} {e.Score:0.00}  {e.Box}  {e.ColorName}");
                if (overlayPath is not null) ctx.Out.WriteLine($"overlay: {overlayPath}");
            }
            return 0;
        });
        return cmd;
    }
}
