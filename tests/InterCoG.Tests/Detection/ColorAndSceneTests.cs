using InterCoG.Imaging;
using InterCoG.Perception;
using OpenCvSharp;
using Xunit;

namespace InterCoG.Tests.DetectionTests;

public class ColorNamerTests
{
    private static Mat Patch(byte b, byte g, byte r, int size = 20) => new(size, size, MatType.CV_8UC3, new Scalar(b, g, r));

    [Theory]
    [InlineData(0, 0, 230, "red")]
    [InlineData(0, 128, 255, "orange")]
    [InlineData(0, 230, 240, "yellow")]
    [InlineData(0, 180, 0, "green")]
    [InlineData(200, 80, 0, "blue")]
    [InlineData(128, 0, 128, "purple")]
    [InlineData(180, 105, 255, "pink")]
    [InlineData(203, 192, 255, "pink")]
    [InlineData(19, 69, 139, "brown")]
    [InlineData(245, 245, 245, "white")]
    [InlineData(128, 128, 128, "gray")]
    [InlineData(10, 10, 10, "black")]
    public void Names_uniform_patches(byte b, byte g, byte r, string expected)
    {
        using var m = Patch(b, g, r);
        Assert.Equal(expected, ColorNamer.Name(m, new Rect(0, 0, 20, 20)));
        Assert.Equal(expected, ColorNamer.NameOf(b, g, r));
    }

    [Fact]
    public void A_red_object_on_a_white_background_is_red_when_it_is_a_third_of_the_pixels()
    {
        using var m = Patch(250, 250, 250, 30);
        m[new Rect(0, 0, 30, 10)].SetTo(new Scalar(0, 0, 220));
        Assert.Equal("red", ColorNamer.Name(m, new Rect(0, 0, 30, 30)));
        using var few = Patch(250, 250, 250, 30);
        few[new Rect(0, 0, 30, 3)].SetTo(new Scalar(0, 0, 220));
        Assert.Equal("white", ColorNamer.Name(few, new Rect(0, 0, 30, 30)));
    }

    [Fact]
    public void The_mask_selects_the_pixels()
    {
        using var m = Patch(200, 80, 0, 40);
        m[new Rect(10, 10, 10, 10)].SetTo(new Scalar(0, 180, 0));
        using var mask = new Mat(40, 40, MatType.CV_8UC1, Scalar.All(0));
        mask[new Rect(10, 10, 10, 10)].SetTo(Scalar.All(255));
        Assert.Equal("blue", ColorNamer.Name(m, new Rect(0, 0, 40, 40)));
        Assert.Equal("green", ColorNamer.Name(m, new Rect(0, 0, 40, 40), mask));
        using var regionMask = new Mat(mask, new Rect(5, 5, 20, 20)).Clone();
        Assert.Equal("green", ColorNamer.Name(m, new Rect(5, 5, 20, 20), regionMask));
    }

    [Fact]
    public void Lab_mean_of_pure_white_and_red()
    {
        using var w = Patch(255, 255, 255);
        var rw = ColorNamer.Measure(w, new Rect(0, 0, 20, 20));
        Assert.Equal(100, rw.L, 1);
        Assert.Equal(0, rw.A, 1);
        Assert.Equal(400, rw.Pixels);
        using var r = Patch(0, 0, 255);
        var rr = ColorNamer.Measure(r, new Rect(0, 0, 20, 20));
        Assert.Equal(53.24, rr.L, 1);
        Assert.Equal(80.09, rr.A, 1);
        Assert.Equal(67.20, rr.B, 1);
        Assert.Equal(1.0, rr.ChromaticFraction);
    }
}

public class SceneBuilderTests
{
    private static Detection D(float x1, float y1, float x2, float y2, string label, float score)
    {
        int c = CocoClasses.IndexOf(label);
        var p = new float[80];
        p[c] = score;
        return new Detection(new Box(x1, y1, x2, y2), c, score, p);
    }

    [Fact]
    public void Ids_follow_x_then_y_then_label_with_colour_and_depth()
    {
        using var img = new Mat(100, 200, MatType.CV_8UC3, new Scalar(245, 245, 245));
        img[new Rect(10, 10, 40, 40)].SetTo(new Scalar(0, 0, 220));      // red cup on the left
        img[new Rect(120, 50, 40, 50)].SetTo(new Scalar(200, 80, 0));    // blue bottle on the right
        var dets = new[]
        {
            D(120, 50, 160, 100, "bottle", 0.7f),
            D(10, 10, 50, 50, "cup", 0.9f),
            D(10, 10, 50, 50, "bowl", 0.4f),
            D(10, 5, 50, 50, "vase", 0.2f),
        };
        var scene = new SceneBuilder().Build(img, dets);
        Assert.Equal((200, 100), (scene.Width, scene.Height));
        Assert.Equal(["vase", "bowl", "cup", "bottle"], scene.Entities.Select(e => e.Label));
        Assert.Equal([1, 2, 3, 4], scene.Entities.Select(e => e.Id));
        Assert.Equal("red", scene.ById(3)!.ColorName);
        Assert.Equal("blue", scene.ById(4)!.ColorName);
        Assert.Equal(0.5, scene.ById(3)!.DepthProxy, 5);
        Assert.Equal(0.0, scene.ById(4)!.DepthProxy, 5);
        Assert.Equal(0.9f, scene.ById(3)!.ProbOf("cup"));
    }

    [Fact]
    public void A_mask_decides_the_colour_over_the_box_centre()
    {
        using var img = new Mat(100, 100, MatType.CV_8UC3, new Scalar(0, 180, 0));
        img[new Rect(0, 0, 100, 20)].SetTo(new Scalar(0, 0, 220));
        using var mask = new Mat(100, 100, MatType.CV_8UC1, Scalar.All(0));
        mask[new Rect(0, 0, 100, 20)].SetTo(Scalar.All(255));
        var det = D(0, 0, 100, 100, "car", 0.8f);
        Assert.Equal("green", new SceneBuilder().Build(img, [det]).Entities[0].ColorName);
        Assert.Equal("red", new SceneBuilder().Build(img, [det], [mask]).Entities[0].ColorName);
    }
}
