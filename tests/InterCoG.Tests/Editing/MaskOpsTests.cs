using InterCoG.Editing;
using OpenCvSharp;
using Xunit;

namespace InterCoG.Tests.Editing;

public class MaskOpsTests
{
    [Fact]
    public void Dilate_grows_a_point_into_a_euclidean_disc()
    {
        using var m = new Mat(41, 41, MatType.CV_8UC1, Scalar.All(0));
        m.Set<byte>(20, 20, 255);
        using var d = MaskOps.Dilate(m, 10);
        Assert.Equal(255, d.At<byte>(20, 30));      // distance 10
        Assert.Equal(255, d.At<byte>(27, 27));      // distance 9.9
        Assert.Equal(0, d.At<byte>(28, 28));        // distance 11.3
        Assert.Equal(0, d.At<byte>(20, 31));
        Assert.InRange(Cv2.CountNonZero(d), 330, 365); // lattice points within 10.5 px: about π·10.5² ≈ 346
    }

    [Fact]
    public void Bounds_and_pad_stay_inside_the_image()
    {
        using var m = new Mat(50, 60, MatType.CV_8UC1, Scalar.All(0));
        Cv2.Rectangle(m, new Rect(2, 40, 10, 5), Scalar.All(255), -1);
        var b = MaskOps.Bounds(m);
        Assert.Equal(new Rect(2, 40, 10, 5), b);
        Assert.Equal(new Rect(0, 32, 20, 18), MaskOps.Pad(b, 8, m.Size()));
    }

    [Fact]
    public void Wrong_mask_type_is_an_argument_error()
    {
        using var m = new Mat(5, 5, MatType.CV_8UC3, Scalar.All(0));
        Assert.Throws<ArgumentException>(() => MaskOps.Dilate(m, 2));
    }
}
