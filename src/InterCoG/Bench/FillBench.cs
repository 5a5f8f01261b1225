using System.Globalization;
using InterCoG.Data;
using InterCoG.Editing;
using OpenCvSharp;

namespace InterCoG.Bench;

/// <summary>Settings of <see cref="FillBench"/>.</summary>
public sealed record FillBenchOptions
{
    /// <summary>Most hole placements (one per photo per round, up to four rounds).</summary>
    public int MaxPlacements { get; init; } = 100;

    /// <summary>Most photos read from each set (0: all).</summary>
    public int MaxPhotos { get; init; }

    /// <summary>Folder for side-by-side strips (truth with the hole outlined, then each fill), or null.</summary>
    public string? SamplesDir { get; init; }

    /// <summary>How many placements get a strip.</summary>
    public int MaxStrips { get; init; } = 16;

    /// <summary>Removal settings (mask growth, shadow, each fill's settings); the method is set per run.</summary>
    public RemoveOptions Remove { get; init; } = new();
}

/// <summary>One fill's scores over every placement: mean PSNR (dB) and mean absolute error (8-bit levels, all channels)
/// of the fill against the true pixels inside the grown hole; the median hole/ring gradient-energy ratio of the result
/// (<see cref="FillMetrics.GradientEnergyRatio"/>: texture kept ≈ the truth's, smear ≪ 1); the median seconds per fill
/// (crop, model, paste; the model's one-time session creation excluded).</summary>
public sealed record FillScore(string Fill, string Name, int Fills, double Psnr, double Mae, double GradientRatio, double SecondsPerFill);

/// <summary>The result of <see cref="FillBench.Run"/>: placements made, median hole sizes (px) and the truth's own median
/// gradient-energy ratio (what a perfect fill scores), and one row per fill.</summary>
public sealed record FillBenchResult(int Placements, double MedianHolePx, double TruthGradientRatio, IReadOnlyList<FillScore> Fills);

/// <summary>Fill benchmark with ground truth: the shape of an annotated object of one photo (its COCO mask) is placed
/// on another photo where no annotated object lies (grown by 12 px), so the pixels under it are known background; the
/// removal grows it as for a real object (halo, contact shadow), each fill fills it, and the result is compared with
/// the true pixels inside the grown hole.</summary>
public static class FillBench
{
    /// <summary>Runs every fill of <paramref name="methods"/> (from <paramref name="fills"/>) on every placement over the
    /// COCO sets <paramref name="sets"/> (instances JSON, images folder).</summary>
    public static FillBenchResult Run(IReadOnlyList<(string Instances, string Images)> sets, IReadOnlyList<FillMethod> methods,
        FillRegistry fills, FillBenchOptions? options = null, IProgress<string>? log = null)
    {
        options ??= new FillBenchOptions();
        if (methods.Count == 0) throw new InputException("bench fill: no fill to run");
        var photos = new List<(InpaintPhoto Photo, string Key)>();
        var shapes = new List<(Mat Shape, string Key)>();
        try
        {
            foreach (var (instances, images) in sets)
                foreach (var (photo, set, img) in BenchPhotos.FromCoco(instances, images, options.MaxPhotos > 0 ? options.MaxPhotos : int.MaxValue))
                {
                    string key = instances + "\n" + img.Id.ToString(CultureInfo.InvariantCulture);
                    photos.Add((photo, key));
                    foreach (var a in set.AnnotationsOf(img.Id).Where(a => !a.IsCrowd))
                    {
                        using var m = CocoMasks.ToMask(a, img.Width, img.Height);
                        var box = Cv2.BoundingRect(m);
                        if (box.Width < 8 || box.Height < 8) continue;
                        using var crop = new Mat(m, box);
                        shapes.Add((crop.Clone(), key));
                    }
                }
            if (photos.Count == 0 || shapes.Count == 0) throw new InputException("bench fill: the sets hold no photo or no annotated shape");
            var placements = Placements(photos, shapes, options.MaxPlacements);
            log?.Report($"{placements.Count} placements on {photos.Count} photos, shapes from {shapes.Count} annotations of other photos");
            return Score(placements, methods, fills, options, log);
        }
        finally
        {
            foreach (var (p, _) in photos) { p.Bgr.Dispose(); p.Objects.Dispose(); }
            foreach (var (s, _) in shapes) s.Dispose();
        }
    }

    /// <summary>Placements in a fixed order: each round visits every photo once with the next shape that comes from
    /// another photo (shapes taken in a stride through the list so sizes and classes mix).</summary>
    private static List<(InpaintPhoto Photo, Mat Mask)> Placements(List<(InpaintPhoto Photo, string Key)> photos, List<(Mat Shape, string Key)> shapes, int max)
    {
        var placed = new List<(InpaintPhoto, Mat)>();
        int next = 0;
        const int Stride = 37;
        for (int round = 0; round < 4 && placed.Count < max; round++)
            foreach (var (photo, key) in photos)
            {
                if (placed.Count >= max) break;
                for (int tries = 0; tries < 8; tries++)
                {
                    var (shape, from) = shapes[(next++ * Stride) % shapes.Count];
                    if (from == key) continue;
                    if (Place(photo, shape, round) is { } mask) { placed.Add((photo, mask)); break; }
                }
            }
        return placed;
    }

    private static FillBenchResult Score(List<(InpaintPhoto Photo, Mat Mask)> placements, IReadOnlyList<FillMethod> methods, FillRegistry fills,
        FillBenchOptions options, IProgress<string>? log)
    {
        var acc = methods.ToDictionary(m => m, _ => (psnr: new List<double>(), mae: new List<double>(), ratio: new List<double>(), s: new List<double>()));
        var truthRatios = new List<double>();
        var holePx = new List<double>();
        var names = methods.ToDictionary(m => m, m => fills.Get(m).Name);
        int k = 0;
        foreach (var (photo, mask) in placements)
        {
            var tiles = new List<(Mat Image, string Label)>();
            Mat? hole = null;
            try
            {
                foreach (var m in methods)
                {
                    var remover = new ObjectRemover(options.Remove with { Fill = m }, fills);
                    var r = remover.Remove(photo.Bgr, mask);
                    using (r.Edited)
                    {
                        if (hole is null)
                        {
                            hole = r.Hole;
                            holePx.Add(Cv2.CountNonZero(hole));
                            if (FillMetrics.GradientEnergyRatio(photo.Bgr, hole) is double tr) truthRatios.Add(tr);
                            if (options.SamplesDir is not null && k < options.MaxStrips) tiles.Add((Outlined(photo.Bgr, hole), "truth"));
                        }
                        else r.Hole.Dispose();
                        var a = acc[m];
                        a.psnr.Add(Math.Min(99, ImageMetrics.Psnr(photo.Bgr, r.Edited, hole)));
                        a.mae.Add(FillMetrics.MeanAbsoluteError(photo.Bgr, r.Edited, hole));
                        if (FillMetrics.GradientEnergyRatio(r.Edited, hole) is double ratio) a.ratio.Add(ratio);
                        a.s.Add(r.FillMs / 1000);
                        if (options.SamplesDir is not null && k < options.MaxStrips) tiles.Add((r.Edited.Clone(), names[m]));
                    }
                }
                if (tiles.Count > 0 && hole is not null) WriteStrip(options.SamplesDir!, k, photo.Name, hole, tiles);
            }
            finally
            {
                foreach (var t in tiles) t.Image.Dispose();
                hole?.Dispose();
                mask.Dispose();
            }
            k++;
            string scores = string.Join(", ", methods.Select(m => string.Create(CultureInfo.InvariantCulture, $"{FillMethods.Name(m)} {acc[m].psnr[^1]:0.0} dB {acc[m].s[^1]:0.00} s")));
            log?.Report($"placement {k}/{placements.Count} {photo.Name}: {scores}");
        }
        var rows = methods.Select(m =>
        {
            var a = acc[m];
            return new FillScore(FillMethods.Name(m), names[m], a.psnr.Count, BenchStats.Mean(a.psnr), BenchStats.Mean(a.mae), BenchStats.Median(a.ratio), BenchStats.Median(a.s));
        }).ToList();
        return new FillBenchResult(placements.Count, BenchStats.Median(holePx), BenchStats.Median(truthRatios), rows);
    }

    /// <summary>Moves (and if needed shrinks) <paramref name="shape"/> (CV_8UC1, cropped to its box) onto the photo
    /// where it touches no annotated object grown by 12 px; scans positions on a grid in a fixed order starting at a
    /// round-dependent phase. Returns the hole mask (image size) or null when no place fits a shape of ≥ 400 px.</summary>
    public static Mat? Place(InpaintPhoto photo, Mat shape, int round)
    {
        var box = Cv2.BoundingRect(shape);
        if (box.Width == 0) return null;
        int w = photo.Bgr.Cols, h = photo.Bgr.Rows;
        using var crop = new Mat(shape, box);
        using var forbidden = MaskOps.Dilate(photo.Objects, 12);
        for (double scale = Math.Min(1.0, 0.45 * Math.Min((double)w / box.Width, (double)h / box.Height)); scale >= 0.2; scale *= 0.75)
        {
            int sw = Math.Max(1, (int)(box.Width * scale)), sh = Math.Max(1, (int)(box.Height * scale));
            using var small = new Mat();
            Cv2.Resize(crop, small, new Size(sw, sh), 0, 0, InterpolationFlags.Nearest);
            if (Cv2.CountNonZero(small) < 400) return null;
            int margin = 16, step = Math.Max(8, Math.Min(sw, sh) / 3);
            var positions = new List<Point>();
            for (int y = margin; y + sh + margin <= h; y += step)
                for (int x = margin; x + sw + margin <= w; x += step) positions.Add(new Point(x, y));
            if (positions.Count == 0) continue;
            int start = (round * 7919) % positions.Count;
            for (int i = 0; i < positions.Count; i++)
            {
                var p = positions[(start + i) % positions.Count];
                using var under = new Mat(forbidden, new Rect(p.X, p.Y, sw, sh));
                using var overlap = new Mat();
                Cv2.BitwiseAnd(under, small, overlap);
                if (Cv2.CountNonZero(overlap) > 0) continue;
                var mask = new Mat(h, w, MatType.CV_8UC1, Scalar.All(0));
                using (var dst = new Mat(mask, new Rect(p.X, p.Y, sw, sh))) small.CopyTo(dst);
                return mask;
            }
        }
        return null;
    }

    private static Mat Outlined(Mat bgr, Mat hole)
    {
        var o = bgr.Clone();
        Cv2.FindContours(hole, out var contours, out _, RetrievalModes.External, ContourApproximationModes.ApproxSimple);
        Cv2.DrawContours(o, contours, -1, new Scalar(0, 0, 255), 1);
        return o;
    }

    /// <summary>One PNG per placement: the crop around the hole of each tile side by side, each named at its top left.</summary>
    private static void WriteStrip(string dir, int k, string photoName, Mat hole, List<(Mat Image, string Label)> tiles)
    {
        Directory.CreateDirectory(dir);
        var box = MaskOps.Pad(Cv2.BoundingRect(hole), 48, hole.Size());
        var crops = tiles.Select(t =>
        {
            Mat c;
            using (var view = new Mat(t.Image, box)) c = view.Clone();
            Cv2.PutText(c, t.Label, new Point(4, 16), HersheyFonts.HersheySimplex, 0.5, Scalar.White, 3);
            Cv2.PutText(c, t.Label, new Point(4, 16), HersheyFonts.HersheySimplex, 0.5, Scalar.Black, 1);
            return c;
        }).ToArray();
        using var strip = new Mat();
        Cv2.HConcat(crops, strip);
        Cv2.ImWrite(Path.Combine(dir, $"fill_{k:000}_{Path.GetFileNameWithoutExtension(photoName)}.png"), strip);
        foreach (var c in crops) c.Dispose();
    }
}

/// <summary>Measures of a fill against the truth and of texture inside a hole.</summary>
public static class FillMetrics
{
    /// <summary>Mean absolute difference of two 8-bit BGR images over the mask's pixels and all channels, in 8-bit levels.</summary>
    public static double MeanAbsoluteError(Mat a, Mat b, Mat mask)
    {
        int n = Cv2.CountNonZero(mask);
        if (n == 0) return 0;
        using var d = new Mat();
        Cv2.Absdiff(a, b, d);
        using (var outside = ImageMetrics.InvertMask(mask)) d.SetTo(Scalar.All(0), outside);
        var s = Cv2.Sum(d);
        return (s.Val0 + s.Val1 + s.Val2) / (3.0 * n);
    }

    /// <summary>Texture kept inside a hole: the mean gradient energy (Sobel 3×3 on 8-bit gray, gx² + gy²) of the hole
    /// eroded by <paramref name="seamPx"/> (the seam at its edge left out) divided by that of the ring from
    /// <paramref name="seamPx"/> to <paramref name="seamPx"/> + <paramref name="ringPx"/> outside it. A smooth smear
    /// scores far below 1, a fill that keeps the surroundings' texture near the truth's own ratio. Null when the eroded
    /// hole or the ring is empty or the ring is flat.</summary>
    public static double? GradientEnergyRatio(Mat bgr, Mat hole, int seamPx = 2, int ringPx = 12)
    {
        var bounds = Cv2.BoundingRect(hole);
        if (bounds.Width == 0) return null;
        var roi = MaskOps.Pad(bounds, seamPx + ringPx + 2, hole.Size());
        using var roiHole = new Mat(hole, roi);
        using var gray = new Mat();
        using (var b = new Mat(bgr, roi)) Cv2.CvtColor(b, gray, ColorConversionCodes.BGR2GRAY);
        using var gx = new Mat();
        using var gy = new Mat();
        Cv2.Sobel(gray, gx, MatType.CV_32F, 1, 0, 3, 1, 0, BorderTypes.Reflect101);
        Cv2.Sobel(gray, gy, MatType.CV_32F, 0, 1, 3, 1, 0, BorderTypes.Reflect101);
        using var energy = new Mat();
        Cv2.Add(gx.Mul(gx), gy.Mul(gy), energy);

        using var inner = new Mat();
        using (var k = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(2 * seamPx + 1, 2 * seamPx + 1)))
            Cv2.Erode(roiHole, inner, k, borderType: BorderTypes.Constant, borderValue: Scalar.All(0));
        using var near = MaskOps.Dilate(roiHole, seamPx);
        using var far = MaskOps.Dilate(roiHole, seamPx + ringPx);
        using var ring = new Mat();
        Cv2.Subtract(far, near, ring);
        if (Cv2.CountNonZero(inner) == 0 || Cv2.CountNonZero(ring) == 0) return null;
        double eIn = Cv2.Mean(energy, inner).Val0, eRing = Cv2.Mean(energy, ring).Val0;
        return eRing <= 1e-9 ? null : eIn / eRing;
    }
}
