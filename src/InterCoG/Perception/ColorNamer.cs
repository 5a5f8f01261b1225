using OpenCvSharp;

namespace InterCoG.Perception;

/// <summary>What <see cref="ColorNamer.Measure"/> found: the dominant colour name, the mean CIE Lab colour
/// (L 0..100, a and b about −128..127, D65) of the counted pixels, the fraction of them that are chromatic, and how many were counted.</summary>
public sealed record ColorReading(string Name, double L, double A, double B, double ChromaticFraction, int Pixels);

/// <summary>Thresholds of <see cref="ColorNamer"/>; HSV values are fractions 0..1, hue in degrees 0..360.</summary>
public sealed record ColorNamerOptions
{
    /// <summary>Pixels with value (max of R, G, B) below this are black.</summary>
    public double BlackValue { get; init; } = 0.18;
    /// <summary>Pixels with saturation below this (or chroma below <see cref="MinChroma"/>) are white, gray or black.</summary>
    public double MinSaturation { get; init; } = 0.2;
    /// <summary>Pixels with chroma (max − min of R, G, B) below this are achromatic.</summary>
    public double MinChroma { get; init; } = 0.08;
    /// <summary>Achromatic pixels with value above this are white.</summary>
    public double WhiteValue { get; init; } = 0.78;
    /// <summary>Achromatic pixels with value below this are black.</summary>
    public double DarkGrayValue { get; init; } = 0.3;
    /// <summary>A hue name wins when at least this fraction of the counted pixels is chromatic; else white/gray/black votes.</summary>
    public double MinChromaticFraction { get; init; } = 0.3;
}

/// <summary>Names the dominant colour of image pixels with an 11-word vocabulary. Pure and deterministic.</summary>
public static class ColorNamer
{
    /// <summary>The colour vocabulary, chromatic names first.</summary>
    public static readonly string[] Names = ["red", "orange", "yellow", "green", "blue", "purple", "pink", "brown", "white", "gray", "black"];

    private const int FirstAchromatic = 8;
    private static readonly ColorNamerOptions Defaults = new();

    /// <summary>Name of one pixel given as 8-bit B, G, R.</summary>
    public static string NameOf(byte b, byte g, byte r, ColorNamerOptions? options = null) => Names[Classify(b, g, r, options ?? Defaults)];

    /// <summary>Dominant colour name of <paramref name="region"/> of an 8-bit BGR image, optionally only where
    /// <paramref name="mask"/> (CV_8UC1, the image's or the region's size) is non-zero.</summary>
    public static string Name(Mat bgr, Rect region, Mat? mask = null, ColorNamerOptions? options = null) =>
        Measure(bgr, region, mask, options).Name;

    /// <summary>Vote over the pixels of <paramref name="region"/> (clamped to the image) under the optional mask.
    /// Hue names are counted only for saturated, not-too-dark pixels; white/gray/black win only when those pixels dominate.
    /// An empty selection gives "gray" with zero pixels.</summary>
    public static unsafe ColorReading Measure(Mat bgr, Rect region, Mat? mask = null, ColorNamerOptions? options = null)
    {
        var o = options ?? Defaults;
        if (bgr.Type() != MatType.CV_8UC3) throw new ArgumentException($"expected an 8-bit BGR image, got {bgr.Type()}", nameof(bgr));
        region = region.Intersect(new Rect(0, 0, bgr.Cols, bgr.Rows));
        bool maskIsRegion = mask != null && mask.Rows == region.Height && mask.Cols == region.Width && (mask.Rows != bgr.Rows || mask.Cols != bgr.Cols);
        if (mask != null && !maskIsRegion && (mask.Rows != bgr.Rows || mask.Cols != bgr.Cols))
            throw new ArgumentException($"mask is {mask.Cols}×{mask.Rows}; expected the image's or the region's size", nameof(mask));
        if (mask != null && mask.Type() != MatType.CV_8UC1) throw new ArgumentException($"mask must be CV_8UC1, got {mask.Type()}", nameof(mask));

        var votes = new int[Names.Length];
        double sl = 0, sa = 0, sb = 0;
        int n = 0;
        for (int y = region.Top; y < region.Bottom; y++)
        {
            byte* row = (byte*)bgr.Ptr(y);
            byte* mrow = mask == null ? null : (byte*)mask.Ptr(maskIsRegion ? y - region.Top : y);
            for (int x = region.Left; x < region.Right; x++)
            {
                if (mrow != null && mrow[maskIsRegion ? x - region.Left : x] == 0) continue;
                byte b = row[3 * x], g = row[3 * x + 1], r = row[3 * x + 2];
                votes[Classify(b, g, r, o)]++;
                var (l, a, bb) = ToLab(b, g, r);
                sl += l; sa += a; sb += bb;
                n++;
            }
        }
        if (n == 0) return new ColorReading("gray", 0, 0, 0, 0, 0);
        int chromatic = votes.Take(FirstAchromatic).Sum();
        double fraction = (double)chromatic / n;
        int from = fraction >= o.MinChromaticFraction ? 0 : FirstAchromatic, to = fraction >= o.MinChromaticFraction ? FirstAchromatic : Names.Length;
        int best = from;
        for (int i = from; i < to; i++) if (votes[i] > votes[best]) best = i;
        return new ColorReading(Names[best], sl / n, sa / n, sb / n, fraction, n);
    }

    /// <summary>Index into <see cref="Names"/> for one pixel.</summary>
    private static int Classify(byte b, byte g, byte r, ColorNamerOptions o)
    {
        double rf = r / 255.0, gf = g / 255.0, bf = b / 255.0;
        double max = Math.Max(rf, Math.Max(gf, bf)), min = Math.Min(rf, Math.Min(gf, bf));
        double chroma = max - min, v = max, s = max > 0 ? chroma / max : 0;
        if (v < o.BlackValue) return 10;
        if (s < o.MinSaturation || chroma < o.MinChroma)
            return v >= o.WhiteValue ? 8 : v < o.DarkGrayValue ? 10 : 9;
        double h = max == rf ? 60 * (((gf - bf) / chroma) % 6) : max == gf ? 60 * ((bf - rf) / chroma + 2) : 60 * ((rf - gf) / chroma + 4);
        if (h < 0) h += 360;
        // hue sectors in degrees; brown = dark or greyish orange/yellow, pink = light or pale red/magenta
        if (h < 15 || h >= 345) return v > 0.75 && s < 0.5 ? 6 : 0;
        if (h < 40) return v < 0.6 || (s < 0.5 && v < 0.75) ? 7 : 1;
        if (h < 70) return v < 0.45 ? 7 : 2;
        if (h < 170) return 3;
        if (h < 260) return 4;
        if (h < 290) return 5;
        if (h < 320) return v < 0.6 ? 5 : 6;
        return 6;
    }

    /// <summary>sRGB (8-bit B, G, R) → CIE Lab (D65): L 0..100.</summary>
    public static (double L, double A, double B) ToLab(byte b, byte g, byte r)
    {
        static double Lin(byte c) { double x = c / 255.0; return x <= 0.04045 ? x / 12.92 : Math.Pow((x + 0.055) / 1.055, 2.4); }
        double rl = Lin(r), gl = Lin(g), bl = Lin(b);
        double X = (0.4124564 * rl + 0.3575761 * gl + 0.1804375 * bl) / 0.95047;
        double Y = 0.2126729 * rl + 0.7151522 * gl + 0.0721750 * bl;
        double Z = (0.0193339 * rl + 0.1191920 * gl + 0.9503041 * bl) / 1.08883;
        static double F(double t) => t > 216.0 / 24389 ? Math.Cbrt(t) : (24389.0 / 27 * t + 16) / 116;
        double fx = F(X), fy = F(Y), fz = F(Z);
        return (116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz));
    }
}
