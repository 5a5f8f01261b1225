using System.Diagnostics;
using InterCoG.Data;
using InterCoG.Editing;
using InterCoG.Imaging;
using OpenCvSharp;
using InterCoG.Sharding;

namespace InterCoG.Bench;

/// <summary>One photo to test fills on: its 8-bit BGR pixels and the union of its annotated objects (CV_8UC1, may be
/// all zero when it has no annotations).</summary>
public sealed record InpaintPhoto(string Name, Mat Bgr, Mat Objects);

/// <summary>Image comparison measures over a mask.</summary>
public static class ImageMetrics
{
    /// <summary>PSNR in dB of two 8-bit BGR images over the mask's pixels (all channels); +∞ when identical there.</summary>
    public static double Psnr(Mat a, Mat b, Mat mask)
    {
        using var fa = new Mat();
        using var fb = new Mat();
        a.ConvertTo(fa, MatType.CV_32FC3);
        b.ConvertTo(fb, MatType.CV_32FC3);
        using var d = new Mat();
        Cv2.Subtract(fa, fb, d);
        using var sq = new Mat();
        Cv2.Multiply(d, d, sq);
        int n = Cv2.CountNonZero(mask);
        if (n == 0) return double.PositiveInfinity;
        using (var inv = InvertMask(mask)) sq.SetTo(Scalar.All(0), inv);
        var s = Cv2.Sum(sq);
        double mse = (s.Val0 + s.Val1 + s.Val2) / (3.0 * n);
        return mse == 0 ? double.PositiveInfinity : 10 * Math.Log10(255.0 * 255.0 / mse);
    }

    /// <summary>Mean SSIM (Wang et al. 2004, 11×11 Gaussian window σ = 1.5, on 8-bit gray) over the mask's pixels.</summary>
    public static double Ssim(Mat a, Mat b, Mat mask)
    {
        if (Cv2.CountNonZero(mask) == 0) return 1;
        var box = MaskOps.Pad(Cv2.BoundingRect(mask), 6, a.Size());
        using var ra = new Mat(a, box);
        using var rb = new Mat(b, box);
        using var rm = new Mat(mask, box);
        using var ga = Gray32(ra);
        using var gb = Gray32(rb);
        const double c1 = 6.5025, c2 = 58.5225;
        var win = new Size(11, 11);
        using var mu1 = new Mat(); using var mu2 = new Mat();
        Cv2.GaussianBlur(ga, mu1, win, 1.5); Cv2.GaussianBlur(gb, mu2, win, 1.5);
        using var mu1Sq = mu1.Mul(mu1).ToMat(); using var mu2Sq = mu2.Mul(mu2).ToMat(); using var mu12 = mu1.Mul(mu2).ToMat();
        using var s1 = new Mat(); using var s2 = new Mat(); using var s12 = new Mat();
        using (var t = ga.Mul(ga).ToMat()) Cv2.GaussianBlur(t, s1, win, 1.5);
        using (var t = gb.Mul(gb).ToMat()) Cv2.GaussianBlur(t, s2, win, 1.5);
        using (var t = ga.Mul(gb).ToMat()) Cv2.GaussianBlur(t, s12, win, 1.5);
        double sum = 0; int n = 0;
        for (int y = 0; y < box.Height; y++)
            for (int x = 0; x < box.Width; x++)
            {
                if (rm.At<byte>(y, x) == 0) continue;
                double m1 = mu1.At<float>(y, x), m2 = mu2.At<float>(y, x);
                double v1 = s1.At<float>(y, x) - m1 * m1, v2 = s2.At<float>(y, x) - m2 * m2, cv = s12.At<float>(y, x) - m1 * m2;
                sum += (2 * m1 * m2 + c1) * (2 * cv + c2) / ((m1 * m1 + m2 * m2 + c1) * (v1 + v2 + c2));
                n++;
            }
        return sum / n;
    }

    private static Mat Gray32(Mat bgr)
    {
        using var g = new Mat();
        Cv2.CvtColor(bgr, g, ColorConversionCodes.BGR2GRAY);
        var f = new Mat();
        g.ConvertTo(f, MatType.CV_32F);
        return f;
    }

    /// <summary>A CV_8UC1 mask that is 255 where <paramref name="mask"/> is 0 and 0 elsewhere.</summary>
    internal static Mat InvertMask(Mat mask)
    {
        var inv = new Mat();
        Cv2.Compare(mask, 0, inv, CmpTypes.EQ);
        return inv;
    }
}

/// <summary>Loads benchmark photos: COCO-format sets (with their annotated objects) and plain photo files.</summary>
public static class BenchPhotos
{
    /// <summary>Every image of the set, 8-bit BGR, with the union of its annotations' masks; at most
    /// <paramref name="limit"/> images.</summary>
    public static IEnumerable<(InpaintPhoto Photo, CocoDataset Set, CocoImage Image)> FromCoco(string instances, string imagesDir, int limit = int.MaxValue)
    {
        var coco = CocoDataset.Load(instances);
        foreach (var img in coco.Images.Take(limit))
        {
            using var loaded = Imaging.ImageCodec.Load(coco.ImagePath(img, imagesDir));
            var union = new Mat(loaded.Height, loaded.Width, MatType.CV_8UC1, Scalar.All(0));
            foreach (var a in coco.AnnotationsOf(img.Id))
            {
                using var m = CocoMasks.ToMask(a, loaded.Width, loaded.Height);
                Cv2.BitwiseOr(union, m, union);
            }
            yield return (new InpaintPhoto(img.FileName, loaded.Bgr.Clone(), union), coco, img);
        }
    }

    /// <summary>A photo file without annotations (its object mask is empty).</summary>
    public static InpaintPhoto FromFile(string path)
    {
        using var loaded = Imaging.ImageCodec.Load(path);
        return new InpaintPhoto(Path.GetFileName(path), loaded.Bgr.Clone(), new Mat(loaded.Height, loaded.Width, MatType.CV_8UC1, Scalar.All(0)));
    }
}

/// <summary>Settings of <see cref="EditBench"/>.</summary>
public sealed record EditBenchOptions
{
    /// <summary>Feather band of the compositor, in pixels (the engine's default).</summary>
    public int FeatherPx { get; init; } = 8;
    /// <summary>Most objects per data set (0: all).</summary>
    public int Limit { get; init; }
    /// <summary>Objects smaller than this many mask pixels are skipped.</summary>
    public int MinMaskPx { get; init; } = 100;
    /// <summary>When set, before | after crops (object box padded by 40 px) of the first <see cref="SampleObjects"/>
    /// objects per set are written here as PNG, one per operation.</summary>
    public string? SamplesDir { get; init; }
    /// <summary>Resize every image (bicubic) and mask (nearest) to this width first, keeping the aspect ratio; 0 keeps
    /// the size (for timings at 4000×3000).</summary>
    public int ResizeWidth { get; init; }
    /// <summary>Objects per set written to <see cref="SamplesDir"/>.</summary>
    public int SampleObjects { get; init; } = 3;
    /// <summary>Arguments each operation gets (recolor needs a colour).</summary>
    public IReadOnlyDictionary<string, Dictionary<string, string>> Arguments { get; init; } =
        new Dictionary<string, Dictionary<string, string>>
        {
            [Programs.Operations.Recolor] = new() { ["color"] = "blue" },
            [Programs.Operations.Move] = new() { ["direction"] = "right" },
            [Programs.Operations.Resize] = new() { ["scale"] = "1.5" },
        };
}

/// <summary>Per-operation result of <see cref="EditBench"/>. PSNR (worst edit, dB) and SSIM (mean) compare output and
/// input outside the target mask (the feather band and a removal's grown hole included, so finite where the edit
/// reaches past the mask); PsnrOutsideBand (worst edit) is over the pixels farther than the band from the edited
/// region (∞ when bit-identical). MedianMs: backend edit plus compositing. Verify: objects checked (for remove, only those the detector
/// found before the edit), passed; null when the Verify stage has no check for the operation.</summary>
public sealed record EditOperationScore(string Operation, int Edits, long ChangedOutsideBand, double PsnrOutsideBand,
    double PsnrOutsideMask, double SsimOutsideMask, double MedianMs, int? VerifyChecked, int? VerifyPassed);

/// <summary>One edit of <see cref="EditBench"/>: the operation, backend + compositing time (ms), pixels changed outside
/// the band, PSNR (dB, ∞ when identical) outside the band and outside the mask, SSIM outside the mask, and the verify
/// verdict (null when not checked).</summary>
public sealed record EditSample(string Operation, double Ms, long ChangedOutsideBand, double PsnrOutsideBand, double PsnrOutsideMask,
    double SsimOutsideMask, bool? Verified);

/// <summary>One image of an edit bench run: its file name and every edit made on it, in object then operation order.</summary>
public sealed record EditUnit(string FileName, List<EditSample> Edits);

/// <summary>Applies each operation to each annotated object with its ground-truth mask, composites like the engine,
/// and measures what changed outside the object, the verify pass rate and the time per edit.</summary>
public static class EditBench
{
    /// <summary>Runs <paramref name="operations"/> over every annotation of the sets (instances JSON, images folder);
    /// <paramref name="verifier"/> may be null (verify then not run).</summary>
    public static IReadOnlyList<EditOperationScore> Run(IReadOnlyList<(string Instances, string Images)> sets, IReadOnlyList<string> operations,
        Editing.IEditBackend backend, Verify.Verifier? verifier, EditBenchOptions? options = null, IProgress<string>? log = null) =>
        Summarize(operations, verifier is not null, RunUnits(sets, operations, backend, verifier, ShardSpec.Whole, options, log).Select(u => u.Unit));

    /// <summary>Number of work units of a run: every image of every set, in order (unit i is the i-th).</summary>
    public static int UnitCount(IReadOnlyList<(string Instances, string Images)> sets) => sets.Sum(s => CocoDataset.Load(s.Instances).Images.Count);

    /// <summary>Edit the images <paramref name="shard"/> owns, one unit per image (its index over all sets' images) with
    /// every edit's raw measurements; <see cref="Summarize"/> turns a complete set of units into the scores.
    /// <see cref="EditBenchOptions.Limit"/> counts objects in image order across a set, so it needs the whole run
    /// (<see cref="InputException"/> with a shard).</summary>
    public static IReadOnlyList<(int Index, EditUnit Unit)> RunUnits(IReadOnlyList<(string Instances, string Images)> sets, IReadOnlyList<string> operations,
        Editing.IEditBackend backend, Verify.Verifier? verifier, ShardSpec shard, EditBenchOptions? options = null, IProgress<string>? log = null)
    {
        var o = options ?? new EditBenchOptions();
        if (o.Limit > 0 && shard.Count > 1) throw new InputException("bench edit: --limit counts objects across each whole set, so it cannot be combined with --shard");
        foreach (var op in operations)
            if (!backend.Supports(op)) throw new InputException($"bench edit: the {backend.Name} backend cannot '{op}'");
        var units = new List<(int, EditUnit)>();
        int unit = -1;
        foreach (var (instances, imagesDir) in sets)
        {
            var coco = CocoDataset.Load(instances);
            int done = 0;
            foreach (var img in coco.Images)
            {
                unit++;
                if (o.Limit > 0 && done >= o.Limit) continue;
                if (!shard.Owns(unit)) continue;
                var edits = new List<EditSample>();
                using var input = Resized(Imaging.ImageCodec.Load(coco.ImagePath(img, imagesDir)), o.ResizeWidth);
                foreach (var ann0 in coco.AnnotationsOf(img.Id))
                {
                    if (o.Limit > 0 && done >= o.Limit) break;
                    if (ann0.IsCrowd) continue;
                    double f = (double)input.Width / img.Width;
                    var ann = ann0 with { Box = new Box((float)(ann0.Box.X1 * f), (float)(ann0.Box.Y1 * f), (float)(ann0.Box.X2 * f), (float)(ann0.Box.Y2 * f)) };
                    using var mask = ScaledMask(ann0, img, input);
                    if (Cv2.CountNonZero(mask) < o.MinMaskPx) continue;
                    done++;
                    string label = coco.Category(ann.CategoryId).Name;
                    var probs = new float[Perception.CocoClasses.Names.Length];
                    int ci = Perception.CocoClasses.IndexOf(label);
                    if (ci >= 0) probs[ci] = 1;
                    // the entity id is the object's number in this run (annotation ids are 64-bit and need not fit)
                    var target = new Perception.SceneEntity(done, label, 1f, ann.Box, probs, "", 0);
                    bool? detectedBefore = null;
                    foreach (var op in operations)
                    {
                        var args = o.Arguments.TryGetValue(op, out var a) ? new Dictionary<string, string>(a) : [];
                        var request = new Programs.EditOperation(op, args);
                        var sw = System.Diagnostics.Stopwatch.StartNew();
                        using var r = backend.Apply(new Editing.EditContext(input.Bgr, mask, request, target));
                        using var composite = Editing.Compositor.Composite(input, r.Edited, r.Region, o.FeatherPx);
                        sw.Stop();
                        using var out8 = Imaging.ImageCodec.ToBgr8(composite);
                        if (o.SamplesDir is not null && done <= o.SampleObjects) WriteSample(o.SamplesDir, input.Bgr, r.Bgra ?? out8, mask, $"{op}_{ann.Id}");
                        long changed = Verify.Verifier.ChangedOutsideBand(input.Bgr, out8, r.Region, o.FeatherPx);
                        using var outsideMask = new Mat();
                        Cv2.Compare(mask, 0, outsideMask, CmpTypes.EQ);
                        using var band = OutsideBand(r.Region, o.FeatherPx);
                        double psnrBand = ImageMetrics.Psnr(input.Bgr, out8, band), psnr = ImageMetrics.Psnr(input.Bgr, out8, outsideMask);
                        double ssim = ImageMetrics.Ssim(input.Bgr, out8, outsideMask);
                        bool? verified = null;
                        if (verifier is not null && op is Programs.Operations.Recolor or Programs.Operations.Remove)
                        {
                            // Removal only counts where the detector saw the object before the edit.
                            if (op == Programs.Operations.Remove)
                                detectedBefore ??= !verifier.Verify(input.Bgr, input.Bgr, r.Region, request, [target], mask, o.FeatherPx).Ok;
                            if (op != Programs.Operations.Remove || detectedBefore == true)
                                verified = verifier.Verify(input.Bgr, out8, r.Region, request, [target], mask, o.FeatherPx).Ok == true;
                        }
                        edits.Add(new EditSample(op, sw.Elapsed.TotalMilliseconds, changed, psnrBand, psnr, ssim, verified));
                    }
                    log?.Report($"{Path.GetFileName(img.FileName)} #{ann.Id} {label}: done");
                }
                units.Add((unit, new EditUnit(img.FileName, edits)));
            }
        }
        return units;
    }

    /// <summary>Per-operation scores over a run's units in run order (all of them, from one process or merged from shards):
    /// minima, means and medians over every edit, never of per-shard figures. <paramref name="verified"/>: a verifier ran.</summary>
    public static IReadOnlyList<EditOperationScore> Summarize(IReadOnlyList<string> operations, bool verified, IEnumerable<EditUnit> units)
    {
        var edits = units.SelectMany(u => u.Edits).ToList();
        bool verifies(string op) => verified && op is Programs.Operations.Recolor or Programs.Operations.Remove;
        return operations.Select(op =>
        {
            var s = edits.Where(e => e.Operation == op).ToList();
            int checkedCount = s.Count(e => e.Verified is not null), passed = s.Count(e => e.Verified == true);
            return new EditOperationScore(op, s.Count, s.Sum(e => e.ChangedOutsideBand), s.Count == 0 ? double.NaN : s.Min(e => e.PsnrOutsideBand),
                s.Count == 0 ? double.NaN : s.Min(e => e.PsnrOutsideMask), BenchStats.Mean(s.Select(e => e.SsimOutsideMask).ToList()), BenchStats.Median(s.Select(e => e.Ms)),
                verifies(op) ? checkedCount : null, verifies(op) ? passed : null);
        }).ToList();
    }

    private static Imaging.LoadedImage Resized(Imaging.LoadedImage image, int width)
    {
        if (width <= 0 || width == image.Width) return image;
        var size = new Size(width, (int)Math.Round((double)image.Height * width / image.Width));
        var bgr = new Mat();
        Cv2.Resize(image.Bgr, bgr, size, 0, 0, InterpolationFlags.Cubic);
        var result = new Imaging.LoadedImage(bgr.Clone(), bgr, image.Path, image.Sha256, image.Format);
        image.Dispose();
        return result;
    }

    private static Mat ScaledMask(CocoAnnotation a, CocoImage img, Imaging.LoadedImage input)
    {
        var m = CocoMasks.ToMask(a, img.Width, img.Height);
        if (m.Width == input.Width && m.Height == input.Height) return m;
        var r = new Mat();
        Cv2.Resize(m, r, new Size(input.Width, input.Height), 0, 0, InterpolationFlags.Nearest);
        m.Dispose();
        return r;
    }

    private static void WriteSample(string dir, Mat before, Mat after, Mat mask, string name)
    {
        Directory.CreateDirectory(dir);
        var box = Editing.MaskOps.Pad(Cv2.BoundingRect(mask), 40, before.Size());
        using var a = new Mat(before, box);
        using var b0 = new Mat(after, box);
        using var b = new Mat();
        if (b0.Channels() == 4)
        {
            // Transparent pixels shown as a grey checkerboard.
            using var board = new Mat(b0.Size(), MatType.CV_8UC3, Scalar.All(200));
            int rows = board.Rows, cols = board.Cols;
            for (int y = 0; y < rows; y += 16)
                for (int x = (y / 16 % 2) * 16; x < cols; x += 32)
                    using (var cell = new Mat(board, new Rect(x, y, Math.Min(16, cols - x), Math.Min(16, rows - y)))) cell.SetTo(Scalar.All(150));
            using var alpha = b0.ExtractChannel(3);
            using var bgr = new Mat();
            Cv2.CvtColor(b0, bgr, ColorConversionCodes.BGRA2BGR);
            board.CopyTo(b);
            bgr.CopyTo(b, alpha);
        }
        else b0.CopyTo(b);
        using var strip = new Mat();
        Cv2.HConcat([a, b], strip);
        Cv2.ImWrite(Path.Combine(dir, name + ".png"), strip);
    }

    /// <summary>Pixels farther than <paramref name="featherPx"/> from the region (CV_8UC1, 255 there).</summary>
    private static Mat OutsideBand(Mat region, int featherPx)
    {
        using var grown = Editing.MaskOps.Dilate(region, featherPx);
        var outside = new Mat();
        Cv2.Compare(grown, 0, outside, CmpTypes.EQ);
        return outside;
    }

    /// <summary>An HTML page with one row per operation.</summary>
    public static string Html(IReadOnlyList<EditOperationScore> scores, string title)
    {
        var sb = new System.Text.StringBuilder();
        sb.Append("<!doctype html><meta charset=\"utf-8\"><title>").Append(System.Net.WebUtility.HtmlEncode(title)).Append("</title>");
        sb.Append("<style>body{font-family:sans-serif}td,th{padding:4px 10px;text-align:right}th{background:#eee}</style>");
        sb.Append("<h1>").Append(System.Net.WebUtility.HtmlEncode(title)).Append("</h1><table><tr><th>operation</th><th>edits</th><th>changed outside band</th><th>PSNR outside band</th><th>PSNR outside mask</th><th>SSIM outside mask</th><th>median ms</th><th>verify</th></tr>");
        foreach (var s in scores)
            sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"<tr><td>{s.Operation}</td><td>{s.Edits}</td><td>{s.ChangedOutsideBand}</td><td>{Db(s.PsnrOutsideBand)}</td><td>{Db(s.PsnrOutsideMask)}</td><td>{s.SsimOutsideMask:0.0000}</td><td>{s.MedianMs:0.0}</td><td>{VerifyText(s)}</td></tr>");
        return sb.Append("</table>").ToString();
    }

    /// <summary>"passed/checked (rate)" or "n/a".</summary>
    public static string VerifyText(EditOperationScore s) =>
        s.VerifyChecked is int c && s.VerifyPassed is int p
            ? (c == 0 ? "0/0" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{p}/{c} ({100.0 * p / c:0}%)"))
            : "n/a";

    /// <summary>A PSNR in dB, "∞" for identical.</summary>
    public static string Db(double v) => double.IsPositiveInfinity(v) ? "∞" : v.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Mask quality of one data set: the segmenter run on each annotation's true box, compared with its true mask.
/// IoU values 0..1; Ms: median segmenter time per object.</summary>
public sealed record MaskIouScore(string Set, int Objects, double MeanIou, double MedianIou, double AtLeast50, double AtLeast75, double MedianMs);

/// <summary>Mask IoU of a segmenter against COCO-style annotated masks (the masks every edit is applied through).</summary>
public static class MaskBench
{
    /// <summary>Segments every non-crowd annotation (≥ <paramref name="minMaskPx"/> px) from its true box; at most
    /// <paramref name="limit"/> objects per set (0: all).</summary>
    public static IReadOnlyList<MaskIouScore> Run(IReadOnlyList<(string Instances, string Images)> sets, Perception.ISegmenter segmenter,
        int limit = 0, int minMaskPx = 100, IProgress<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(segmenter);
        var result = new List<MaskIouScore>();
        foreach (var (instances, imagesDir) in sets)
        {
            var coco = CocoDataset.Load(instances);
            var ious = new List<double>();
            var ms = new List<double>();
            foreach (var img in coco.Images)
            {
                if (limit > 0 && ious.Count >= limit) break;
                using var input = Imaging.ImageCodec.Load(coco.ImagePath(img, imagesDir));
                foreach (var ann in coco.AnnotationsOf(img.Id))
                {
                    if (limit > 0 && ious.Count >= limit) break;
                    if (ann.IsCrowd) continue;
                    using var truth = CocoMasks.ToMask(ann, img.Width, img.Height);
                    if (truth.Width != input.Width || truth.Height != input.Height || Cv2.CountNonZero(truth) < minMaskPx) continue;
                    var sw = System.Diagnostics.Stopwatch.StartNew();
                    using var m = segmenter.Segment(input.Bgr, ann.Box);
                    ms.Add(sw.Elapsed.TotalMilliseconds);
                    using var inter = new Mat();
                    using var union = new Mat();
                    Cv2.BitwiseAnd(truth, m.Mask, inter);
                    Cv2.BitwiseOr(truth, m.Mask, union);
                    int u = Cv2.CountNonZero(union);
                    double iou = u == 0 ? 0 : (double)Cv2.CountNonZero(inter) / u;
                    ious.Add(iou);
                    log?.Report(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Path.GetFileName(img.FileName)} #{ann.Id}: mask IoU {iou:0.000}"));
                }
            }
            result.Add(new MaskIouScore(Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(instances))) ?? instances, ious.Count,
                BenchStats.Mean(ious), BenchStats.Median(ious),
                ious.Count == 0 ? double.NaN : ious.Count(v => v >= 0.5) / (double)ious.Count,
                ious.Count == 0 ? double.NaN : ious.Count(v => v >= 0.75) / (double)ious.Count, BenchStats.Median(ms)));
        }
        return result;
    }
}
