using InterCoG.Editing;
using OpenCvSharp;
using Xunit;
using static InterCoG.Tests.Editing.EditingTestData;

namespace InterCoG.Tests.Editing;

public class RecolorerTests
{
    private static (Mat edited, Mat mask, double[] lBefore) Run(Mat bgr, string colour, out RecolorOutcome outcome)
    {
        var mask = EllipseMask(bgr.Size(), DogBox);
        outcome = new Recolorer().Recolor(bgr, mask, TargetColors.Resolve(colour));
        return (outcome.Edited, mask, LInside(bgr, mask));
    }

    [Theory]
    [InlineData("red")]
    [InlineData("blue")]
    [InlineData("green")]
    [InlineData("#ff8800")]
    public void Photo_region_takes_the_target_hue_and_keeps_its_shading(string colour)
    {
        using var dog = Dog();
        var (edited, mask, lBefore) = Run(dog.Bgr, colour, out var o);
        var target = Lab.FromRgb(TargetColors.Resolve(colour));
        var after = MeanLab(edited, mask);

        Assert.True(Lab.HueDistance(after.HueDeg, target.HueDeg) < 12, $"hue {after.HueDeg:0} vs target {target.HueDeg:0}");
        Assert.True(after.Chroma > 0.5 * target.Chroma, $"chroma {after.Chroma:0} vs target {target.Chroma:0}");
        Assert.True(Correlation(lBefore, LInside(edited, mask)) > 0.9);
    }

    [Fact]
    public void Pixels_beyond_the_edge_margin_are_untouched()
    {
        using var dog = Dog();
        var (edited, mask, _) = Run(dog.Bgr, "red", out _);
        using var near = MaskOps.Dilate(mask, 12);
        using var far = new Mat();
        Cv2.BitwiseNot(near, far);
        Assert.Equal(0, InterCoG.Tests.Imaging.ImagingTestData.CountDifferent(dog.Bgr, edited, far));
    }

    /// <summary>A light, nearly white object with the photo's texture: 255 - (255 - v) / 4.</summary>
    private static Mat Whitened(Mat bgr, Mat mask)
    {
        using var gray = new Mat();
        Cv2.CvtColor(bgr, gray, ColorConversionCodes.BGR2GRAY);
        using var light = new Mat();
        gray.ConvertTo(light, MatType.CV_8U, 0.25, 255 * 0.75);
        using var light3 = new Mat();
        Cv2.CvtColor(light, light3, ColorConversionCodes.GRAY2BGR);
        var result = bgr.Clone();
        light3.CopyTo(result, mask);
        return result;
    }

    [Fact]
    public void White_object_becomes_clearly_red_not_pink()
    {
        using var dog = Dog();
        using var mask = EllipseMask(dog.Bgr.Size(), DogBox);
        using var white = Whitened(dog.Bgr, mask);
        Assert.True(MeanLab(white, mask).L > 80);

        var o = new Recolorer().Recolor(white, mask, TargetColors.Resolve("red"));
        var after = MeanLab(o.Edited, mask);
        var red = Lab.FromRgb(TargetColors.Resolve("red"));
        Assert.True(after.L < 70, $"L {after.L:0} should drop toward red's {red.L:0}");
        Assert.True(after.Chroma > 40, $"chroma {after.Chroma:0}");
        Assert.True(Lab.HueDistance(after.HueDeg, red.HueDeg) < 12);
        Assert.True(Correlation(LInside(white, mask), LInside(o.Edited, mask)) > 0.9);
    }

    [Fact]
    public void Red_object_becomes_white()
    {
        using var dog = Dog();
        using var mask = EllipseMask(dog.Bgr.Size(), DogBox);
        var red = new Recolorer().Recolor(dog.Bgr, mask, TargetColors.Resolve("red"));
        var o = new Recolorer().Recolor(red.Edited, mask, TargetColors.Resolve("white"));
        var after = MeanLab(o.Edited, mask);
        Assert.True(after.L > 80, $"L {after.L:0}");
        Assert.True(after.Chroma < 6, $"chroma {after.Chroma:0}");
        Assert.True(Correlation(LInside(red.Edited, mask), LInside(o.Edited, mask)) > 0.9);
    }

    [Theory]
    [InlineData("black")]
    [InlineData("gray")]
    public void Object_becomes_achromatic_targets(string colour)
    {
        using var dog = Dog();
        var (edited, mask, lBefore) = Run(dog.Bgr, colour, out _);
        var after = MeanLab(edited, mask);
        var t = Lab.FromRgb(TargetColors.Resolve(colour));
        Assert.True(Math.Abs(after.L - t.L) < 15, $"L {after.L:0} vs {t.L:0}");
        Assert.True(after.Chroma < 6, $"chroma {after.Chroma:0}");
        Assert.True(Correlation(lBefore, LInside(edited, mask)) > 0.9);
    }

    [Fact]
    public void Recolor_is_deterministic()
    {
        using var dog = Dog();
        var (a, mask, _) = Run(dog.Bgr, "teal", out _);
        var (b, _, _) = Run(dog.Bgr, "teal", out _);
        Assert.Equal(0, InterCoG.Tests.Imaging.ImagingTestData.CountDifferent(a, b));
    }

    [Fact]
    public void Empty_mask_is_refused()
    {
        using var dog = Dog();
        using var empty = new Mat(dog.Bgr.Size(), MatType.CV_8UC1, Scalar.All(0));
        Assert.Throws<InputException>(() => new Recolorer().Recolor(dog.Bgr, empty, TargetColors.Resolve("red")));
    }
}

public class RecolorRimTests
{
    [Fact]
    public void A_rim_of_the_object_outside_the_mask_is_recoloured_but_the_background_around_it_is_not()
    {
        // A red square (rows/cols 100..199) on a pale sky; the mask is 3 px inside it, as a segmenter's often is.
        using var bgr = new Mat(300, 300, MatType.CV_8UC3, new Scalar(235, 206, 135));
        Cv2.Rectangle(bgr, new Rect(100, 100, 100, 100), new Scalar(30, 30, 200), -1);
        using var mask = new Mat(300, 300, MatType.CV_8UC1, Scalar.All(0));
        Cv2.Rectangle(mask, new Rect(103, 103, 94, 94), Scalar.All(255), -1);
        var outcome = new Recolorer().Recolor(bgr, mask, TargetColors.Resolve("green"));
        using var edited = outcome.Edited;
        var rim = edited.At<Vec3b>(101, 150);   // red object pixel the mask missed
        Assert.True(rim.Item1 > rim.Item2, $"rim {rim} should have turned green");
        // Every sky pixel within the 8 px band keeps its exact colour: no glow.
        for (int y = 92; y < 208; y++)
            for (int x = 92; x < 208; x++)
                if (x < 100 || x >= 200 || y < 100 || y >= 200)
                    Assert.Equal(bgr.At<Vec3b>(y, x), edited.At<Vec3b>(y, x));
    }
}
