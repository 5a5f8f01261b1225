using OpenCvSharp;

namespace InterCoG.Imaging;

/// <summary>A CIELAB colour (D65): L 0..100, a and b roughly −128..127.</summary>
public readonly record struct LabColor(double L, double A, double B)
{
    public double Chroma => Math.Sqrt(A * A + B * B);
    /// <summary>Hue angle in degrees, 0..360.</summary>
    public double HueDeg => (Math.Atan2(B, A) * 180 / Math.PI + 360) % 360;

    /// <summary>CIELAB of an sRGB colour given as 0..255 components.</summary>
    public static LabColor FromRgb(byte r, byte g, byte b)
    {
        using var px = new Mat(1, 1, MatType.CV_32FC3, new Scalar(b / 255.0, g / 255.0, r / 255.0));
        using var lab = new Mat();
        Cv2.CvtColor(px, lab, ColorConversionCodes.BGR2Lab);
        var v = lab.Get<Vec3f>(0, 0);
        return new LabColor(v.Item0, v.Item1, v.Item2);
    }

    /// <summary>Mean CIELAB of an 8-bit BGR image's pixels under a CV_8UC1 mask (whole image when the mask is empty).</summary>
    public static LabColor Mean(Mat bgr, Mat mask)
    {
        var rect = Cv2.BoundingRect(mask);
        if (rect.Width == 0 || rect.Height == 0) rect = new Rect(0, 0, bgr.Cols, bgr.Rows);
        using var roi = new Mat(bgr, rect);
        using var m = new Mat(mask, rect);
        using var f = new Mat();
        roi.ConvertTo(f, MatType.CV_32FC3, 1 / 255.0);
        using var lab = new Mat();
        Cv2.CvtColor(f, lab, ColorConversionCodes.BGR2Lab);
        var mean = Cv2.CountNonZero(m) > 0 ? Cv2.Mean(lab, m) : Cv2.Mean(lab);
        return new LabColor(mean.Val0, mean.Val1, mean.Val2);
    }

    /// <summary>Smallest angle between two colours' hues, degrees 0..180.</summary>
    public static double HueDistanceDeg(LabColor x, LabColor y)
    {
        double d = Math.Abs(x.HueDeg - y.HueDeg) % 360;
        return d > 180 ? 360 - d : d;
    }
}
