using System.Diagnostics;
using OpenCvSharp;

namespace InterCoG.Editing;

/// <summary>Removal settings.</summary>
public sealed record RemoveOptions
{
    /// <summary>Fill method; null: the registry's default (MI-GAN when its model is installed, else Telea).</summary>
    public FillMethod? Fill { get; init; }

    /// <summary>MI-GAN settings (context crop, feather, threads).</summary>
    public MiGanOptions MiGan { get; init; } = new();

    /// <summary>Telea settings (also the context of the xphoto fills).</summary>
    public TeleaFillOptions Telea { get; init; } = new();

    /// <summary>Exemplar fill settings.</summary>
    public PatchFillOptions Patch { get; init; } = new();

    /// <summary>Fixed growth of the mask before filling, in pixels (covers the mask's edge error and halo).</summary>
    public int DilatePx { get; init; } = 4;

    /// <summary>Extra growth as a fraction of the object's size (sqrt of its mask area), to cover the contact shadow.</summary>
    public double DilateFraction { get; init; } = 0.04;

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
/// pixels and the scale the fill was computed at (1 = full resolution); which fill ran, on which crop (x, y, width,
/// height in image pixels), how (<see cref="Detail"/>) and how long it took.</summary>
public sealed record RemoveOutcome(Mat Edited, Mat Hole, int DilateRadiusPx, double Scale)
{
    /// <summary>The fill that ran.</summary>
    public FillMethod Method { get; init; }
    /// <summary>Its name for the trace ("MI-GAN", "Telea", …).</summary>
    public string FillName { get; init; } = "";
    /// <summary>The context crop the fill worked on, in image pixels.</summary>
    public Rect Crop { get; init; }
    /// <summary>How the crop was filled (e.g. "a 540×540 crop run at 512×512 (×0.95)").</summary>
    public string Detail { get; init; } = "";
    /// <summary>Time of the fill alone (crop, model, paste), in milliseconds.</summary>
    public double FillMs { get; init; }
}

/// <summary>Removes the object under a mask: grows the mask (halo and contact shadow), cuts the context crop the chosen
/// fill asks for (<see cref="IInpainter.Context"/>), fills it and pastes back only the hole's pixels, so every other
/// pixel is the input's. Fills come from a <see cref="FillRegistry"/>: MI-GAN by default when installed, else Telea;
/// <see cref="RemoveOptions.Fill"/> or the per-call choice picks another.</summary>
public sealed class ObjectRemover(RemoveOptions? options = null, FillRegistry? fills = null)
{
    private readonly FillRegistry _fills = fills ?? new FillRegistry(options);

    /// <summary>The settings in use.</summary>
    public RemoveOptions Options { get; } = options ?? new RemoveOptions();

    /// <summary>The fills this remover draws from.</summary>
    public FillRegistry Fills => _fills;

    /// <summary>The fill a call without a choice uses: <see cref="RemoveOptions.Fill"/>, else the registry's default.</summary>
    public FillMethod DefaultFill => Options.Fill ?? _fills.Default;

    /// <summary>Fills the dilated <paramref name="mask"/> in <paramref name="bgr"/> (CV_8UC3); pixels outside the hole
    /// are unchanged in <see cref="RemoveOutcome.Edited"/>.</summary>
    public RemoveOutcome Remove(Mat bgr, Mat mask) => Remove(bgr, mask, null);

    /// <summary>As <see cref="Remove(Mat, Mat)"/>, but pixels under <paramref name="forbidden"/> (CV_8UC1, image size,
    /// non-zero = another object, e.g. the scene's other boxes) are never fill sources (Telea, xphoto and MI-GAN treat
    /// them as unknown, the exemplar fill never copies a patch touching them); <paramref name="fill"/> overrides
    /// <see cref="DefaultFill"/>.</summary>
    public RemoveOutcome Remove(Mat bgr, Mat mask, Mat? forbidden, FillMethod? fill = null)
    {
        Recolorer.CheckImage(bgr);
        MaskOps.CheckMask(mask, bgr.Size());
        int area = Cv2.CountNonZero(mask);
        if (area == 0)
            throw new InputException("remove: the target mask is empty");
        var inpainter = _fills.Get(fill ?? DefaultFill);
        int radius = Options.DilatePx + (int)Math.Round(Options.DilateFraction * Math.Sqrt(area));
        var hole = MaskOps.Dilate(mask, radius);
        if (Options.ShadowFraction > 0) AddContactShadow(bgr, mask, hole);
        var sw = Stopwatch.StartNew();
        var roi = inpainter.Context(Cv2.BoundingRect(hole), bgr.Size());

        using var roiBgr = new Mat(bgr, roi);
        using var roiHole = new Mat(hole, roi);
        int rimPx = inpainter.KeepsForbiddenRim ? Math.Max(2, Options.DilatePx) : 0;
        using var roiForbidden = ForbiddenInContext(forbidden, roiHole, roi, bgr.Size(), rimPx);
        var edited = bgr.Clone();
        using var result = inpainter.Fill(roiBgr, roiHole, roiForbidden);
        using (var dst = new Mat(edited, roi)) result.Filled.CopyTo(dst, roiHole);
        return new RemoveOutcome(edited, hole, radius, result.Scale)
        {
            Method = inpainter.Method, FillName = inpainter.Name, Crop = roi, Detail = result.Detail,
            FillMs = Math.Round(sw.Elapsed.TotalMilliseconds, 1),
        };
    }

    /// <summary>The forbidden pixels of the context (CV_8UC1, ROI size): outside the hole, minus a known rim of
    /// <paramref name="rimPx"/> around it, and none at all when they and the hole would leave less than a tenth of the
    /// context known.</summary>
    private static Mat ForbiddenInContext(Mat? forbidden, Mat roiHole, Rect roi, Size imageSize, int rimPx)
    {
        var roiForbidden = new Mat(roi.Size, MatType.CV_8UC1, Scalar.All(0));
        if (forbidden is null) return roiForbidden;
        MaskOps.CheckMask(forbidden, imageSize);
        using var f = new Mat(forbidden, roi);
        using var notHole = new Mat();
        Cv2.BitwiseNot(roiHole, notHole);
        Cv2.BitwiseAnd(f, notHole, roiForbidden);
        if (rimPx > 0)
        {
            using var rim = MaskOps.Dilate(roiHole, rimPx);
            using var rimOnly = new Mat();
            Cv2.BitwiseAnd(rim, notHole, rimOnly);
            using var notRim = new Mat();
            Cv2.BitwiseNot(rimOnly, notRim);
            Cv2.BitwiseAnd(roiForbidden, notRim, roiForbidden);
        }
        if (Cv2.CountNonZero(roiForbidden) + Cv2.CountNonZero(roiHole) > 0.9 * roi.Width * roi.Height) roiForbidden.SetTo(Scalar.All(0));
        return roiForbidden;
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
}
