using OpenCvSharp;

namespace InterCoG.Editing;

/// <summary>A CIELAB colour (D65): L 0..100, a and b roughly -128..127.</summary>
public readonly record struct Lab(double L, double A, double B)
{
    /// <summary>Chroma sqrt(a²+b²).</summary>
    public double Chroma => Math.Sqrt(A * A + B * B);

    /// <summary>Hue angle in degrees, 0..360.</summary>
    public double HueDeg => (Math.Atan2(B, A) * 180 / Math.PI + 360) % 360;

    /// <summary>CIE76 colour difference.</summary>
    public double DeltaE(Lab o) => Math.Sqrt((L - o.L) * (L - o.L) + (A - o.A) * (A - o.A) + (B - o.B) * (B - o.B));

    /// <summary>Smallest angle between two hues, 0..180 degrees.</summary>
    public static double HueDistance(double h1, double h2)
    {
        double d = Math.Abs(h1 - h2) % 360;
        return d > 180 ? 360 - d : d;
    }

    /// <summary>Lab of an sRGB colour, via the same OpenCV float conversion the edits use.</summary>
    public static Lab FromRgb(Rgb c)
    {
        using var px = new Mat(1, 1, MatType.CV_32FC3, new Scalar(c.B / 255.0, c.G / 255.0, c.R / 255.0));
        using var lab = new Mat();
        Cv2.CvtColor(px, lab, ColorConversionCodes.BGR2Lab);
        var v = lab.Get<Vec3f>(0, 0);
        return new Lab(v.Item0, v.Item1, v.Item2);
    }

    /// <summary>Float Lab (CV_32FC3) of an 8-bit BGR image.</summary>
    internal static Mat ImageToLab(Mat bgr8)
    {
        using var f = new Mat();
        bgr8.ConvertTo(f, MatType.CV_32FC3, 1.0 / 255);
        var lab = new Mat();
        Cv2.CvtColor(f, lab, ColorConversionCodes.BGR2Lab);
        return lab;
    }

    /// <summary>Mean Lab over the pixels where <paramref name="mask"/> is non-zero (sequential sum: deterministic).</summary>
    internal static unsafe Lab MeanInside(Mat lab, Mat mask, out double stdL, out long count)
    {
        double sl = 0, sa = 0, sb = 0, sll = 0;
        count = 0;
        int rows = lab.Rows, cols = lab.Cols;
        for (int y = 0; y < rows; y++)
        {
            float* p = (float*)lab.Ptr(y);
            byte* m = (byte*)mask.Ptr(y);
            for (int x = 0; x < cols; x++)
            {
                if (m[x] == 0) continue;
                float l = p[3 * x];
                sl += l; sll += (double)l * l; sa += p[3 * x + 1]; sb += p[3 * x + 2];
                count++;
            }
        }
        if (count == 0) { stdL = 0; return default; }
        double ml = sl / count;
        stdL = Math.Sqrt(Math.Max(0, sll / count - ml * ml));
        return new Lab(ml, sa / count, sb / count);
    }
}
