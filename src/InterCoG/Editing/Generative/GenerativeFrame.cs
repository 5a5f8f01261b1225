using OpenCvSharp;

namespace InterCoG.Editing.Generative;

/// <summary>The one mapping between the input and what a generative server sees: <see cref="Crop"/> is a rectangle in
/// input pixels (XYWH; it may reach past the image border, which is then mirrored in), <see cref="Work"/> the size sent,
/// of the same aspect. Images and masks go out through <see cref="Extract"/>/<see cref="ExtractMask"/> and the painted
/// answer comes back through <see cref="PutBack"/>.</summary>
public sealed record GenerativeFrame(Rect Crop, Size Work)
{
    /// <summary>The frame around <paramref name="grown"/> (the region an edit may change, inside the image): grown by
    /// <paramref name="contextFraction"/> of its size on each side (at least <paramref name="minContextPx"/>, the crop at
    /// least <paramref name="minCropPx"/> a side), then widened to the aspect of the size <paramref name="workSize"/> picks
    /// and moved to lie inside the image where it fits. The crop always contains <paramref name="grown"/>.</summary>
    public static GenerativeFrame Around(Rect grown, Size image, Func<Size, Size> workSize, float contextFraction = 0.5f, int minContextPx = 32, int minCropPx = 192)
    {
        if (grown.Width <= 0 || grown.Height <= 0) throw new ArgumentException("the region to paint is empty", nameof(grown));
        int padX = Math.Max(minContextPx, (int)MathF.Ceiling(contextFraction * grown.Width));
        int padY = Math.Max(minContextPx, (int)MathF.Ceiling(contextFraction * grown.Height));
        double w = Math.Max(minCropPx, grown.Width + 2 * padX), h = Math.Max(minCropPx, grown.Height + 2 * padY);
        // the whole image never needs more than the image (a whole-image edit sends exactly it, unless the aspect forces padding)
        if (grown.Width >= image.Width && grown.Height >= image.Height) (w, h) = (image.Width, image.Height);
        else { w = Math.Min(w, Math.Max(image.Width, grown.Width)); h = Math.Min(h, Math.Max(image.Height, grown.Height)); }
        var work = workSize(new Size((int)Math.Round(w), (int)Math.Round(h)));
        double aspect = (double)work.Width / work.Height;
        if (w / h < aspect) w = h * aspect; else h = w / aspect;
        int cw = (int)Math.Ceiling(w - 1e-9), ch = (int)Math.Ceiling(h - 1e-9);
        int x = Place(grown.X, grown.Width, cw, image.Width), y = Place(grown.Y, grown.Height, ch, image.Height);
        return new GenerativeFrame(new Rect(x, y, cw, ch), work);
    }

    // Start of a span of length `len` centred on [at, at+size), moved inside [0, limit) where it fits, never off the region.
    private static int Place(int at, int size, int len, int limit)
    {
        int start = at + size / 2 - len / 2;
        if (len <= limit) start = Math.Clamp(start, 0, limit - len);
        return Math.Clamp(start, at + size - len, at);
    }

    /// <summary>The crop of <paramref name="bgr"/> (CV_8UC3) resized to <see cref="Work"/>; parts past the border are mirrored.</summary>
    public Mat Extract(Mat bgr)
    {
        using var crop = CropOf(bgr, BorderTypes.Reflect101);
        var out_ = new Mat();
        Cv2.Resize(crop, out_, Work, 0, 0, crop.Width > Work.Width ? InterpolationFlags.Area : InterpolationFlags.Cubic);
        return out_;
    }

    /// <summary>The crop of <paramref name="mask"/> (CV_8UC1, 0/255) at <see cref="Work"/> size, 255 wherever any part of a
    /// sent pixel was inside (a thin region never vanishes); zero past the border.</summary>
    public Mat ExtractMask(Mat mask)
    {
        using var crop = CropOf(mask, BorderTypes.Constant);
        using var resized = new Mat();
        Cv2.Resize(crop, resized, Work, 0, 0, crop.Width > Work.Width ? InterpolationFlags.Area : InterpolationFlags.Linear);
        var bin = new Mat();
        Cv2.Threshold(resized, bin, 0, 255, ThresholdTypes.Binary);
        return bin;
    }

    /// <summary>A copy of <paramref name="bgr"/> with the painted <paramref name="work"/> (CV_8UC3, <see cref="Work"/> size)
    /// scaled back to the crop and written over the crop's part inside the image.</summary>
    public Mat PutBack(Mat bgr, Mat work)
    {
        if (work.Size() != Work) throw new ArgumentException($"painted image is {work.Width}x{work.Height}, the frame sent {Work.Width}x{Work.Height}", nameof(work));
        using var full = new Mat();
        Cv2.Resize(work, full, Crop.Size, 0, 0, Crop.Width < Work.Width ? InterpolationFlags.Area : InterpolationFlags.Cubic);
        var edited = bgr.Clone();
        var inside = Crop.Intersect(new Rect(0, 0, bgr.Width, bgr.Height));
        if (inside.Width <= 0 || inside.Height <= 0) return edited;
        using var from = new Mat(full, new Rect(inside.X - Crop.X, inside.Y - Crop.Y, inside.Width, inside.Height));
        using var to = new Mat(edited, inside);
        from.CopyTo(to);
        return edited;
    }

    private Mat CropOf(Mat src, BorderTypes border)
    {
        var bounds = new Rect(0, 0, src.Width, src.Height);
        var inside = Crop.Intersect(bounds);
        using var roi = new Mat(src, inside);
        int top = inside.Y - Crop.Y, left = inside.X - Crop.X;
        int bottom = Crop.Bottom - inside.Bottom, right = Crop.Right - inside.Right;
        var result = new Mat();
        if (top == 0 && left == 0 && bottom == 0 && right == 0) { roi.CopyTo(result); return result; }
        // a reflection needs a source at least as wide as the padding; mirror repeatedly when the image is small
        var current = roi.Clone();
        while (top > 0 || left > 0 || bottom > 0 || right > 0)
        {
            bool mirror = border == BorderTypes.Reflect101;
            int t = mirror ? Math.Min(top, current.Rows - 1) : top, b = mirror ? Math.Min(bottom, current.Rows - 1) : bottom;
            int l = mirror ? Math.Min(left, current.Cols - 1) : left, r = mirror ? Math.Min(right, current.Cols - 1) : right;
            if (t + b + l + r == 0) { border = BorderTypes.Replicate; continue; }
            var next = new Mat();
            Cv2.CopyMakeBorder(current, next, t, b, l, r, border, Scalar.All(0));
            current.Dispose();
            current = next;
            top -= t; bottom -= b; left -= l; right -= r;
        }
        current.CopyTo(result);
        current.Dispose();
        return result;
    }
}
