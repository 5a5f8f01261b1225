using System.Globalization;
using OpenCvSharp;

namespace InterCoG.Perception.Segmentation;

/// <summary>Sides of a crop that lie on the image's edge (a mask touching them is not a leak).</summary>
[Flags]
public enum ImageEdges
{
    None = 0,
    Left = 1,
    Top = 2,
    Right = 4,
    Bottom = 8,
}

/// <summary>The measurements the automatic segmenter decided on, for the trace: fill = mask share of the box,
/// border = foreground share of the crop's inner border, largest = largest component's share of the mask,
/// contrast = mean probability inside the mask minus outside; Score 0..1; Reason is short text.</summary>
public sealed record SegmentationReport(
    string Method,
    bool Accepted,
    double Score,
    double Fill,
    double BorderTouch,
    double LargestShare,
    double Contrast,
    string Reason)
{
    /// <summary>One-line summary, e.g. "isnet-512 rejected: fill 0.08 < 0.15".</summary>
    public override string ToString() => Accepted ? $"{Method} accepted (quality {Score:F2})" : $"{Method} rejected: {Reason}";
}

/// <summary>Pure quality measures of a probability map over a crop, used to accept or reject an IS-Net mask.</summary>
public static class SegmentationQuality
{
    /// <summary>Assess <paramref name="probability"/> (CV_32FC1, 0..1, the crop's size) with the box at
    /// <paramref name="boxInCrop"/> (crop pixels). <paramref name="imageEdges"/> names crop sides on the image edge.</summary>
    public static SegmentationReport Assess(Mat probability, Rect boxInCrop, ImageEdges imageEdges, SegmenterOptions options, string method)
    {
        if (probability.Type() != MatType.CV_32FC1 || probability.Empty())
            throw new ArgumentException("probability map must be a non-empty CV_32FC1 Mat", nameof(probability));
        using var mask = new Mat();
        Cv2.Threshold(probability, mask, options.MaskThreshold - 1e-6, 255, ThresholdTypes.Binary);
        using var mask8 = new Mat();
        mask.ConvertTo(mask8, MatType.CV_8UC1);
        return Assess(probability, mask8, boxInCrop, imageEdges, options, method);
    }

    /// <summary>As above with the binary mask (CV_8UC1, 0/255) given.</summary>
    internal static SegmentationReport Assess(Mat probability, Mat mask8, Rect boxInCrop, ImageEdges imageEdges, SegmenterOptions options, string method)
    {
        var box = boxInCrop.Intersect(new Rect(0, 0, mask8.Cols, mask8.Rows));
        double boxArea = Math.Max(1, box.Width * box.Height);
        double fill = 0;
        if (box.Width > 0 && box.Height > 0)
        {
            using var inBox = new Mat(mask8, box);
            fill = Cv2.CountNonZero(inBox) / boxArea;
        }
        double border = BorderTouch(mask8, imageEdges);
        double largest = LargestShare(mask8);
        double contrast = Contrast(probability, mask8);

        var reasons = new List<string>();
        var inv = CultureInfo.InvariantCulture;
        if (fill < options.MinFill) reasons.Add(string.Create(inv, $"fill {fill:F2} < {options.MinFill:F2}"));
        if (fill > options.MaxFill) reasons.Add(string.Create(inv, $"fill {fill:F2} > {options.MaxFill:F2}"));
        if (border > options.MaxBorderTouch) reasons.Add(string.Create(inv, $"border {border:F2} > {options.MaxBorderTouch:F2}"));
        if (largest < options.MinLargestShare) reasons.Add(string.Create(inv, $"largest component {largest:F2} < {options.MinLargestShare:F2}"));
        if (contrast < options.MinContrast) reasons.Add(string.Create(inv, $"contrast {contrast:F2} < {options.MinContrast:F2}"));

        // Score: each measure mapped to 0..1 and multiplied, so any single bad measure pulls it down.
        double fillScore = fill < options.MinFill ? fill / Math.Max(1e-9, options.MinFill)
            : fill > options.MaxFill ? Math.Max(0, (1 - fill) / Math.Max(1e-9, 1 - options.MaxFill)) : 1;
        double score = Math.Clamp(fillScore * (1 - border) * largest * Math.Max(0, contrast), 0, 1);
        string reason = reasons.Count == 0 ? "ok" : string.Join("; ", reasons);
        return new SegmentationReport(method, reasons.Count == 0, score, fill, border, largest, contrast, reason);
    }

    /// <summary>Foreground share of the crop's outermost pixel ring, over the sides not on the image edge; 0 when
    /// every side is on the image edge.</summary>
    internal static double BorderTouch(Mat mask8, ImageEdges imageEdges)
    {
        int w = mask8.Cols, h = mask8.Rows;
        long on = 0, total = 0;
        void Count(Rect r)
        {
            total += (long)r.Width * r.Height;
            using var side = new Mat(mask8, r);
            on += Cv2.CountNonZero(side);
        }
        if (!imageEdges.HasFlag(ImageEdges.Left)) Count(new Rect(0, 0, 1, h));
        if (!imageEdges.HasFlag(ImageEdges.Right)) Count(new Rect(w - 1, 0, 1, h));
        if (!imageEdges.HasFlag(ImageEdges.Top)) Count(new Rect(0, 0, w, 1));
        if (!imageEdges.HasFlag(ImageEdges.Bottom)) Count(new Rect(0, h - 1, w, 1));
        return total == 0 ? 0 : (double)on / total;
    }

    /// <summary>Largest 8-connected component's share of all foreground pixels; 0 for an empty mask.</summary>
    internal static double LargestShare(Mat mask8)
    {
        using var labels = new Mat();
        using var stats = new Mat();
        using var centroids = new Mat();
        int n = Cv2.ConnectedComponentsWithStats(mask8, labels, stats, centroids, PixelConnectivity.Connectivity8);
        long total = 0, largest = 0;
        for (int i = 1; i < n; i++)
        {
            int area = stats.At<int>(i, (int)ConnectedComponentsTypes.Area);
            total += area;
            largest = Math.Max(largest, area);
        }
        return total == 0 ? 0 : (double)largest / total;
    }

    /// <summary>Mean probability inside the mask minus mean probability outside it (−1..1); 0 when either is empty.</summary>
    internal static double Contrast(Mat probability, Mat mask8)
    {
        int inside = Cv2.CountNonZero(mask8);
        int outside = mask8.Rows * mask8.Cols - inside;
        if (inside == 0 || outside == 0) return 0;
        using var inv = new Mat();
        Cv2.BitwiseNot(mask8, inv);
        double meanIn = Cv2.Mean(probability, mask8).Val0;
        double meanOut = Cv2.Mean(probability, inv).Val0;
        return meanIn - meanOut;
    }
}
