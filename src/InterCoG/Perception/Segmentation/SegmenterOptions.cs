namespace InterCoG.Perception.Segmentation;

/// <summary>Options of the box-prompted segmenters, with defaults. Fractions are of the box's width/height;
/// probabilities are 0..1.</summary>
public sealed record SegmenterOptions
{
    /// <summary>IS-Net input side in pixels (the model file isnet_S.onnx is chosen by it; 1024 = the original).</summary>
    public int Resolution { get; init; } = 512;

    /// <summary>Context added around the box on each side before segmenting, as a fraction of the box size.</summary>
    public float PadFraction { get; init; } = 0.2f;

    /// <summary>Margin around the box outside which mask pixels are dropped, as a fraction of the box size.</summary>
    public float ClipPadFraction { get; init; } = 0.05f;

    /// <summary>Probability at or above which an IS-Net pixel is foreground.</summary>
    public float MaskThreshold { get; init; } = 0.5f;

    /// <summary>A component is kept when at least this share of its pixels lies inside the clip box.</summary>
    public double MinComponentInsideShare { get; init; } = 0.3;

    /// <summary>ONNX Runtime intra-op threads for IS-Net.</summary>
    public int IntraOpThreads { get; init; } = 2;

    /// <summary>Quality check: reject an IS-Net mask covering less than this share of the box.</summary>
    public double MinFill { get; init; } = 0.15;

    /// <summary>Quality check: reject an IS-Net mask covering more than this share of the box.</summary>
    public double MaxFill { get; init; } = 0.95;

    /// <summary>Quality check: reject when more than this share of the crop's inner border (sides not on the image
    /// edge) is foreground, i.e. the mask leaks into the surroundings.</summary>
    public double MaxBorderTouch { get; init; } = 0.3;

    /// <summary>Quality check: reject when the largest component holds less than this share of the mask.</summary>
    public double MinLargestShare { get; init; } = 0.6;

    /// <summary>Quality check: reject when mean probability inside the mask minus mean outside is below this
    /// (a grey, undecided map).</summary>
    public double MinContrast { get; init; } = 0.5;

    /// <summary>GrabCut iterations.</summary>
    public int GrabCutIterations { get; init; } = 5;
}
