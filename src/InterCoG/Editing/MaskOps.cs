using OpenCvSharp;

namespace InterCoG.Editing;

/// <summary>Binary-mask helpers (CV_8UC1, non-zero = inside), all working on the mask's bounding ROI for speed.</summary>
public static class MaskOps
{
    /// <summary>Bounding rectangle of the non-zero pixels (x, y, width, height); empty when the mask is empty.</summary>
    public static Rect Bounds(Mat mask)
    {
        CheckMask(mask);
        return Cv2.BoundingRect(mask);
    }

    /// <summary><paramref name="r"/> grown by <paramref name="px"/> on every side, clamped to <paramref name="size"/>.</summary>
    public static Rect Pad(Rect r, int px, Size size)
    {
        int x1 = Math.Max(0, r.X - px), y1 = Math.Max(0, r.Y - px);
        int x2 = Math.Min(size.Width, r.X + r.Width + px), y2 = Math.Min(size.Height, r.Y + r.Height + px);
        return new Rect(x1, y1, Math.Max(0, x2 - x1), Math.Max(0, y2 - y1));
    }

    /// <summary>Number of non-zero pixels.</summary>
    public static int Count(Mat mask) => Cv2.CountNonZero(mask);

    /// <summary>New full-size mask (0/255) grown by a disc of radius <paramref name="radiusPx"/> (Euclidean).</summary>
    public static Mat Dilate(Mat mask, int radiusPx)
    {
        CheckMask(mask);
        var result = new Mat(mask.Size(), MatType.CV_8UC1, Scalar.All(0));
        var bounds = Cv2.BoundingRect(mask);
        if (bounds.Width == 0) return result;
        var roi = Pad(bounds, Math.Max(0, radiusPx) + 1, mask.Size());
        using var src = new Mat(mask, roi);
        using var bin = new Mat();
        Cv2.Threshold(src, bin, 0, 255, ThresholdTypes.Binary);
        using var dst = new Mat(result, roi);
        if (radiusPx <= 0) { bin.CopyTo(dst); return result; }
        // Distance to the nearest inside pixel ≤ radius: an exact Euclidean disc, unlike a large structuring element.
        using var outside = new Mat();
        Cv2.BitwiseNot(bin, outside);
        using var dist = new Mat();
        Cv2.DistanceTransform(outside, dist, DistanceTypes.L2, DistanceTransformMasks.Precise);
        using var grown = new Mat();
        Cv2.Threshold(dist, grown, radiusPx + 0.5, 255, ThresholdTypes.BinaryInv);
        grown.ConvertTo(dst, MatType.CV_8U);
        return result;
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="mask"/> is a non-empty CV_8UC1 Mat.</summary>
    internal static void CheckMask(Mat mask, Size? size = null)
    {
        ArgumentNullException.ThrowIfNull(mask);
        if (mask.Empty() || mask.Type() != MatType.CV_8UC1)
            throw new ArgumentException($"mask must be CV_8UC1, got {(mask.Empty() ? "an empty Mat" : mask.Type().ToString())}", nameof(mask));
        if (size is { } s && mask.Size() != s)
            throw new ArgumentException($"mask is {mask.Width}x{mask.Height}, image is {s.Width}x{s.Height}", nameof(mask));
    }
}
