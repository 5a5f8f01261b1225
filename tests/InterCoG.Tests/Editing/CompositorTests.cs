using InterCoG.Editing;
using InterCoG.Imaging;
using OpenCvSharp;
using Xunit;
using static InterCoG.Tests.Editing.EditingTestData;
using static InterCoG.Tests.Imaging.ImagingTestData;

namespace InterCoG.Tests.Editing;

public class CompositorTests
{
    private const int Feather = 8;

    /// <summary>An edit that changes every pixel of the image (inverted colours), so only the compositor keeps the outside.</summary>
    private static Mat EditEverything(Mat bgr)
    {
        var e = new Mat();
        Cv2.BitwiseNot(bgr, e);
        return e;
    }

    /// <summary>Mask of pixels farther than <paramref name="px"/> from the region.</summary>
    private static Mat Far(Mat region, int px)
    {
        using var near = MaskOps.Dilate(region, px);
        var far = new Mat();
        Cv2.BitwiseNot(near, far);
        return far;
    }

    private static Mat Region(Size size, Rect box) => EllipseMask(size, box);

    [Fact]
    public void Eight_bit_bgr_outside_the_feather_is_bit_identical_and_inside_is_the_edit()
    {
        using var img = Dog();
        using var region = Region(img.Bgr.Size(), DogBox);
        using var edited = EditEverything(img.Bgr);
        using var outp = Compositor.Composite(img, edited, region, Feather);

        Assert.Equal(img.Original.Type(), outp.Type());
        Assert.Equal(img.Original.Size(), outp.Size());
        using var far = Far(region, Feather);
        Assert.Equal(0, CountDifferent(img.Original, outp, far));
        Assert.Equal(0, CountDifferent(edited, outp, region));
        // Just outside the region the blend is partial: neither input nor edit.
        var y = DogBox.Y + DogBox.Height / 2;
        int x = DogBox.X + (int)(DogBox.Width * 0.1) - 3;   // ellipse spans 80 % of the box: its left edge is at 10 %
        var o = outp.At<Vec3b>(y, x); var i = img.Bgr.At<Vec3b>(y, x); var e = edited.At<Vec3b>(y, x);
        Assert.NotEqual(i, o);
        Assert.NotEqual(e, o);
    }

    [Fact]
    public void Sixteen_bit_rgba_keeps_depth_alpha_and_every_value_outside_the_feather()
    {
        using var img = ImageCodec.Load(KitchenPng);
        Assert.Equal(MatType.CV_16UC4, img.Original.Type());
        using var region = Region(img.Bgr.Size(), new Rect(200, 150, 180, 140));
        using var edited = EditEverything(img.Bgr);
        using var outp = Compositor.Composite(img, edited, region, Feather);

        Assert.Equal(MatType.CV_16UC4, outp.Type());
        using var far = Far(region, Feather);
        Assert.Equal(0, CountDifferent(img.Original, outp, far));
        using var alphaIn = new Mat();
        using var alphaOut = new Mat();
        Cv2.ExtractChannel(img.Original, alphaIn, 3);
        Cv2.ExtractChannel(outp, alphaOut, 3);
        Assert.Equal(0, CountDifferent(alphaIn, alphaOut));
        // Inside: the edit, at 16-bit (within the input's own sub-8-bit residual).
        using var back8 = ImageCodec.ToBgr8(outp);
        using var diff = new Mat();
        Cv2.Absdiff(back8, edited, diff);
        using var over1 = new Mat();
        Cv2.Threshold(diff, over1, 1, 255, ThresholdTypes.Binary);
        using var zeros = new Mat(over1.Size(), over1.Type(), Scalar.All(0));
        Assert.Equal(0, CountDifferent(zeros, over1, region));
    }

    [Fact]
    public void Gray_input_stays_gray_for_a_gray_edit_and_becomes_bgr_for_a_coloured_one()
    {
        using var dog = Dog();
        using var gray = new Mat();
        Cv2.CvtColor(dog.Bgr, gray, ColorConversionCodes.BGR2GRAY);
        Cv2.ImEncode(".png", gray, out byte[] png);
        using var img = ImageCodec.Decode(png, "gray.png");
        Assert.Equal(MatType.CV_8UC1, img.Original.Type());
        using var region = Region(img.Bgr.Size(), DogBox);
        using var far = Far(region, Feather);

        using var grayEdit = EditEverything(img.Bgr);
        using var g = Compositor.Composite(img, grayEdit, region, Feather);
        Assert.Equal(MatType.CV_8UC1, g.Type());
        Assert.Equal(0, CountDifferent(img.Original, g, far));

        var red = new Recolorer().Recolor(img.Bgr, region, TargetColors.Resolve("red"));
        using var c = Compositor.Composite(img, red.Edited, region, Feather);
        Assert.Equal(MatType.CV_8UC3, c.Type());
        Assert.Equal(0, CountDifferent(img.Bgr, c, far));
        Assert.Equal(img.Original.Size(), c.Size());
    }

    [Fact]
    public void Empty_region_returns_the_input_unchanged()
    {
        using var img = Dog();
        using var region = new Mat(img.Bgr.Size(), MatType.CV_8UC1, Scalar.All(0));
        using var edited = EditEverything(img.Bgr);
        using var outp = Compositor.Composite(img, edited, region);
        Assert.Equal(0, CountDifferent(img.Original, outp));
    }

    [Fact]
    public void Zero_feather_changes_only_the_region()
    {
        using var img = Dog();
        using var region = Region(img.Bgr.Size(), DogBox);
        using var edited = EditEverything(img.Bgr);
        using var outp = Compositor.Composite(img, edited, region, 0);
        using var outside = new Mat();
        Cv2.BitwiseNot(region, outside);
        Assert.Equal(0, CountDifferent(img.Original, outp, outside));
    }
}
