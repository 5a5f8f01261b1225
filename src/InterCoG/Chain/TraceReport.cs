using System.Net;
using System.Text;
using OpenCvSharp;
using InterCoG.Imaging;
using InterCoG.Tracing;

namespace InterCoG.Chain;

/// <summary>Renders a <see cref="ChainTrace"/> as a folder: index.html plus one PNG per step (that step's boxes
/// drawn on the image, its mask overlaid), so a person sees the chain of grounding at a glance.</summary>
public static class TraceReport
{
    /// <summary>For a cut-out (whose output is a transparent PNG): the object over a grey checkerboard, from the edit
    /// step's mask; null for every other operation.</summary>
    private static Mat? CutoutPreview(ChainTrace trace, Mat output)
    {
        if (trace.Request?.Operation != Programs.Operations.Cutout) return null;
        var rle = trace.Steps.LastOrDefault(s => s.Stage == Stages.Edit)?.Mask;
        if (rle is null) return null;
        using var mask = rle.Decode();
        if (mask.Size() != output.Size()) return null;
        var board = new Mat(output.Size(), MatType.CV_8UC3, new Scalar(204, 204, 204));
        int cell = 16, rows = output.Rows, cols = output.Cols;
        for (int y = 0; y < rows; y += cell)
            for (int x = (y / cell % 2) * cell; x < cols; x += 2 * cell)
                Cv2.Rectangle(board, new Rect(x, y, cell, cell), new Scalar(255, 255, 255), -1);
        output.CopyTo(board, mask);
        return board;
    }

    /// <summary>Close-ups of the edited region (the edit step's mask) before and after: its box padded by half its size
    /// (at least 24 px), the region outlined on the before crop, both enlarged up to 3× so the shorter side reaches
    /// 360 px; null when there is no edit mask of the image's size.</summary>
    private static (Mat Before, Mat After, Rect Box)? RegionCrops(ChainTrace trace, Mat input, Mat output)
    {
        var rle = trace.Steps.LastOrDefault(s => s.Stage == Stages.Edit)?.Mask;
        if (rle is null || output.Size() != input.Size() || output.Type() != input.Type()) return null;
        using var mask = rle.Decode();
        if (mask.Size() != input.Size()) return null;
        var bounds = Cv2.BoundingRect(mask);
        if (bounds.Width == 0) return null;
        var box = Editing.MaskOps.Pad(bounds, Math.Max(24, Math.Max(bounds.Width, bounds.Height) / 2), input.Size());
        double zoom = Math.Clamp(360.0 / Math.Min(box.Width, box.Height), 1, 3);
        Mat Crop(Mat image, bool outline)
        {
            var crop = new Mat(image, box).Clone();
            if (outline)
            {
                using var m = new Mat(mask, box);
                Cv2.FindContours(m, out var contours, out _, RetrievalModes.External, ContourApproximationModes.ApproxSimple);
                Cv2.DrawContours(crop, contours, -1, new Scalar(255, 200, 0), 1);
            }
            if (zoom <= 1) return crop;
            var big = new Mat();
            Cv2.Resize(crop, big, new Size(0, 0), zoom, zoom, InterpolationFlags.Nearest);
            crop.Dispose();
            return big;
        }
        return (Crop(input, true), Crop(output, false), box);
    }

    /// <summary>Names of the report's fixed files; the step pictures match <see cref="StepFilePattern"/>.</summary>
    public static IReadOnlyList<string> FixedFiles { get; } = ["index.html", "trace.json", "before.png", "after.png", "region_before.png", "region_after.png"];

    /// <summary>The names of the step pictures: "step_NN_STAGE.png".</summary>
    public static System.Text.RegularExpressions.Regex StepFilePattern { get; } = new(@"^step_\d+_[a-z]+\.png$");

    /// <summary>Write the report into <paramref name="dir"/> all at once (see <see cref="OutputBatch.AddFolder"/>: a new
    /// folder appears whole; in an existing one only files this tool wrote are replaced or removed).</summary>
    /// <param name="input">The 8-bit BGR input image.</param>
    /// <param name="output">The 8-bit BGR edited image, or null when nothing was edited.</param>
    public static void Write(string dir, ChainTrace trace, Mat input, Mat? output)
    {
        using var batch = new OutputBatch();
        batch.AddFolder(dir, Render(trace, input, output));
        batch.Commit();
    }

    /// <summary>The report's files, in memory: index.html, trace.json, one PNG per step and, after an edit, before.png
    /// and after.png.</summary>
    /// <param name="input">The 8-bit BGR input image.</param>
    /// <param name="output">The 8-bit BGR edited image, or null when nothing was edited.</param>
    public static IReadOnlyList<(string Name, byte[] Bytes)> Render(ChainTrace trace, Mat input, Mat? output)
    {
        var files = new List<(string Name, byte[] Bytes)>();
        static byte[] Png(Mat m) => ImageCodec.Encode(m, "png");
        var html = new StringBuilder();
        html.Append("<!doctype html><html><head><meta charset=\"utf-8\"><title>InterCoG chain</title><style>")
            .Append("body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px;color:#222}")
            .Append(".step{display:flex;gap:1.5em;margin:1.2em 0;padding:1em;border:1px solid #ddd;border-radius:8px}")
            .Append(".step img{max-width:520px;height:auto;border-radius:4px}.stage{font-weight:600;text-transform:uppercase;color:#555;font-size:.85em}")
            .Append(".ok{color:#080}.bad{color:#b00}.pair{display:flex;gap:1em}.pair img{max-width:540px}code{background:#f4f4f4;padding:2px 4px}")
            .Append("</style></head><body>");
        html.Append("<h1>Chain of grounding</h1>");
        html.Append($"<p><b>Instruction:</b> {Enc(trace.Instruction)}<br><b>Image:</b> {Enc(trace.Image.Path)} ({trace.Image.Width}×{trace.Image.Height})<br>")
            .Append($"<b>Status:</b> <code>{Enc(StatusName(trace.Status))}</code>");
        if (trace.Message is { } msg) html.Append($" — {Enc(msg)}");
        html.Append("</p>");

        for (int i = 0; i < trace.Steps.Count; i++)
        {
            var step = trace.Steps[i];
            Mat basis = (step.Stage is Stages.Edit or Stages.Verify) && output is not null ? output : input;
            string png = $"step_{i + 1:00}_{step.Stage}.png";
            using (var img = RenderStep(basis, step)) files.Add((png, Png(img)));
            html.Append("<div class=\"step\"><div><img src=\"").Append(png).Append("\" alt=\"step ").Append(i + 1).Append("\"></div><div>")
                .Append($"<div class=\"stage\">{i + 1}. {Enc(step.Stage)}</div><p>{Enc(step.Text)}</p>");
            if (step.Ok is bool ok) html.Append(ok ? "<p class=\"ok\">verified</p>" : "<p class=\"bad\">not verified</p>");
            if (step.Warning is { } warning) html.Append($"<p class=\"bad\"><b>Warning:</b> {Enc(warning)}</p>");
            if (step.Ms is double ms) html.Append($"<p><small>{ms:0.#} ms</small></p>");
            if (step.Data is { Count: > 0 } data)
                html.Append("<p><small>").Append(string.Join(", ", data.Select(kv => $"{Enc(kv.Key)} = {kv.Value:0.###}"))).Append("</small></p>");
            // a generative server's exchange: the request as sent (images described, never a key) and the response time
            if (step.Backend is { } exchange)
                html.Append("<details><summary>Request sent to ").Append(Enc((string?)exchange["endpoint"] ?? "the server")).Append("</summary><pre>")
                    .Append(Enc(exchange.ToJsonString(ChainTrace.JsonOptions))).Append("</pre></details>");
            html.Append("</div></div>");
        }

        if (output is not null)
        {
            files.Add(("before.png", Png(input)));
            using (var after = CutoutPreview(trace, output)) files.Add(("after.png", Png(after ?? output)));
            html.Append("<h2>Before / after</h2><div class=\"pair\"><img src=\"before.png\" alt=\"before\"><img src=\"after.png\" alt=\"after\"></div>");
            if (RegionCrops(trace, input, output) is var (regionBefore, regionAfter, box))
            {
                using (regionBefore) files.Add(("region_before.png", Png(regionBefore)));
                using (regionAfter) files.Add(("region_after.png", Png(regionAfter)));
                string what = trace.Request?.Operation == Programs.Operations.Remove ? "The hole" : "The edited region";
                html.Append($"<h2>{what}, before / after</h2><p><small>[{box.X},{box.Y},{box.Right},{box.Bottom}] (outlined before; shown at up to 3× zoom)</small></p>")
                    .Append("<div class=\"pair\"><img src=\"region_before.png\" alt=\"region before\"><img src=\"region_after.png\" alt=\"region after\"></div>");
            }
        }
        if (trace.TimingsMs.Count > 0)
            html.Append("<p><small>Timings: ").Append(string.Join(", ", trace.TimingsMs.Select(kv => $"{Enc(kv.Key)} {kv.Value:0} ms"))).Append("</small></p>");
        html.Append("</body></html>");
        files.Add(("index.html", Encoding.UTF8.GetBytes(html.ToString())));
        files.Add(("trace.json", Encoding.UTF8.GetBytes(trace.ToJson())));
        return files;
    }

    /// <summary>The image of one step: its mask tinted, its boxes outlined with "#id label".</summary>
    public static Mat RenderStep(Mat bgr, TraceStep step)
    {
        var img = bgr.Clone();
        if (step.Mask is { } rle && rle.Size[0] == img.Rows && rle.Size[1] == img.Cols)
        {
            using var mask = rle.Decode();
            using var tint = new Mat(img.Size(), img.Type(), new Scalar(255, 80, 0));
            using var blended = new Mat();
            Cv2.AddWeighted(img, 0.5, tint, 0.5, 0, blended);
            blended.CopyTo(img, mask);
            Cv2.FindContours(mask, out var contours, out _, RetrievalModes.External, ContourApproximationModes.ApproxSimple);
            Cv2.DrawContours(img, contours, -1, new Scalar(255, 200, 0), 2);
        }
        DrawBoxes(img, step.Boxes ?? [], withScores: false);
        return img;
    }

    /// <summary>The detector's view of an image for `detect --overlay`: only the boxes with score ≥
    /// <see cref="OverlayOptions.MinScore"/>, most confident first, each labelled "#id label score" where the label
    /// does not cover an earlier one.</summary>
    public static Mat RenderDetections(Mat bgr, IEnumerable<TraceBox> boxes, OverlayOptions? options = null)
    {
        var o = options ?? new OverlayOptions();
        var img = bgr.Clone();
        DrawBoxes(img, [.. boxes.Where(b => b.Score >= o.MinScore).OrderByDescending(b => b.Score)], withScores: true);
        return img;
    }

    private static void DrawBoxes(Mat img, IReadOnlyList<TraceBox> boxes, bool withScores)
    {
        double scale = Math.Max(0.4, Math.Min(img.Cols, img.Rows) / 900.0);
        int thick = Math.Max(1, (int)Math.Round(2 * scale));
        var frame = new Rect(0, 0, img.Cols, img.Rows);
        var placed = new List<Rect>();
        var labels = new List<(Rect Back, Point Text, string Label, Scalar Color)>();
        foreach (var b in boxes)
        {
            var color = b.Role switch
            {
                "target" => new Scalar(0, 0, 255),
                "anchor" => new Scalar(255, 128, 0),
                "dropped" => new Scalar(140, 140, 140),
                "unsure" => new Scalar(170, 170, 170),
                "candidate" => new Scalar(0, 215, 255),
                "competitor" => new Scalar(200, 0, 200),
                _ => new Scalar(0, 200, 0),
            };
            var r = new Rect(b.Xyxy[0], b.Xyxy[1], Math.Max(1, b.Xyxy[2] - b.Xyxy[0]), Math.Max(1, b.Xyxy[3] - b.Xyxy[1]));
            Cv2.Rectangle(img, r, color, b.Role == "target" ? thick * 2 : thick);
            if (b.Role == "unsure") continue; // outlined only: dozens of low-score boxes would hide the picture
            string label = withScores ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"#{b.Id} {b.Label} {b.Score:0.00}") : $"#{b.Id} {b.Label}";
            var size = Cv2.GetTextSize(label, HersheyFonts.HersheySimplex, 0.5 * scale, thick, out int baseline);
            var back = PlaceLabel(r, new Size(size.Width + 4, size.Height + baseline + 4), placed, frame);
            placed.Add(back);
            labels.Add((back, new Point(back.X + 2, back.Y + size.Height + 2), label, color));
        }
        // labels last, so that no box line crosses a label
        foreach (var (back, at, label, color) in labels)
        {
            Cv2.Rectangle(img, back, color, -1);
            Cv2.PutText(img, label, at, HersheyFonts.HersheySimplex, 0.5 * scale, Scalar.Black, thick, LineTypes.AntiAlias);
        }
    }

    /// <summary>Where a label of <paramref name="size"/> goes for <paramref name="box"/>: the first of above the box's
    /// top-left corner, inside it, below it — each also slid down in label-height steps — that lies in
    /// <paramref name="frame"/> and overlaps no label in <paramref name="placed"/>; the first candidate when none is free.</summary>
    internal static Rect PlaceLabel(Rect box, Size size, IReadOnlyList<Rect> placed, Rect frame)
    {
        int x = Math.Clamp(box.X, frame.X, Math.Max(frame.X, frame.Right - size.Width));
        var anchors = new[] { box.Y - size.Height, box.Y, box.Bottom };
        Rect? first = null;
        foreach (int y0 in anchors)
            for (int step = 0; step < 6; step++)
            {
                int y = y0 + step * size.Height;
                var c = new Rect(x, y, size.Width, size.Height);
                if (c.Y < frame.Y || c.Bottom > frame.Bottom) continue;
                first ??= c;
                if (!placed.Any(p => p.IntersectsWith(c))) return c;
            }
        return first ?? new Rect(x, Math.Clamp(box.Y, frame.Y, Math.Max(frame.Y, frame.Bottom - size.Height)), size.Width, size.Height);
    }

    private static string StatusName(ChainStatus s) => System.Text.Json.JsonSerializer.Serialize(s).Trim('"');

    private static string Enc(string s) => WebUtility.HtmlEncode(s);
}

/// <summary>What `detect --overlay` draws.</summary>
public sealed record OverlayOptions
{
    /// <summary>Boxes below this detection score (0..1) are left out; the detector keeps candidates down to
    /// <see cref="Perception.DetectorOptions.MinScore"/> for the reasoning stage, far too many to read in a picture.</summary>
    public float MinScore { get; init; } = 0.3f;
}
