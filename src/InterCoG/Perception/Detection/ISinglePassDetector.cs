using OpenCvSharp;

namespace InterCoG.Perception;

/// <summary>A detector that runs its network once on one region of an image (a tile or the whole image).</summary>
public interface ISinglePassDetector : IDetector
{
    /// <summary>Side of the square network input in pixels.</summary>
    int InputSize { get; }

    /// <summary>Detect inside <paramref name="region"/> of an 8-bit BGR image. Boxes are XYXY in the full image's
    /// pixels, clamped to the region, with per-class NMS applied and score ≥ the options' MinScore.</summary>
    IReadOnlyList<Detection> DetectRegion(Mat bgr, Rect region);
}
