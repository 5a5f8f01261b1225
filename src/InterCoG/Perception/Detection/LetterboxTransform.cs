using InterCoG.Imaging;
using OpenCvSharp;

namespace InterCoG.Perception;

/// <summary>Maps a source region of an image onto a model input of <see cref="InputWidth"/>×<see cref="InputHeight"/>
/// pixels by uniform scaling (the region's long side fits) plus padding, and maps boxes back. Boxes are XYXY in
/// pixels; "image" coordinates are those of the full image, "model" coordinates those of the network input.</summary>
/// <param name="Region">The part of the image that is fed to the model (a tile, or the whole image), in image pixels.</param>
/// <param name="Scale">Model pixels per image pixel.</param>
/// <param name="PadX">Left padding in model pixels (0 when placed top-left).</param>
/// <param name="PadY">Top padding in model pixels (0 when placed top-left).</param>
public readonly record struct LetterboxTransform(Rect Region, int InputWidth, int InputHeight, float Scale, float PadX, float PadY)
{
    /// <summary>Letterbox <paramref name="region"/> into an input of <paramref name="inputWidth"/>×<paramref name="inputHeight"/>;
    /// <paramref name="centered"/> splits the padding evenly (Ultralytics), otherwise the region sits top-left (YOLOX).</summary>
    public static LetterboxTransform Create(Rect region, int inputWidth, int inputHeight, bool centered)
    {
        if (region.Width <= 0 || region.Height <= 0) throw new ArgumentException($"empty region {region}", nameof(region));
        float scale = MathF.Min((float)inputWidth / region.Width, (float)inputHeight / region.Height);
        var (w, h) = ScaledSize(region, scale, inputWidth, inputHeight);
        float padX = centered ? (inputWidth - w) / 2 : 0, padY = centered ? (inputHeight - h) / 2 : 0;
        return new LetterboxTransform(region, inputWidth, inputHeight, scale, padX, padY);
    }

    /// <summary>Size in model pixels (width, height) that the region is resized to, at most the input size.</summary>
    public (int Width, int Height) ResizedSize => ScaledSize(Region, Scale, InputWidth, InputHeight);

    private static (int, int) ScaledSize(Rect region, float scale, int inputWidth, int inputHeight) =>
        (Math.Clamp((int)MathF.Round(region.Width * scale), 1, inputWidth), Math.Clamp((int)MathF.Round(region.Height * scale), 1, inputHeight));

    /// <summary>Integer left/top offset at which the resized region is pasted into the input.</summary>
    public (int X, int Y) PasteOffset => ((int)MathF.Floor(PadX), (int)MathF.Floor(PadY));

    /// <summary>Image point (x, y) → model point.</summary>
    public (float X, float Y) ToModel(float x, float y) =>
        ((x - Region.X) * Scale + PasteOffset.X, (y - Region.Y) * Scale + PasteOffset.Y);

    /// <summary>Model point (x, y) → image point.</summary>
    public (float X, float Y) ToImage(float x, float y) =>
        ((x - PasteOffset.X) / Scale + Region.X, (y - PasteOffset.Y) / Scale + Region.Y);

    /// <summary>Image box → model box (not clamped).</summary>
    public Box ToModel(Box b)
    {
        var (x1, y1) = ToModel(b.X1, b.Y1);
        var (x2, y2) = ToModel(b.X2, b.Y2);
        return new Box(x1, y1, x2, y2);
    }

    /// <summary>Model box → image box, clamped to the source region.</summary>
    public Box ToImage(Box b)
    {
        var (x1, y1) = ToImage(b.X1, b.Y1);
        var (x2, y2) = ToImage(b.X2, b.Y2);
        return new Box(Math.Clamp(x1, Region.Left, Region.Right), Math.Clamp(y1, Region.Top, Region.Bottom),
                       Math.Clamp(x2, Region.Left, Region.Right), Math.Clamp(y2, Region.Top, Region.Bottom));
    }

    /// <summary>Resize the region of <paramref name="image"/> into <paramref name="resized"/> (reused buffer) at
    /// <see cref="ResizedSize"/>, with area interpolation when shrinking and bilinear when enlarging.</summary>
    public void ResizeRegion(Mat image, Mat resized)
    {
        using var roi = new Mat(image, Region);
        var (w, h) = ResizedSize;
        var interp = Scale < 1 ? InterpolationFlags.Area : InterpolationFlags.Linear;
        Cv2.Resize(roi, resized, new Size(w, h), 0, 0, interp);
    }
}
