using System.Globalization;
using OpenCvSharp;

namespace InterCoG.Editing;

/// <summary>Settings of the masked effects (blur, pixelate, tone, flip, outline).</summary>
public sealed record EffectOptions
{
    /// <summary>Blur σ as a fraction of the object's size (sqrt of its mask area), before the "strength" argument.</summary>
    public double BlurSigmaFraction { get; init; } = 0.06;
    /// <summary>Blurs wider than this σ (pixels) are computed on a downscaled copy of the ROI at σ = this value, then
    /// upsampled (the result is smooth at that scale); 0 = always full resolution.</summary>
    public double BlurMaxWorkingSigmaPx { get; init; } = 6;
    /// <summary>Smallest blur σ in pixels.</summary>
    public double MinBlurSigmaPx { get; init; } = 4;
    /// <summary>Pixelate block side as a fraction of the object's size (sqrt of its mask area).</summary>
    public double BlockFraction { get; init; } = 0.1;
    /// <summary>Smallest pixelate block side in pixels.</summary>
    public int MinBlockPx { get; init; } = 6;
    /// <summary>Default lightness change of brighten/darken, in CIELAB L units (0–100).</summary>
    public double LightnessAmount { get; init; } = 15;
    /// <summary>Default chroma factor of saturate.</summary>
    public double SaturateFactor { get; init; } = 1.6;
    /// <summary>Outline width as a fraction of the image diagonal.</summary>
    public double OutlineFraction { get; init; } = 0.004;
    /// <summary>Smallest outline width in pixels.</summary>
    public int MinOutlinePx { get; init; } = 2;
}

/// <summary>Masked effects on an 8-bit BGR image, each at full resolution on the mask's padded bounding ROI; every
/// pixel outside the returned region is the input's. Masks are CV_8UC1, non-zero inside, image size.</summary>
public static class RegionEffects
{
    /// <summary>Gaussian blur inside the mask with σ = max(MinBlurSigmaPx, BlurSigmaFraction·√area)·strength; the blur
    /// is normalised over the mask so background colour does not bleed in. Returns the edited copy and σ.</summary>
    public static (Mat Edited, double SigmaPx) Blur(Mat bgr, Mat mask, EffectOptions o, double strength = 1)
    {
        double sigma = Math.Max(o.MinBlurSigmaPx, o.BlurSigmaFraction * Math.Sqrt(Cv2.CountNonZero(mask))) * strength;
        var edited = bgr.Clone();
        var roi = MaskOps.Pad(Cv2.BoundingRect(mask), (int)Math.Ceiling(3 * sigma), bgr.Size());
        using var src = new Mat(bgr, roi);
        using var m = new Mat(mask, roi);
        using var f = new Mat();
        src.ConvertTo(f, MatType.CV_32FC3);
        using var w = new Mat();
        m.ConvertTo(w, MatType.CV_32FC1, 1.0 / 255);
        using var w3 = new Mat();
        Cv2.Merge([w, w, w], w3);
        using var fw = f.Mul(w3).ToMat();
        using var num = new Mat();
        using var den = new Mat();
        double scale = o.BlurMaxWorkingSigmaPx > 0 ? Math.Min(1, o.BlurMaxWorkingSigmaPx / sigma) : 1;
        if (scale < 1)
        {
            // A wide blur is smooth: compute it at a reduced scale (σ·scale ≤ BlurMaxWorkingSigmaPx), then upsample.
            var small = new Size(Math.Max(1, (int)Math.Round(roi.Width * scale)), Math.Max(1, (int)Math.Round(roi.Height * scale)));
            using var fwS = new Mat();
            using var wS = new Mat();
            Cv2.Resize(fw, fwS, small, 0, 0, InterpolationFlags.Area);
            Cv2.Resize(w3, wS, small, 0, 0, InterpolationFlags.Area);
            double sx = (double)small.Width / roi.Width;
            Cv2.GaussianBlur(fwS, fwS, new Size(0, 0), sigma * sx);
            Cv2.GaussianBlur(wS, wS, new Size(0, 0), sigma * sx);
            Cv2.Resize(fwS, num, roi.Size, 0, 0, InterpolationFlags.Linear);
            Cv2.Resize(wS, den, roi.Size, 0, 0, InterpolationFlags.Linear);
        }
        else
        {
            Cv2.GaussianBlur(fw, num, new Size(0, 0), sigma);
            Cv2.GaussianBlur(w3, den, new Size(0, 0), sigma);
        }
        using var den2 = new Mat();
        Cv2.Max(den, 1e-6, den2);
        using var q = new Mat();
        Cv2.Divide(num, den2, q);
        using var q8 = new Mat();
        q.ConvertTo(q8, MatType.CV_8UC3);
        using var dst = new Mat(edited, roi);
        q8.CopyTo(dst, m);
        return (edited, sigma);
    }

    /// <summary>Each block (side <paramref name="blockPx"/>, grid anchored at the mask's top-left) takes the mean of its
    /// mask pixels, on the mask only.</summary>
    public static Mat Pixelate(Mat bgr, Mat mask, int blockPx)
    {
        var edited = bgr.Clone();
        var box = Cv2.BoundingRect(mask);
        for (int by = box.Y; by < box.Bottom; by += blockPx)
            for (int bx = box.X; bx < box.Right; bx += blockPx)
            {
                var cell = new Rect(bx, by, Math.Min(blockPx, box.Right - bx), Math.Min(blockPx, box.Bottom - by));
                using var m = new Mat(mask, cell);
                if (Cv2.CountNonZero(m) == 0) continue;
                using var src = new Mat(bgr, cell);
                var mean = Cv2.Mean(src, m);
                using var dst = new Mat(edited, cell);
                dst.SetTo(new Scalar(Math.Round(mean.Val0), Math.Round(mean.Val1), Math.Round(mean.Val2)), m);
            }
        return edited;
    }

    /// <summary>Pixelate block side for an object: max(MinBlockPx, BlockFraction·√area).</summary>
    public static int BlockSize(Mat mask, EffectOptions o) =>
        Math.Max(o.MinBlockPx, (int)Math.Round(o.BlockFraction * Math.Sqrt(Cv2.CountNonZero(mask))));

    /// <summary>In CIELAB inside the mask: L += <paramref name="deltaL"/> (clamped to 0–100), a and b scaled by
    /// <paramref name="chromaFactor"/> (1 keeps chroma, 0 is grayscale).</summary>
    public static unsafe Mat Tone(Mat bgr, Mat mask, double deltaL, double chromaFactor)
    {
        var edited = bgr.Clone();
        var roi = Cv2.BoundingRect(mask);
        using var src = new Mat(bgr, roi);
        using var m = new Mat(mask, roi);
        using var f = new Mat();
        src.ConvertTo(f, MatType.CV_32FC3, 1.0 / 255);
        using var lab = new Mat();
        Cv2.CvtColor(f, lab, ColorConversionCodes.BGR2Lab);
        float dl = (float)deltaL, cf = (float)chromaFactor;
        int rows = lab.Rows, cols = lab.Cols;
        for (int y = 0; y < rows; y++)
        {
            float* p = (float*)lab.Ptr(y);
            for (int x = 0; x < cols; x++)
            {
                p[3 * x] = Math.Clamp(p[3 * x] + dl, 0f, 100f);
                p[3 * x + 1] *= cf;
                p[3 * x + 2] *= cf;
            }
        }
        using var back = new Mat();
        Cv2.CvtColor(lab, back, ColorConversionCodes.Lab2BGR);
        using var b8 = new Mat();
        back.ConvertTo(b8, MatType.CV_8UC3, 255);
        using var dst = new Mat(edited, roi);
        b8.CopyTo(dst, m);
        return edited;
    }

    /// <summary>Mirrors the object inside its mask's bounding box (horizontal: left↔right; vertical: top↔bottom) over
    /// <paramref name="background"/> (the image with the object removed); returns the edited copy and the flipped mask.</summary>
    public static (Mat Edited, Mat FlippedMask) Flip(Mat bgr, Mat mask, Mat background, bool vertical)
    {
        var box = Cv2.BoundingRect(mask);
        var code = vertical ? FlipMode.X : FlipMode.Y;
        using var srcObj = new Mat(bgr, box);
        using var srcMask = new Mat(mask, box);
        using var obj = new Mat();
        using var objMask = new Mat();
        Cv2.Flip(srcObj, obj, code);
        Cv2.Flip(srcMask, objMask, code);
        var edited = background.Clone();
        using (var dst = new Mat(edited, box)) obj.CopyTo(dst, objMask);
        var flipped = new Mat(mask.Size(), MatType.CV_8UC1, Scalar.All(0));
        using (var dst = new Mat(flipped, box)) objMask.CopyTo(dst);
        return (edited, flipped);
    }

    /// <summary>BGRA copy of the image (CV_8UC4, same size) whose alpha is the mask (0 or 255).</summary>
    public static Mat Cutout(Mat bgr, Mat mask)
    {
        var bgra = new Mat();
        Cv2.CvtColor(bgr, bgra, ColorConversionCodes.BGR2BGRA);
        using var bin = new Mat();
        Cv2.Threshold(mask, bin, 0, 255, ThresholdTypes.Binary);
        Cv2.MixChannels([bin], [bgra], [0, 3]);
        return bgra;
    }

    /// <summary>Draws the mask's outer contours, <paramref name="widthPx"/> wide and centred on the mask edge, in
    /// <paramref name="color"/>; returns the edited copy and the drawn band (CV_8UC1).</summary>
    public static (Mat Edited, Mat Drawn) Outline(Mat bgr, Mat mask, Scalar color, int widthPx)
    {
        using var bin = new Mat();
        Cv2.Threshold(mask, bin, 0, 255, ThresholdTypes.Binary);
        Cv2.FindContours(bin, out var contours, out _, RetrievalModes.External, ContourApproximationModes.ApproxNone);
        var drawn = new Mat(mask.Size(), MatType.CV_8UC1, Scalar.All(0));
        Cv2.DrawContours(drawn, contours, -1, Scalar.All(255), widthPx, LineTypes.Link8);
        var edited = bgr.Clone();
        edited.SetTo(color, drawn);
        return (edited, drawn);
    }

    /// <summary>Outline width for an image: max(MinOutlinePx, OutlineFraction·diagonal).</summary>
    public static int OutlineWidth(Size size, EffectOptions o) =>
        Math.Max(o.MinOutlinePx, (int)Math.Round(o.OutlineFraction * Math.Sqrt((double)size.Width * size.Width + (double)size.Height * size.Height)));

}
