using System.Globalization;
using System.Net;
using System.Text;
using InterCoG.Imaging;
using OpenCvSharp;

namespace InterCoG.Dataset;

/// <summary>Counts of a dataset by relation type, operation, difficulty level and target category, in a fixed order.</summary>
public sealed record DatasetSummary(int Samples, int Images, int WithEdits, IReadOnlyDictionary<string, int> ByRelation,
    IReadOnlyDictionary<string, int> ByOperation, IReadOnlyDictionary<string, int> ByDifficulty, IReadOnlyDictionary<string, int> ByCategory,
    int Nested);

/// <summary>Reads a dataset folder: counts (<see cref="Summarize"/>) and a contact sheet of random samples with the
/// target box drawn on the source and the edited image beside it (<see cref="WriteContactSheet"/>).</summary>
public static class DatasetInspector
{
    /// <summary>Every sample of DIR/manifest.jsonl in file order; throws <see cref="InputException"/> when missing.</summary>
    public static List<DatasetSample> ReadManifest(string dir)
    {
        string path = Path.Combine(dir, DatasetBuilder.ManifestFile);
        if (!File.Exists(path)) throw new InputException($"{dir}: no {DatasetBuilder.ManifestFile} (not a finished dataset build)");
        return File.ReadLines(path).Where(l => l.Length > 0).Select(DatasetSample.FromJsonLine).ToList();
    }

    /// <summary>Counts of <paramref name="samples"/>; relation types in <see cref="ExpressionGenerator.Types"/> order,
    /// others by descending count then name.</summary>
    public static DatasetSummary Summarize(IReadOnlyList<DatasetSample> samples)
    {
        static Dictionary<string, int> Count(IEnumerable<string> keys, IReadOnlyList<string>? order = null)
        {
            var groups = keys.GroupBy(k => k).ToDictionary(g => g.Key, g => g.Count());
            var keysInOrder = order is null
                ? groups.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key)
                : order.Where(groups.ContainsKey).Concat(groups.Keys.Except(order).Order(StringComparer.Ordinal));
            return keysInOrder.ToDictionary(k => k, k => groups[k]);
        }
        return new DatasetSummary(samples.Count, samples.Select(s => s.Image).Distinct().Count(), samples.Count(s => s.EditedImage is not null),
            Count(samples.Select(s => s.Relation), ExpressionGenerator.Types), Count(samples.Select(s => s.Operation), DatasetOptions.DefaultOperations),
            Count(samples.Select(s => s.Difficulty.Level), ["easy", "medium", "hard"]), Count(samples.Select(s => s.Target.Category)),
            samples.Count(s => s.Nested));
    }

    /// <summary>The summary as plain text lines.</summary>
    public static string Format(DatasetSummary s)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{s.Samples} samples from {s.Images} images; {s.WithEdits} with an edited image; {s.Nested} with a nested anchor\n");
        foreach (var (name, d) in new[] { ("relation", s.ByRelation), ("operation", s.ByOperation), ("difficulty", s.ByDifficulty), ("category", s.ByCategory) })
            sb.Append(CultureInfo.InvariantCulture, $"by {name}: {string.Join(", ", d.Select(kv => $"{kv.Key} {kv.Value}"))}\n");
        return sb.ToString();
    }

    /// <summary>Writes DIR/inspect/index.html (the summary and <paramref name="count"/> samples drawn with
    /// <paramref name="seed"/>) and its thumbnails (JPEG, <paramref name="thumbPx"/> wide): the source with the target
    /// box (green) and anchors (orange), the mask, and the edited image. Returns the HTML path.</summary>
    public static string WriteContactSheet(string dir, int count = 24, int seed = 0, int thumbPx = 320)
    {
        var samples = ReadManifest(dir);
        var summary = Summarize(samples);
        string outDir = Path.Combine(dir, "inspect");
        string thumbs = Path.Combine(outDir, "thumbs");
        Directory.CreateDirectory(thumbs);
        var rng = new Random(seed);
        var picked = samples.Select(s => (s, k: rng.Next())).OrderBy(t => t.k).ThenBy(t => t.s.Id, StringComparer.Ordinal).Take(count).Select(t => t.s)
            .OrderBy(s => s.Id, StringComparer.Ordinal).ToList();
        static string E(string s) => WebUtility.HtmlEncode(s);
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Dataset contact sheet</title><style>")
          .Append("body{font-family:sans-serif;margin:1.5em}.s{display:inline-block;vertical-align:top;margin:6px;padding:6px;border:1px solid #ccc;width:")
          .Append(CultureInfo.InvariantCulture, $"{3 * thumbPx / 2 + 20}px")
          .Append("}.s img{height:").Append(CultureInfo.InvariantCulture, $"{thumbPx * 3 / 8}px").Append(";max-width:").Append(CultureInfo.InvariantCulture, $"{thumbPx / 2}px").Append(";object-fit:contain;margin-right:2px}.i{font-weight:bold}.m{color:#555;font-size:85%}</style></head><body>")
          .Append("<h1>Dataset contact sheet</h1><pre>").Append(E(Format(summary))).Append("</pre>");
        foreach (var s in picked)
        {
            var names = new[] { "full", "before", "mask", "after" }.Select(k => $"thumbs/{s.Id}.{k}.jpg").ToArray();
            var x = s.Target.Xyxy;
            using var img = ImageCodec.Load(Path.Combine(dir, s.Image));
            var crop = CropAround(x, img.Width, img.Height);
            using (var drawn = img.Bgr.Clone())
            {
                int t = Math.Max(2, drawn.Cols / 200);
                var anchors = s.Chain.Where(st => st.Boxes is not null).SelectMany(st => st.Boxes!).Where(b => b.Role == "anchor")
                    .Select(b => b.Xyxy).DistinctBy(b => string.Join(",", b));
                foreach (var a in anchors) Cv2.Rectangle(drawn, new Point(a[0], a[1]), new Point(a[2], a[3]), new Scalar(0, 140, 255), t);
                Cv2.Rectangle(drawn, new Point((int)x[0], (int)x[1]), new Point((int)x[2], (int)x[3]), new Scalar(0, 220, 0), t);
                SaveThumb(drawn, Path.Combine(outDir, names[0]), thumbPx);
            }
            using (var before = new Mat(img.Bgr, crop)) SaveThumb(before, Path.Combine(outDir, names[1]), thumbPx);
            using (var mask = ImageCodec.LoadMask(Path.Combine(dir, s.MaskImage)))
            using (var overlay = img.Bgr.Clone())
            using (var blend = new Mat())
            {
                overlay.SetTo(new Scalar(255, 0, 255), mask);
                Cv2.AddWeighted(img.Bgr, 0.5, overlay, 0.5, 0, blend);
                using var m = new Mat(blend, crop);
                SaveThumb(m, Path.Combine(outDir, names[2]), thumbPx);
            }
            bool hasEdit = s.EditedImage is not null && File.Exists(Path.Combine(dir, s.EditedImage));
            if (hasEdit)
            {
                using var ed = ImageCodec.Load(Path.Combine(dir, s.EditedImage!));
                using var shown = OverChecker(ed);
                using var after = new Mat(shown, crop);
                SaveThumb(after, Path.Combine(outDir, names[3]), thumbPx);
            }
            sb.Append("<div class=\"s\"><div class=\"i\">").Append(E(s.Instruction)).Append("</div><div class=\"m\">")
              .Append(E($"{s.Id} · {s.Relation}/{s.RelationKind} · {s.Operation} · {s.Difficulty.Level} ({s.Difficulty.Distractors} distractors, {s.Difficulty.RelativeArea:P1} of image)"))
              .Append("</div>");
            string[] titles = ["source: target green, anchors orange", "target before (zoomed)", "mask (zoomed)", "edited (zoomed)"];
            for (int k = 0; k < (hasEdit ? 4 : 3); k++)
                sb.Append("<img src=\"").Append(names[k]).Append("\" title=\"").Append(titles[k]).Append("\">");
            sb.Append("<div class=\"m\">").Append(E("rewritten: " + s.Rewritten)).Append("</div><div class=\"m\">")
              .Append(E("also: " + string.Join(" | ", s.Alternatives.Take(3).Select(a => a.Text)))).Append("</div></div>");
        }
        sb.Append("</body></html>\n");
        string html = Path.Combine(outDir, "index.html");
        OutputFiles.WriteTextAtomic(html, sb.ToString());
        return html;
    }

    // A square around the target: three times its longer side (at least 64 px), clamped to the image.
    private static Rect CropAround(float[] xyxy, int width, int height)
    {
        float w = Math.Max(64, 3 * Math.Max(xyxy[2] - xyxy[0], xyxy[3] - xyxy[1])), h = w;
        float cx = (xyxy[0] + xyxy[2]) / 2, cy = (xyxy[1] + xyxy[3]) / 2;
        int x1 = Math.Clamp((int)(cx - w / 2), 0, width - 1), y1 = Math.Clamp((int)(cy - h / 2), 0, height - 1);
        int x2 = Math.Clamp((int)(cx + w / 2), x1 + 1, width), y2 = Math.Clamp((int)(cy + h / 2), y1 + 1, height);
        return new Rect(x1, y1, x2 - x1, y2 - y1);
    }

    // 8-bit BGR of an image; one with alpha (a cut-out) is shown over a gray checkerboard (alpha thresholded at half).
    private static Mat OverChecker(LoadedImage image)
    {
        if (image.Original.Channels() != 4) return image.Bgr.Clone();
        using var bgra = new Mat();
        if (image.Original.Depth() == MatType.CV_16U) image.Original.ConvertTo(bgra, MatType.CV_8UC4, 1.0 / 257); else image.Original.CopyTo(bgra);
        int rows = bgra.Rows, cols = bgra.Cols;
        var result = new Mat(rows, cols, MatType.CV_8UC3, Scalar.All(150));
        for (int y = 0; y < rows; y += 8)
            for (int x = (y / 8) % 2 * 8; x < cols; x += 16)
                Cv2.Rectangle(result, new Rect(x, y, 8, 8), Scalar.All(200), -1);
        var ch = bgra.Split();
        using var color = new Mat();
        Cv2.Merge([ch[0], ch[1], ch[2]], color);
        using var opaque = new Mat();
        Cv2.Threshold(ch[3], opaque, 127, 255, ThresholdTypes.Binary);
        color.CopyTo(result, opaque);
        foreach (var c in ch) c.Dispose();
        return result;
    }

    private static void SaveThumb(Mat bgr, string path, int width)
    {
        double scale = Math.Min(1.0, width / (double)bgr.Cols);
        using var small = new Mat();
        Cv2.Resize(bgr, small, new Size(Math.Max(1, (int)(bgr.Cols * scale)), Math.Max(1, (int)(bgr.Rows * scale))), 0, 0, InterpolationFlags.Area);
        ImageCodec.Save(small, path);
    }
}
