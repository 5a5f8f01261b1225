using OpenCvSharp;
using CvXPhoto = OpenCvSharp.XPhoto.CvXPhoto;
using XPhotoInpaint = OpenCvSharp.XPhoto.InpaintTypes;

namespace InterCoG.Editing;

/// <summary>How a removal fills its hole.</summary>
public enum RemoveMethod
{
    /// <summary>Exemplar-based fill on a pyramid (<see cref="PatchInpainter"/>): continues texture and straight edges.</summary>
    Patch,
    /// <summary>OpenCV's Telea inpainting plus mirrored fine texture: smooth, blurs holes wider than ~15 px.</summary>
    Telea,
    /// <summary>OpenCV contrib xphoto shift-map inpainting (He and Sun 2012), run in CIELab.</summary>
    ShiftMap,
    /// <summary>OpenCV contrib xphoto frequency-selective reconstruction, fast preset.</summary>
    FsrFast,
}

/// <summary>Removal settings.</summary>
public sealed record RemoveOptions
{
    /// <summary>Fill method. Telea by default: the exemplar fill scores better on background patches but pastes
    /// pieces of neighbouring objects into real removals (bench/INPAINT.md).</summary>
    public RemoveMethod Method { get; init; } = RemoveMethod.Telea;

    /// <summary>Exemplar fill settings (used when <see cref="Method"/> is <see cref="RemoveMethod.Patch"/>).</summary>
    public PatchFillOptions Patch { get; init; } = new();

    /// <summary>Fixed growth of the mask before filling, in pixels (covers the mask's edge error and halo).</summary>
    public int DilatePx { get; init; } = 4;

    /// <summary>Extra growth as a fraction of the object's size (sqrt of its mask area), to cover the contact shadow.</summary>
    public double DilateFraction { get; init; } = 0.04;

    /// <summary>Neighbourhood radius of OpenCV's Telea inpainting, in pixels.</summary>
    public double InpaintRadiusPx { get; init; } = 3;

    /// <summary>Holes larger than this many pixels are filled at a lower resolution first (image pyramid).</summary>
    public int MaxFullResHolePixels { get; init; } = 6_000;

    /// <summary>Width of the hole's rim re-inpainted at full resolution after a reduced-scale fill, in pixels.</summary>
    public int RefineRimPx { get; init; } = 3;

    /// <summary>Scale of the fine texture (image minus its Gaussian blur of this sigma, in pixels) mirrored into the
    /// smooth fill from across the hole's edge; 0 turns texture off.</summary>
    public double TextureSigmaPx { get; init; } = 1.5;

    /// <summary>Context kept around the hole's box, in pixels at least.</summary>
    public int MinContextPx { get; init; } = 24;

    /// <summary>Context as a fraction of the hole box's longer side (Telea and xphoto).</summary>
    public double ContextFraction { get; init; } = 0.25;

    /// <summary>Context as a fraction of the hole box's longer side for the exemplar fill (its source band).</summary>
    public double PatchContextFraction { get; init; } = 0.75;

    /// <summary>Contact shadow: the hole also grows downward by this fraction of the mask's height, keeping only
    /// pixels darker than the ring around the object (0 turns it off).</summary>
    public double ShadowFraction { get; init; } = 0.06;

    /// <summary>A shadow pixel must be at least this much darker (8-bit grey levels) than the ring's median.</summary>
    public double ShadowMinDarkening { get; init; } = 12;

    /// <summary>Other detections with at least this score are forbidden fill sources (their boxes).</summary>
    public float ForbiddenMinScore { get; init; } = 0.3f;

    /// <summary>…unless their box covers at least this fraction of the target's box (the target's own backdrop).</summary>
    public double ForbiddenMaxCover { get; init; } = 0.5;
}

/// <summary>What a removal did: the filled image, the hole it filled (CV_8UC1 0/255, image size), the mask growth in
/// pixels and the scale the fill was computed at (1 = full resolution).</summary>
public sealed record RemoveOutcome(Mat Edited, Mat Hole, int DilateRadiusPx, double Scale);

/// <summary>Removes the object under a mask: grows the mask, then fills the hole on a ROI around it, by default with
/// Telea (see <see cref="RemoveOptions.Method"/>; <see cref="RemoveMethod"/> picks the exemplar fill of
/// <see cref="PatchInpainter"/> or xphoto instead). The Telea path (A. Telea, "An image inpainting technique based
/// on the fast marching method", 2004) fills large holes at a reduced scale, upsamples, re-inpaints their rim at full
/// resolution and adds fine texture mirrored from across the hole edge.</summary>
public sealed class ObjectRemover(RemoveOptions? options = null)
{
    /// <summary>The settings in use.</summary>
    public RemoveOptions Options { get; } = options ?? new RemoveOptions();

    /// <summary>Fills the dilated <paramref name="mask"/> in <paramref name="bgr"/> (CV_8UC3); pixels outside the hole
    /// are unchanged in <see cref="RemoveOutcome.Edited"/>.</summary>
    public RemoveOutcome Remove(Mat bgr, Mat mask) => Remove(bgr, mask, null);

    /// <summary>As <see cref="Remove(Mat, Mat)"/>, but pixels under <paramref name="forbidden"/> (CV_8UC1, image size,
    /// non-zero = another object, e.g. the scene's other boxes) are never fill sources: Telea treats them as unknown
    /// too, the exemplar fill never copies a patch touching them.</summary>
    public RemoveOutcome Remove(Mat bgr, Mat mask, Mat? forbidden)
    {
        Recolorer.CheckImage(bgr);
        MaskOps.CheckMask(mask, bgr.Size());
        int area = Cv2.CountNonZero(mask);
        if (area == 0)
            throw new InputException("remove: the target mask is empty");
        int radius = Options.DilatePx + (int)Math.Round(Options.DilateFraction * Math.Sqrt(area));
        var hole = MaskOps.Dilate(mask, radius);
        if (Options.ShadowFraction > 0) AddContactShadow(bgr, mask, hole);
        var holeBox = Cv2.BoundingRect(hole);
        double fraction = Options.Method == RemoveMethod.Patch ? Options.PatchContextFraction : Options.ContextFraction;
        int context = Math.Max(Options.MinContextPx, (int)Math.Ceiling(fraction * Math.Max(holeBox.Width, holeBox.Height)));
        var roi = MaskOps.Pad(holeBox, context, bgr.Size());

        using var roiBgr = new Mat(bgr, roi);
        using var roiHoleOnly = new Mat(hole, roi);
        // Forbidden pixels outside the hole: unknown for Telea (filled and thrown away), never a patch source.
        using var roiForbidden = new Mat(roi.Size, MatType.CV_8UC1, Scalar.All(0));
        if (forbidden is not null)
        {
            MaskOps.CheckMask(forbidden, bgr.Size());
            using var f = new Mat(forbidden, roi);
            using var notHole = new Mat();
            Cv2.BitwiseNot(roiHoleOnly, notHole);
            Cv2.BitwiseAnd(f, notHole, roiForbidden);
            // keep a known rim around the hole so the fill still meets its surroundings
            using var rim = MaskOps.Dilate(roiHoleOnly, Math.Max(2, Options.DilatePx));
            using var rimOnly = new Mat();
            Cv2.BitwiseAnd(rim, notHole, rimOnly);
            using var notRim = new Mat();
            Cv2.BitwiseNot(rimOnly, notRim);
            Cv2.BitwiseAnd(roiForbidden, notRim, roiForbidden);
            // never forbid everything: at least a tenth of the ROI must stay known
            if (Cv2.CountNonZero(roiForbidden) + Cv2.CountNonZero(roiHoleOnly) > 0.9 * roi.Width * roi.Height) roiForbidden.SetTo(Scalar.All(0));
        }
        using var roiHole = new Mat();
        Cv2.BitwiseOr(roiHoleOnly, roiForbidden, roiHole);
        int holePx = Cv2.CountNonZero(roiHole);
        using var filled = new Mat();
        double scale = 1;
        var edited = bgr.Clone();
        if (Options.Method != RemoveMethod.Telea)
        {
            using var result = Options.Method switch
            {
                RemoveMethod.Patch => new PatchInpainter(Options.Patch).Fill(roiBgr, roiHoleOnly, roiForbidden),
                _ => XPhotoFill(roiBgr, roiHole, Options.Method),
            };
            using (var dst = new Mat(edited, roi)) result.CopyTo(dst, roiHoleOnly);
            return new RemoveOutcome(edited, hole, radius, scale);
        }
        if (holePx <= Options.MaxFullResHolePixels)
        {
            Cv2.Inpaint(roiBgr, roiHole, filled, Options.InpaintRadiusPx, InpaintTypes.Telea);
        }
        else
        {
            scale = Math.Sqrt((double)Options.MaxFullResHolePixels / holePx);
            FillCoarseThenRefine(roiBgr, roiHole, scale, filled);
        }

        if (Options.TextureSigmaPx > 0) AddMirroredTexture(roiBgr, roiHole, filled);
        using (var dst = new Mat(edited, roi)) filled.CopyTo(dst, roiHoleOnly);
        return new RemoveOutcome(edited, hole, radius, scale);
    }

    /// <summary>Adds to <paramref name="hole"/> the pixels below the object (up to ShadowFraction of its height) that are
    /// darker than the median grey of a ring around the hole by ShadowMinDarkening and connect to the hole.</summary>
    private unsafe void AddContactShadow(Mat bgr, Mat mask, Mat hole)
    {
        var box = Cv2.BoundingRect(mask);
        int reach = (int)Math.Round(Options.ShadowFraction * box.Height);
        if (reach < 2) return;
        var roi = MaskOps.Pad(Cv2.BoundingRect(hole), reach + 8, bgr.Size());
        using var roiHole = new Mat(hole, roi);
        using var gray = new Mat();
        using (var b = new Mat(bgr, roi)) Cv2.CvtColor(b, gray, ColorConversionCodes.BGR2GRAY);
        // downward reach: the hole dilated by a vertical line below each pixel
        using var down = new Mat();
        using (var k = Mat.Ones(2 * reach + 1, 1, MatType.CV_8UC1).ToMat())
        {
            using (var below = k.RowRange(reach + 1, 2 * reach + 1)) below.SetTo(Scalar.All(0)); // dst(y) = max src(y − reach .. y): grows downward
            Cv2.Dilate(roiHole, down, k, new Point(0, reach));
        }
        using var ring = new Mat();
        using (var grown = new Mat())
        using (var k = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(2 * 8 + 1, 2 * 8 + 1)))
        {
            Cv2.Dilate(roiHole, grown, k);
            Cv2.BitwiseOr(roiHole, down, ring);
            Cv2.Subtract(grown, ring, ring);
        }
        int rows = roi.Height, cols = roi.Width;
        // median grey of the ring from its histogram
        var hist = new long[256];
        long ringCount = 0;
        for (int y = 0; y < rows; y++)
        {
            byte* r = (byte*)ring.Ptr(y), g = (byte*)gray.Ptr(y);
            for (int x = 0; x < cols; x++)
                if (r[x] != 0) { hist[g[x]]++; ringCount++; }
        }
        if (ringCount < 16) return;
        int median = 0;
        for (long seen = 0; median < 255 && (seen += hist[median]) <= ringCount / 2; median++) { }
        double limit = median - Options.ShadowMinDarkening;
        using var dark = new Mat();
        Cv2.Threshold(gray, dark, limit, 255, ThresholdTypes.BinaryInv);
        using var candidate = new Mat();
        Cv2.BitwiseAnd(down, dark, candidate);
        Cv2.BitwiseOr(candidate, roiHole, candidate);
        // keep only the dark pixels connected to the hole
        using var labels = new Mat();
        int n = Cv2.ConnectedComponents(candidate, labels, PixelConnectivity.Connectivity8);
        var keep = new bool[Math.Max(1, n)];
        for (int y = 0; y < rows; y++)
        {
            byte* h = (byte*)roiHole.Ptr(y);
            int* l = (int*)labels.Ptr(y);
            for (int x = 0; x < cols; x++)
                if (h[x] != 0 && (uint)l[x] < (uint)keep.Length) keep[l[x]] = true;
        }
        for (int y = 0; y < rows; y++)
        {
            byte* h = (byte*)roiHole.Ptr(y), c = (byte*)candidate.Ptr(y);
            int* l = (int*)labels.Ptr(y);
            for (int x = 0; x < cols; x++)
                if (c[x] != 0 && h[x] == 0 && (uint)l[x] < (uint)keep.Length && keep[l[x]]) h[x] = 255;
        }
    }

    /// <summary>The scene's other boxes as a forbidden-source mask (CV_8UC1, <paramref name="size"/>): every box except
    /// those covering at least <paramref name="maxCover"/> of the target's box (what the target stands on or in front
    /// of — its own background).</summary>
    public static Mat ForbiddenFromBoxes(Size size, Imaging.Box target, IEnumerable<Imaging.Box> others, double maxCover = 0.5)
    {
        var m = new Mat(size, MatType.CV_8UC1, Scalar.All(0));
        foreach (var b in others)
        {
            if (b.Intersect(target).Area >= maxCover * Math.Max(1, target.Area)) continue;
            var r = b.ToRect(size.Width, size.Height);
            if (r.Width > 0 && r.Height > 0) m[r].SetTo(Scalar.All(255));
        }
        return m;
    }

    /// <summary>OpenCV contrib xphoto inpainting (mask there marks the known pixels); shift-map runs on CIELab.</summary>
    private static Mat XPhotoFill(Mat roiBgr, Mat roiHole, RemoveMethod method)
    {
        using var known = new Mat();
        Cv2.BitwiseNot(roiHole, known);
        var dst = new Mat();
        if (method == RemoveMethod.ShiftMap)
        {
            using var lab = new Mat();
            Cv2.CvtColor(roiBgr, lab, ColorConversionCodes.BGR2Lab);
            using var labOut = new Mat();
            CvXPhoto.Inpaint(lab, known, labOut, XPhotoInpaint.SHIFTMAP);
            Cv2.CvtColor(labOut, dst, ColorConversionCodes.Lab2BGR);
        }
        else
        {
            using var src = roiBgr.Clone();
            CvXPhoto.Inpaint(src, known, dst, XPhotoInpaint.FSR_FAST);
        }
        return dst;
    }

    /// <summary>Inpaints at <paramref name="scale"/> (&lt; 1), upsamples into the hole, then re-inpaints a rim inside
    /// the hole's edge at full resolution so the seam to the known pixels is sharp.</summary>
    private void FillCoarseThenRefine(Mat roiBgr, Mat roiHole, double scale, Mat filled)
    {
        var small = new Size(Math.Max(1, (int)Math.Round(roiBgr.Cols * scale)), Math.Max(1, (int)Math.Round(roiBgr.Rows * scale)));
        using var smallBgr = new Mat();
        Cv2.Resize(roiBgr, smallBgr, small, 0, 0, InterpolationFlags.Area);
        // Any coarse pixel touching the hole is unknown, so no object colour leaks into the coarse fill.
        using var smallHoleAvg = new Mat();
        Cv2.Resize(roiHole, smallHoleAvg, small, 0, 0, InterpolationFlags.Area);
        using var smallHole = new Mat();
        Cv2.Threshold(smallHoleAvg, smallHole, 0, 255, ThresholdTypes.Binary);
        using (var k = Cv2.GetStructuringElement(MorphShapes.Rect, new Size(3, 3)))
            Cv2.Dilate(smallHole, smallHole, k);
        using var smallFilled = new Mat();
        Cv2.Inpaint(smallBgr, smallHole, smallFilled, Options.InpaintRadiusPx, InpaintTypes.Telea);
        using var up = new Mat();
        Cv2.Resize(smallFilled, up, roiBgr.Size(), 0, 0, InterpolationFlags.Linear);

        using var coarse = roiBgr.Clone();
        up.CopyTo(coarse, roiHole);
        // Rim: hole pixels within a few pixels of its edge, where the upsampled fill meets the sharp surroundings.
        int rim = Options.RefineRimPx;
        using var inner = new Mat();
        using (var k = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(2 * rim + 1, 2 * rim + 1)))
            Cv2.Erode(roiHole, inner, k);
        using var rimMask = new Mat();
        Cv2.Subtract(roiHole, inner, rimMask);
        Cv2.Inpaint(coarse, rimMask, filled, Options.InpaintRadiusPx, InpaintTypes.Telea);
    }

    /// <summary>Inpainting leaves a smooth fill; this adds back fine texture: each hole pixel at distance d from its
    /// nearest known pixel p takes the detail (image − blur) of the known pixel mirrored across p (2p − x), when that
    /// pixel is known and inside the ROI.</summary>
    private unsafe void AddMirroredTexture(Mat roiBgr, Mat roiHole, Mat filled)
    {
        int rows = roiBgr.Rows, cols = roiBgr.Cols;
        using var blur = new Mat();
        Cv2.GaussianBlur(roiBgr, blur, new Size(0, 0), Options.TextureSigmaPx);
        using var dist = new Mat();
        using var labels = new Mat();
        Cv2.DistanceTransformWithLabels(roiHole, dist, labels, DistanceTypes.L2, DistanceTransformMasks.Mask5, DistanceTransformLabelTypes.Pixel);

        // Label of each known pixel → its index y·cols + x (OpenCV numbers known pixels 1, 2, … in raster order).
        var byLabel = new int[rows * cols + 1];
        Array.Fill(byLabel, -1);
        for (int y = 0; y < rows; y++)
        {
            byte* h = (byte*)roiHole.Ptr(y);
            int* l = (int*)labels.Ptr(y);
            for (int x = 0; x < cols; x++)
                if (h[x] == 0 && (uint)l[x] < (uint)byLabel.Length) byLabel[l[x]] = y * cols + x;
        }
        // Row pointers through Data/Step: Ptr() is a native call, too slow per pixel.
        byte* holeData = (byte*)roiHole.Data, srcData = (byte*)roiBgr.Data, blurData = (byte*)blur.Data;
        long holeStep = roiHole.Step(), srcStep = roiBgr.Step(), blurStep = blur.Step();
        for (int y = 0; y < rows; y++)
        {
            byte* h = (byte*)roiHole.Ptr(y);
            int* l = (int*)labels.Ptr(y);
            byte* o = (byte*)filled.Ptr(y);
            for (int x = 0; x < cols; x++)
            {
                if (h[x] == 0 || (uint)l[x] >= (uint)byLabel.Length || byLabel[l[x]] is var at && at < 0) continue;
                int sx = 2 * (at % cols) - x, sy = 2 * (at / cols) - y;
                if ((uint)sx >= (uint)cols || (uint)sy >= (uint)rows || holeData[sy * holeStep + sx] != 0) continue;
                byte* src = srcData + sy * srcStep + 3 * sx;
                byte* smooth = blurData + sy * blurStep + 3 * sx;
                for (int c = 0; c < 3; c++)
                    o[3 * x + c] = (byte)Math.Clamp(o[3 * x + c] + src[c] - smooth[c], 0, 255);
            }
        }
    }
}
