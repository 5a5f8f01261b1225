using InterCoG.Imaging;
using OpenCvSharp;

namespace InterCoG.Perception.Segmentation;

/// <summary>Box-prompted segmentation with OpenCV's GrabCut (Rother et al., SIGGRAPH 2004) in rectangle mode on the
/// padded crop around the box. OpenCV's thread-local random generator is reseeded before each call, so the same
/// image and box give the same mask.</summary>
public sealed class GrabCutSegmenter(SegmenterOptions? options = null) : ISegmenter
{
    private readonly SegmenterOptions _options = options ?? new SegmenterOptions();

    /// <summary>Seed for OpenCV's generator (GMM initialisation by k-means).</summary>
    public const ulong Seed = 0x1C06u;

    /// <inheritdoc />
    public string Name => "grabcut";

    /// <summary>Mask (CV_8UC1, 255 inside, image size) of the object in <paramref name="box"/> (XYXY pixels of an
    /// 8-bit BGR image); Quality is the quality check's score of the binary result.</summary>
    public MaskResult Segment(Mat bgr, Box box) => SegmentWithReport(bgr, box).Result;

    /// <summary>Mask plus its quality report.</summary>
    public SegmentationOutcome SegmentWithReport(Mat bgr, Box box)
    {
        if (bgr.Empty() || bgr.Type() != MatType.CV_8UC3)
            throw new InputException($"GrabCut needs an 8-bit 3-channel BGR image, got {bgr.Type()}");
        var crop = SegmentationCrop.For(box, bgr.Cols, bgr.Rows, _options);
        using var cropMat = new Mat(bgr, crop.Crop);
        using var image = cropMat.Clone();
        using var labels = new Mat(image.Rows, image.Cols, MatType.CV_8UC1, Scalar.All((int)GrabCutClasses.BGD));
        using var bgdModel = new Mat();
        using var fgdModel = new Mat();
        var rect = crop.BoxInCrop;
        // GrabCut needs background pixels: when the box fills the whole crop, shrink the rectangle by one pixel.
        if (rect.Width >= image.Cols && rect.Height >= image.Rows)
            rect = new Rect(1, 1, Math.Max(1, image.Cols - 2), Math.Max(1, image.Rows - 2));
        Cv2.SetTheRNG(Seed);
        Cv2.GrabCut(image, labels, rect, bgdModel, fgdModel, _options.GrabCutIterations, GrabCutModes.InitWithRect);

        using var fg = new Mat();
        using var prFg = new Mat();
        Cv2.Compare(labels, (int)GrabCutClasses.FGD, fg, CmpTypes.EQ);
        Cv2.Compare(labels, (int)GrabCutClasses.PR_FGD, prFg, CmpTypes.EQ);
        using var mask8 = new Mat();
        Cv2.BitwiseOr(fg, prFg, mask8);
        using var kept = MaskCleanup.KeepComponentsInBox(mask8, crop.ClipInCrop, _options.MinComponentInsideShare);
        using var probability = new Mat();
        kept.ConvertTo(probability, MatType.CV_32FC1, 1 / 255.0);
        var report = SegmentationQuality.Assess(probability, kept, crop.BoxInCrop, crop.Edges, _options, Name);
        var full = crop.ToFullMask(kept, bgr.Cols, bgr.Rows);
        return new SegmentationOutcome(new MaskResult(full, Name, report.Score), report);
    }
}
