using InterCoG.Imaging;
using OpenCvSharp;

namespace InterCoG.Perception;

/// <summary>One detected object. <see cref="ClassProbs"/> has one probability per COCO class (80, in
/// <see cref="CocoClasses.Names"/> order, each objectness × class score, 0..1), so later stages can ask
/// "how likely is this box a bottle" rather than read only the arg-max <see cref="ClassId"/>.</summary>
public sealed record Detection(Box Box, int ClassId, float Score, float[] ClassProbs)
{
    public string Label => CocoClasses.Names[ClassId];

    /// <summary>Probability that this box is <paramref name="classId"/>.</summary>
    public float ProbOf(int classId) => classId >= 0 && classId < ClassProbs.Length ? ClassProbs[classId] : 0f;
}

/// <summary>An object detector over the COCO vocabulary.</summary>
public interface IDetector
{
    /// <summary>Name for traces and reports, e.g. "yolox-nano (416, tiles 2×2+3×3)".</summary>
    string Name { get; }

    /// <summary>Detect objects in an 8-bit BGR image; boxes are in that image's pixels.</summary>
    IReadOnlyList<Detection> Detect(Mat bgr);
}

/// <summary>A mask for one object, the method that made it and a quality score 0..1.</summary>
public sealed record MaskResult(Mat Mask, string Method, double Quality) : IDisposable
{
    public void Dispose() => Mask.Dispose();
}

/// <summary>Segments the object inside a box.</summary>
public interface ISegmenter
{
    string Name { get; }

    /// <summary>Mask (CV_8UC1, 255 inside, the full image's size) of the main object inside <paramref name="box"/>.</summary>
    MaskResult Segment(Mat bgr, Box box);

    /// <summary>Per-image work that does not need a box (a promptable segmenter's image embedding), done ahead so it
    /// can overlap detection; safe to call from another thread. Null (nothing done) for segmenters without such work.</summary>
    Segmentation.SegmenterPreparation? Prepare(Mat bgr) => null;

    /// <summary>The object in <paramref name="box"/> as per-pixel scores (&gt; 0 inside) that compete with other boxes'
    /// scores of the same image; by default the signed distance to the edge of <see cref="Segment"/>'s mask.</summary>
    Segmentation.MaskScores Score(Mat bgr, Box box)
    {
        using var mask = Segment(bgr, box);
        return Segmentation.MaskScores.FromMask(mask);
    }
}
