using InterCoG.Editing;
using InterCoG.Imaging;
using InterCoG.Perception;
using InterCoG.Reasoning;
using OpenCvSharp;
using InterCoG.Programs;

namespace InterCoG.Tests.Editing;

/// <summary>The dog photo (tests/photos/dog.jpg, 768×576) and an elliptical mask inside a box on its body [200,170,500,360] (XYXY).</summary>
internal static class EditingTestData
{
    public static readonly Rect DogBox = new(200, 170, 300, 190);

    public static Mat EllipseMask(Size size, Rect box)
    {
        var m = new Mat(size, MatType.CV_8UC1, Scalar.All(0));
        Cv2.Ellipse(m, new RotatedRect(new Point2f(box.X + box.Width / 2f, box.Y + box.Height / 2f), new Size2f(box.Width * 0.8f, box.Height * 0.8f), 0), Scalar.All(255), -1);
        return m;
    }

    /// <summary>Per-pixel L of an 8-bit BGR image inside the mask, in raster order.</summary>
    public static double[] LInside(Mat bgr, Mat mask)
    {
        using var f = new Mat();
        bgr.ConvertTo(f, MatType.CV_32FC3, 1.0 / 255);
        using var lab = new Mat();
        Cv2.CvtColor(f, lab, ColorConversionCodes.BGR2Lab);
        var values = new List<double>();
        int rows = mask.Rows, cols = mask.Cols;
        for (int y = 0; y < rows; y++)
            for (int x = 0; x < cols; x++)
                if (mask.At<byte>(y, x) != 0) values.Add(lab.At<Vec3f>(y, x).Item0);
        return [.. values];
    }

    public static double Correlation(double[] a, double[] b)
    {
        double ma = a.Average(), mb = b.Average(), sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.Length; i++) { sab += (a[i] - ma) * (b[i] - mb); saa += (a[i] - ma) * (a[i] - ma); sbb += (b[i] - mb) * (b[i] - mb); }
        return sab / Math.Sqrt(saa * sbb);
    }

    /// <summary>Mean Lab inside the mask, measured independently of the recolorer.</summary>
    public static Lab MeanLab(Mat bgr, Mat mask)
    {
        var mean = Cv2.Mean(bgr, mask);
        return Lab.FromRgb(new Rgb((byte)Math.Round(mean.Val2), (byte)Math.Round(mean.Val1), (byte)Math.Round(mean.Val0)));
    }

    public static EditContext Context(Mat bgr, Mat mask, string op, Dictionary<string, string>? args = null) =>
        new(bgr, mask, new EditOperation(op, args ?? []),
            new SceneEntity(1, "dog", 0.9f, new Box(200, 170, 500, 360), new float[80], "brown", 0.2));

    public static LoadedImage Dog() => ImageCodec.Load(InterCoG.Tests.Imaging.ImagingTestData.DogJpg);
}
