using OpenCvSharp;

namespace InterCoG.Editing;

/// <summary>Recolor settings (CIELAB units: L 0..100).</summary>
public sealed record RecolorOptions
{
    /// <summary>Pixels recolored beyond the mask on each side, so the compositor's feather blends recolored content
    /// (match it to the compositor's FeatherPx).</summary>
    public int EdgeMarginPx { get; init; } = 8;

    /// <summary>Of the pixels within EdgeMarginPx outside the mask, only those within this CIE76 ΔE of the object's mean
    /// colour take the new colour (a rim of the object the mask missed); the background around it keeps its colour, so
    /// no glow of the new colour spills onto it.</summary>
    public double EdgeMatchDeltaE { get; init; } = 20;

    /// <summary>Fraction of the gap between object and target mean lightness that is always closed (0..1).</summary>
    public double BaseLightnessShift { get; init; } = 0.35;

    /// <summary>Fraction closed when the object or target is very light/dark, or the target is achromatic (0..1).</summary>
    public double ExtremeLightnessShift { get; init; } = 0.9;

    /// <summary>Mean L above this counts as very light (ramps to fully "extreme" over 15 L units).</summary>
    public double LightL { get; init; } = 75;

    /// <summary>Mean L below this counts as very dark (ramps over 15 L units).</summary>
    public double DarkL { get; init; } = 30;

    /// <summary>Target chroma below this counts as achromatic (white, grey, black, silver).</summary>
    public double AchromaticChroma { get; init; } = 8;

    /// <summary>Shading (L − mean) is kept within [MinL, MaxL] as mean ± 2σ by compressing it down to this factor at least.</summary>
    public double MinShadingScale { get; init; } = 0.3;

    /// <summary>Lightness range the recolored shading is fitted into.</summary>
    public double MinL { get; init; } = 2;

    /// <summary>Lightness range the recolored shading is fitted into.</summary>
    public double MaxL { get; init; } = 98;
}

/// <summary>What a recolor did: the edited image (CV_8UC3), the target, the mean Lab inside the mask before and after,
/// the mean L aimed for and the factor applied to the shading (L − mean).</summary>
public sealed record RecolorOutcome(Mat Edited, Lab Target, Lab Before, Lab After, double ShiftedMeanL, double ShadingScale);

/// <summary>Recolors the pixels of a mask to a target colour in CIELAB: the object's hue and chroma are replaced by
/// the target's, its lightness structure (L around its mean) is kept, and its mean L moves toward the target's —
/// a little for mid-tones, most of the way when either is very light/dark or the target is white/grey/black.</summary>
public sealed class Recolorer(RecolorOptions? options = null)
{
    /// <summary>The settings in use.</summary>
    public RecolorOptions Options { get; } = options ?? new RecolorOptions();

    /// <summary>Recolors <paramref name="bgr"/> (CV_8UC3) inside <paramref name="mask"/> (CV_8UC1, same size, non-zero
    /// inside) to <paramref name="target"/>; returns a new image differing only inside the mask and at pixels within
    /// EdgeMarginPx of it whose colour is within EdgeMatchDeltaE of the object's.</summary>
    public unsafe RecolorOutcome Recolor(Mat bgr, Mat mask, Rgb target)
    {
        CheckImage(bgr);
        MaskOps.CheckMask(mask, bgr.Size());
        var bounds = Cv2.BoundingRect(mask);
        if (bounds.Width == 0)
            throw new InputException("recolor: the target mask is empty");
        var roi = MaskOps.Pad(bounds, Math.Max(0, Options.EdgeMarginPx), bgr.Size());
        using var roiBgr = new Mat(bgr, roi);
        using var roiMask = new Mat(mask, roi);
        using var lab = Lab.ImageToLab(roiBgr);

        var t = Lab.FromRgb(target);
        var before = Lab.MeanInside(lab, roiMask, out double stdL, out _);

        // Mean lightness: close part of the gap to the target, most of it at the extremes.
        double Extreme(double l) => Math.Clamp((l - Options.LightL) / 15, 0, 1) + Math.Clamp((Options.DarkL - l) / 15, 0, 1);
        double e = Math.Clamp(Math.Max(Extreme(before.L), Extreme(t.L)), 0, 1);
        if (t.Chroma < Options.AchromaticChroma) e = 1;
        double w = Options.BaseLightnessShift + (Options.ExtremeLightnessShift - Options.BaseLightnessShift) * e;
        double meanL = before.L + w * (t.L - before.L);

        // Fit mean ± 2σ of the shading into [MinL, MaxL]: compress the shading first, then move the mean.
        double s = 1;
        if (stdL > 1e-6)
        {
            double room = Math.Min(Options.MaxL - meanL, meanL - Options.MinL);
            if (2 * stdL > room) s = Math.Max(Options.MinShadingScale, Math.Max(0, room) / (2 * stdL));
        }
        meanL = Math.Clamp(meanL, Options.MinL + 2 * stdL * s, Options.MaxL - 2 * stdL * s);
        if (Options.MinL + 2 * stdL * s > Options.MaxL - 2 * stdL * s) meanL = (Options.MinL + Options.MaxL) / 2;

        // The band outside the mask: only pixels close in colour to the object (its rim) are recolored.
        using var near = MaskOps.Dilate(roiMask, Math.Max(0, Options.EdgeMarginPx));
        float bl = (float)before.L, ba = (float)before.A, bb = (float)before.B, maxE2 = (float)(Options.EdgeMatchDeltaE * Options.EdgeMatchDeltaE);
        int rows = lab.Rows, cols = lab.Cols;
        for (int y = 0; y < rows; y++)
        {
            float* p = (float*)lab.Ptr(y);
            byte* inMask = (byte*)roiMask.Ptr(y);
            byte* n = (byte*)near.Ptr(y);
            for (int x = 0; x < cols; x++)
            {
                if (n[x] == 0 || inMask[x] != 0) continue;
                float dl = p[3 * x] - bl, da = p[3 * x + 1] - ba, db = p[3 * x + 2] - bb;
                if (dl * dl + da * da + db * db > maxE2) n[x] = 0;
            }
        }

        // Chroma is largest at the target's own lightness and shrinks toward black and white (gamut shape).
        double hue = Math.Atan2(t.B, t.A);
        float cosH = (float)Math.Cos(hue), sinH = (float)Math.Sin(hue);
        float ct = (float)t.Chroma, tl = (float)Math.Clamp(t.L, 1, 99);
        float lm0 = (float)before.L, lm1 = (float)meanL, sf = (float)s;
        for (int y = 0; y < rows; y++)
        {
            float* p = (float*)lab.Ptr(y);
            for (int x = 0; x < cols; x++)
            {
                float l = Math.Clamp(lm1 + sf * (p[3 * x] - lm0), 0f, 100f);
                float k = l < tl ? l / tl : (100f - l) / (100f - tl);
                float c = ct * Math.Clamp(k, 0.35f, 1f);
                p[3 * x] = l;
                p[3 * x + 1] = c * cosH;
                p[3 * x + 2] = c * sinH;
            }
        }

        using var outF = new Mat();
        Cv2.CvtColor(lab, outF, ColorConversionCodes.Lab2BGR);
        using var out8 = new Mat();
        outF.ConvertTo(out8, MatType.CV_8UC3, 255);
        // Only the mask and the object-coloured part of the band around it take the new colour.
        var edited = bgr.Clone();
        using (var dst = new Mat(edited, roi)) out8.CopyTo(dst, near);

        using var labAfter = Lab.ImageToLab(out8);
        var after = Lab.MeanInside(labAfter, roiMask, out _, out _);
        return new RecolorOutcome(edited, t, before, after, meanL, s);
    }

    internal static void CheckImage(Mat bgr)
    {
        ArgumentNullException.ThrowIfNull(bgr);
        if (bgr.Empty() || bgr.Type() != MatType.CV_8UC3)
            throw new ArgumentException($"image must be CV_8UC3 BGR, got {(bgr.Empty() ? "an empty Mat" : bgr.Type().ToString())}", nameof(bgr));
    }
}
