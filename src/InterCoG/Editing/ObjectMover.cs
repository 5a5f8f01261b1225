using InterCoG.Imaging;
using OpenCvSharp;

namespace InterCoG.Editing;

/// <summary>Settings of move, resize and duplicate.</summary>
public sealed record GeometryOptions
{
    /// <summary>"move it left" without a distance: the shift in units of the object's box width (left/right) or height
    /// (up/down); it is then shortened so the box stays inside the image.</summary>
    public double DirectionStepFraction { get; init; } = 1.0;
    /// <summary>Gap between the object and its destination anchor or its duplicate, as a fraction of the object's box width.</summary>
    public double GapFraction { get; init; } = 0.05;
    /// <summary>Gaussian σ of the pasted object's alpha edge, in pixels of the pasted object (0 = hard edge).</summary>
    public double FeatherSigmaPx { get; init; } = 1.2;
    /// <summary>Largest allowed resize factor (and 1 / smallest).</summary>
    public double MaxScale { get; init; } = 8;
}

/// <summary>Where a moved / resized / duplicated object went: its box before and after (XYXY, full-image pixels; the
/// new box may reach outside the image, the pasted part is clipped), and the mask of what was pasted (CV_8UC1).</summary>
public sealed record PlacementOutcome(Mat Edited, Mat Region, Mat PastedMask, Box OldBox, Box NewBox, int DilateRadiusPx) : IDisposable
{
    /// <summary>The fill that filled the vacated place ("MI-GAN", "Telea", …), or null for a duplicate.</summary>
    public string? FillName { get; init; }

    public void Dispose() { Edited.Dispose(); Region.Dispose(); PastedMask.Dispose(); }
}

/// <summary>Cuts the object by its mask and pastes it at a new place and scale with a feathered alpha edge; for
/// move and resize the vacated area is first filled as a removal (with <paramref name="fill"/>, null: the remover's
/// default). Deterministic.</summary>
public sealed class ObjectMover(ObjectRemover remover, GeometryOptions? options = null, FillMethod? fill = null)
{
    /// <summary>The settings in use.</summary>
    public GeometryOptions Options { get; } = options ?? new GeometryOptions();

    /// <summary>Pastes the object under <paramref name="mask"/> (CV_8UC1) with its box mapped onto
    /// <paramref name="newBox"/> (XYXY px, any size, may cross the image border). <paramref name="keepOriginal"/>:
    /// duplicate (the original stays); otherwise the original is removed first. The region covers the filled hole
    /// and the pasted object. <paramref name="forbidden"/>: fill sources to avoid (see <see cref="ObjectRemover.Remove(Mat, Mat, Mat?, FillMethod?)"/>).</summary>
    public PlacementOutcome Place(Mat bgr, Mat mask, Box newBox, bool keepOriginal, Mat? forbidden = null)
    {
        Recolorer.CheckImage(bgr);
        MaskOps.CheckMask(mask, bgr.Size());
        var box = Cv2.BoundingRect(mask);
        if (box.Width == 0) throw new InputException("the target mask is empty");
        var oldBox = new Box(box.X, box.Y, box.X + box.Width, box.Y + box.Height);
        Mat background, region;
        int dilate = 0;
        string? fillName = null;
        if (keepOriginal)
        {
            background = bgr.Clone();
            region = new Mat(bgr.Size(), MatType.CV_8UC1, Scalar.All(0));
        }
        else
        {
            var removed = remover.Remove(bgr, mask, forbidden, fill);
            background = removed.Edited;
            region = removed.Hole;
            dilate = removed.DilateRadiusPx;
            fillName = removed.FillName;
        }

        var pasted = new Mat(bgr.Size(), MatType.CV_8UC1, Scalar.All(0));
        int nw = Math.Max(1, (int)Math.Round(newBox.Width)), nh = Math.Max(1, (int)Math.Round(newBox.Height));
        int nx = (int)Math.Round(newBox.X1), ny = (int)Math.Round(newBox.Y1);
        var dest = new Rect(nx, ny, nw, nh);
        var visible = dest.Intersect(new Rect(0, 0, bgr.Cols, bgr.Rows));
        if (visible.Width > 0 && visible.Height > 0)
        {
            using var srcObj = new Mat(bgr, box);
            using var srcMask = new Mat(mask, box);
            using var alpha8 = new Mat();
            Cv2.Threshold(srcMask, alpha8, 0, 255, ThresholdTypes.Binary);
            var interp = nw < box.Width ? InterpolationFlags.Area : InterpolationFlags.Linear;
            using var obj = new Mat();
            Cv2.Resize(srcObj, obj, new Size(nw, nh), 0, 0, interp);
            using var alphaF = new Mat();
            alpha8.ConvertTo(alphaF, MatType.CV_32FC1, 1.0 / 255);
            using var alpha = new Mat();
            Cv2.Resize(alphaF, alpha, new Size(nw, nh), 0, 0, interp);
            if (Options.FeatherSigmaPx > 0)
                Cv2.GaussianBlur(alpha, alpha, new Size(0, 0), Options.FeatherSigmaPx);
            var inDest = new Rect(visible.X - nx, visible.Y - ny, visible.Width, visible.Height);
            Blend(background, visible, new Mat(obj, inDest), new Mat(alpha, inDest), pasted);
        }
        Cv2.BitwiseOr(region, pasted, region);
        return new PlacementOutcome(background, region, pasted, oldBox, newBox, dilate) { FillName = fillName };
    }

    private static unsafe void Blend(Mat image, Rect at, Mat obj, Mat alpha, Mat pasted)
    {
        using (obj)
        using (alpha)
        using (var dst = new Mat(image, at))
        using (var pm = new Mat(pasted, at))
        {
            for (int y = 0; y < at.Height; y++)
            {
                byte* d = (byte*)dst.Ptr(y), o = (byte*)obj.Ptr(y), p = (byte*)pm.Ptr(y);
                float* a = (float*)alpha.Ptr(y);
                for (int x = 0; x < at.Width; x++)
                {
                    float w = Math.Clamp(a[x], 0f, 1f);
                    if (w < 1f / 512) continue;
                    p[x] = 255;
                    for (int c = 0; c < 3; c++)
                        d[3 * x + c] = (byte)Math.Clamp(MathF.Round(d[3 * x + c] + w * (o[3 * x + c] - d[3 * x + c])), 0f, 255f);
                }
            }
        }
    }

    /// <summary>The box shifted by (dx, dy) pixels.</summary>
    public static Box Shift(Box b, double dx, double dy) => new((float)(b.X1 + dx), (float)(b.Y1 + dy), (float)(b.X2 + dx), (float)(b.Y2 + dy));

    /// <summary>Shift for "move it left/right/up/down" without a distance: one box width / height times
    /// <see cref="GeometryOptions.DirectionStepFraction"/>, shortened to keep the box inside the image (x right, y down).</summary>
    public (double Dx, double Dy) DirectionShift(Box b, string direction, Size image)
    {
        double step = Options.DirectionStepFraction;
        return direction switch
        {
            "left" => (-Math.Min(step * b.Width, b.X1), 0),
            "right" => (Math.Min(step * b.Width, image.Width - b.X2), 0),
            "up" => (0, -Math.Min(step * b.Height, b.Y1)),
            "down" => (0, Math.Min(step * b.Height, image.Height - b.Y2)),
            _ => throw new InputException($"move: unknown direction '{direction}' (left, right, up, down)"),
        };
    }

    /// <summary>Box of the same size as <paramref name="b"/> placed by <paramref name="relation"/> (left_of, right_of,
    /// above, below, in_front_of; anything else = next_to: the side with more room) relative to
    /// <paramref name="anchor"/>, bottoms aligned for side placements, then moved inside the image where it fits.</summary>
    public Box NextTo(Box b, Box anchor, string relation, Size image)
    {
        float gap = (float)(Options.GapFraction * b.Width), w = b.Width, h = b.Height;
        if (relation is not ("left_of" or "right_of" or "above" or "below" or "in_front_of"))
            relation = image.Width - anchor.X2 >= anchor.X1 ? "right_of" : "left_of";
        Box r = relation switch
        {
            "left_of" => new Box(anchor.X1 - gap - w, anchor.Y2 - h, anchor.X1 - gap, anchor.Y2),
            "right_of" => new Box(anchor.X2 + gap, anchor.Y2 - h, anchor.X2 + gap + w, anchor.Y2),
            "above" => new Box(anchor.CenterX - w / 2, anchor.Y1 - gap - h, anchor.CenterX + w / 2, anchor.Y1 - gap),
            "below" => new Box(anchor.CenterX - w / 2, anchor.Y2 + gap, anchor.CenterX + w / 2, anchor.Y2 + gap + h),
            _ => new Box(anchor.CenterX - w / 2, anchor.Y2 + gap - h * 0.5f, anchor.CenterX + w / 2, anchor.Y2 + gap + h * 0.5f),
        };
        return Inside(r, image);
    }

    /// <summary>Where a duplicate goes: beside the original on the side with room (right first), bottoms aligned.</summary>
    public Box DuplicateBox(Box b, Size image)
    {
        float gap = (float)(Options.GapFraction * b.Width);
        var right = new Box(b.X2 + gap, b.Y1, b.X2 + gap + b.Width, b.Y2);
        var left = new Box(b.X1 - gap - b.Width, b.Y1, b.X1 - gap, b.Y2);
        float roomRight = image.Width - b.X2, roomLeft = b.X1;
        return Inside(roomRight >= b.Width + gap || roomRight >= roomLeft ? right : left, image);
    }

    /// <summary>The box scaled by <paramref name="scale"/> about its bottom centre (the contact point stays put).</summary>
    public Box Scaled(Box b, double scale)
    {
        if (!(scale > 0) || scale > Options.MaxScale || scale < 1 / Options.MaxScale)
            throw new InputException($"resize: scale must be between {1 / Options.MaxScale:0.###} and {Options.MaxScale:0.#}, got {scale:0.###}");
        float w = (float)(b.Width * scale), h = (float)(b.Height * scale);
        return new Box(b.CenterX - w / 2, b.Y2 - h, b.CenterX + w / 2, b.Y2);
    }

    /// <summary>Moves a box inside the image where it fits (a box larger than the image is left as it is on that axis).</summary>
    public static Box Inside(Box r, Size image)
    {
        float dx = 0, dy = 0;
        if (r.Width <= image.Width) dx = r.X1 < 0 ? -r.X1 : r.X2 > image.Width ? image.Width - r.X2 : 0;
        if (r.Height <= image.Height) dy = r.Y1 < 0 ? -r.Y1 : r.Y2 > image.Height ? image.Height - r.Y2 : 0;
        return new Box(r.X1 + dx, r.Y1 + dy, r.X2 + dx, r.Y2 + dy);
    }
}
