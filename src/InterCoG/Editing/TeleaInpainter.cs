using OpenCvSharp;

namespace InterCoG.Editing;

/// <summary>Settings of <see cref="TeleaInpainter"/>.</summary>
public sealed record TeleaFillOptions
{
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

    /// <summary>Context as a fraction of the hole box's longer side (also used by the xphoto fills).</summary>
    public double ContextFraction { get; init; } = 0.25;
}

/// <summary>A. Telea, "An image inpainting technique based on the fast marching method" (2004), through OpenCV: large
/// holes are filled at a reduced scale, upsampled, their rim re-inpainted at full resolution, and fine texture mirrored
/// from across the hole edge is added. Forbidden pixels are treated as unknown (filled too, then thrown away).</summary>
public sealed class TeleaInpainter(TeleaFillOptions? options = null) : IInpainter
{
    /// <summary>The settings in use.</summary>
    public TeleaFillOptions Options { get; } = options ?? new TeleaFillOptions();

    /// <inheritdoc />
    public FillMethod Method => FillMethod.Telea;

    /// <inheritdoc />
    public string Name => "Telea";

    /// <inheritdoc />
    public Rect Context(Rect holeBox, Size imageSize) => FillContext.Padded(holeBox, Options.ContextFraction, Options.MinContextPx, imageSize);

    /// <inheritdoc />
    public InpaintResult Fill(Mat bgr, Mat hole, Mat forbidden)
    {
        using var unknown = new Mat();
        Cv2.BitwiseOr(hole, forbidden, unknown);
        int holePx = Cv2.CountNonZero(unknown);
        var filled = new Mat();
        double scale = 1;
        if (holePx <= Options.MaxFullResHolePixels)
            Cv2.Inpaint(bgr, unknown, filled, Options.InpaintRadiusPx, InpaintTypes.Telea);
        else
        {
            scale = Math.Sqrt((double)Options.MaxFullResHolePixels / holePx);
            FillCoarseThenRefine(bgr, unknown, scale, filled);
        }
        if (Options.TextureSigmaPx > 0) AddMirroredTexture(bgr, unknown, filled);
        string detail = scale < 1
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"a {bgr.Cols}×{bgr.Rows} crop, filled at {scale:0.##}× then refined")
            : $"a {bgr.Cols}×{bgr.Rows} crop";
        return new InpaintResult(filled, scale, detail);
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
