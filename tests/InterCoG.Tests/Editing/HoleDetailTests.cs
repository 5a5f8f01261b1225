using InterCoG.Bench;
using InterCoG.Editing;
using OpenCvSharp;
using Xunit;
using static InterCoG.Tests.Imaging.ImagingTestData;

namespace InterCoG.Tests.Editing;

/// <summary>The detail layer that puts fine texture back into a smooth fill: how much it adds, where, and that it adds
/// nothing to a fill that already has the ring's texture.</summary>
public sealed class HoleDetailTests
{
    /// <summary>A 200×200 textured photo stand-in: a smooth horizontal ramp plus seeded uniform noise of ±24 levels.</summary>
    private static Mat Textured()
    {
        using var noise = RandomMat(200, 200, MatType.CV_8UC3, seed: 11);
        var img = new Mat(200, 200, MatType.CV_8UC3);
        for (int y = 0; y < 200; y++)
            for (int x = 0; x < 200; x++)
            {
                var n = noise.At<Vec3b>(y, x);
                byte V(byte r, int c) => (byte)Math.Clamp(60 + x / 2 + c * 20 + (r - 128) * 48 / 255, 0, 255);
                img.Set(y, x, new Vec3b(V(n.Item0, 0), V(n.Item1, 1), V(n.Item2, 2)));
            }
        return img;
    }

    private static Mat Disc(Size size, Point centre, int radius)
    {
        var m = new Mat(size, MatType.CV_8UC1, Scalar.All(0));
        Cv2.Circle(m, centre, radius, Scalar.All(255), -1);
        return m;
    }

    [Fact]
    public void A_smooth_fill_gets_the_rings_texture_back_inside_the_hole_only()
    {
        using var img = Textured();
        using var hole = Disc(img.Size(), new Point(100, 100), 40);
        using var smooth = new Mat();
        Cv2.GaussianBlur(img, smooth, new Size(0, 0), 6); // a smear: the texture gone, the ramp kept
        var before = FillMetrics.GradientEnergyRatio(Composite(img, smooth, hole), hole)!.Value;
        Assert.True(before < 0.1, $"the smear's ratio {before:0.00}");

        using var fill = smooth.Clone();
        double gain = HoleDetail.Add(img, fill, hole, hole, 3, new HoleDetailOptions());
        Assert.InRange(gain, 0.3, new HoleDetailOptions().MaxGain);
        using var outside = new Mat();
        Cv2.BitwiseNot(hole, outside);
        Assert.Equal(0, CountDifferent(smooth, fill, outside));
        using var result = Composite(img, fill, hole);
        double after = FillMetrics.GradientEnergyRatio(result, hole)!.Value;
        Assert.InRange(after, 0.85, 1.15);
        // the layer is detail around the fill, not a shift of it: the hole's mean colour stays the smear's
        var mFill = Cv2.Mean(fill, hole);
        var mSmooth = Cv2.Mean(smooth, hole);
        for (int c = 0; c < 3; c++) Assert.InRange(mFill[c] - mSmooth[c], -1.5, 1.5);

        // same input, same bytes
        using var again = smooth.Clone();
        HoleDetail.Add(img, again, hole, hole, 3, new HoleDetailOptions());
        Assert.Equal(0, CountDifferent(fill, again));
    }

    [Fact]
    public void A_fill_that_already_has_the_texture_is_left_alone_and_unknown_pixels_are_never_sources()
    {
        using var img = Textured();
        using var hole = Disc(img.Size(), new Point(100, 100), 30);
        // the true pixels as the fill: already about as textured as the ring (stationary noise), more than 1.2× its median energy
        using var truth = img.Clone();
        Assert.Equal(0, HoleDetail.Add(img, truth, hole, hole, 3, new HoleDetailOptions { RingMedianFactor = 1.2 }));
        Assert.Equal(0, CountDifferent(img, truth));

        // the sources are known pixels only: whatever the hole and a forbidden neighbour hold (here magenta or black,
        // the object being removed or another one), the layer is the same bytes, and it is not empty
        using var forbidden = new Mat(img.Size(), MatType.CV_8UC1, Scalar.All(0));
        forbidden[new Rect(0, 0, 90, 200)].SetTo(Scalar.All(255));
        Cv2.Subtract(forbidden, hole, forbidden);
        using var unknown = new Mat();
        Cv2.BitwiseOr(hole, forbidden, unknown);
        using var flat = new Mat(img.Size(), MatType.CV_8UC3, Cv2.Mean(img, hole));
        Mat Layer(Scalar objects)
        {
            using var src = img.Clone();
            src.SetTo(objects, unknown);
            var fill = flat.Clone();
            Assert.True(HoleDetail.Add(src, fill, hole, unknown, 3, new HoleDetailOptions()) > 0);
            return fill;
        }
        using var magenta = Layer(new Scalar(200, 0, 200));
        using var black = Layer(Scalar.All(0));
        Assert.Equal(0, CountDifferent(magenta, black));
        Assert.True(CountDifferent(flat, magenta, hole) > Cv2.CountNonZero(hole) / 2);
    }

    /// <summary><paramref name="img"/> with <paramref name="fill"/>'s pixels inside <paramref name="hole"/>.</summary>
    private static Mat Composite(Mat img, Mat fill, Mat hole)
    {
        var r = img.Clone();
        fill.CopyTo(r, hole);
        return r;
    }
}
