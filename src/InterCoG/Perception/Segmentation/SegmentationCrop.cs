using InterCoG.Imaging;
using OpenCvSharp;

namespace InterCoG.Perception.Segmentation;

/// <summary>Where a box-prompted segmenter works: the padded crop (image pixels), the box and the clip box inside
/// that crop (crop pixels), and which crop sides lie on the image edge. One place for this arithmetic so the
/// IS-Net and GrabCut paths and the quality check agree.</summary>
public readonly record struct SegmentationCrop(Rect Crop, Rect BoxInCrop, Rect ClipInCrop, ImageEdges Edges)
{
    /// <summary>Crop for <paramref name="box"/> (XYXY image pixels) in an image of <paramref name="width"/>×<paramref name="height"/>;
    /// throws <see cref="InputException"/> when the box has no area inside the image.</summary>
    public static SegmentationCrop For(Box box, int width, int height, SegmenterOptions options)
    {
        var boxRect = box.ToRect(width, height);
        if (boxRect.Width < 2 || boxRect.Height < 2)
            throw new InputException($"box {box} has no area inside the {width}×{height} image");
        var crop = box.Pad(options.PadFraction).ToRect(width, height);
        var clip = box.Pad(options.ClipPadFraction).ToRect(width, height);
        var edges = ImageEdges.None;
        if (crop.X == 0) edges |= ImageEdges.Left;
        if (crop.Y == 0) edges |= ImageEdges.Top;
        if (crop.Right == width) edges |= ImageEdges.Right;
        if (crop.Bottom == height) edges |= ImageEdges.Bottom;
        var offset = new Point(-crop.X, -crop.Y);
        return new SegmentationCrop(crop, boxRect + offset, clip + offset, edges);
    }

    /// <summary>Put a crop-sized CV_8UC1 mask into a new zero mask of the image's size.</summary>
    public Mat ToFullMask(Mat cropMask, int width, int height)
    {
        var full = new Mat(height, width, MatType.CV_8UC1, Scalar.All(0));
        using var roi = new Mat(full, Crop);
        cropMask.CopyTo(roi);
        return full;
    }
}
