using Xunit;
using InterCoG.Imaging;
using InterCoG.Perception.Segmentation;
using OpenCvSharp;

namespace InterCoG.Tests.Segmentation;

public sealed class SegmentationCropTests
{
    [Fact]
    public void The_crop_pads_the_box_and_clamps_to_the_image()
    {
        var opts = new SegmenterOptions { PadFraction = 0.25f, ClipPadFraction = 0.05f };
        var c = SegmentationCrop.For(new Box(10, 100, 110, 300), 400, 320, opts);
        Assert.Equal(new Rect(0, 50, 135, 270), c.Crop);          // x: 10−25 → 0; y: 100−50 .. 300+50 → 320
        Assert.Equal(new Rect(10, 50, 100, 200), c.BoxInCrop);
        Assert.Equal(ImageEdges.Left | ImageEdges.Bottom, c.Edges);
        Assert.Equal(new Rect(5, 40, 110, 220), c.ClipInCrop);
    }

    [Fact]
    public void A_box_outside_the_image_is_bad_input()
    {
        Assert.Throws<InputException>(() => SegmentationCrop.For(new Box(500, 500, 600, 600), 400, 300, new SegmenterOptions()));
    }

    [Fact]
    public void Components_outside_the_box_are_dropped_and_the_mask_is_clipped()
    {
        using var mask = new Mat(100, 100, MatType.CV_8UC1, Scalar.All(0));
        Cv2.Rectangle(mask, new Rect(30, 30, 40, 40), Scalar.All(255), -1); // the object, in the box
        Cv2.Rectangle(mask, new Rect(0, 0, 10, 10), Scalar.All(255), -1);   // a salient thing outside the box
        Cv2.Rectangle(mask, new Rect(60, 40, 40, 5), Scalar.All(255), -1);  // an arm reaching out of the box
        using var kept = MaskCleanup.KeepComponentsInBox(mask, new Rect(25, 25, 50, 50), 0.3);
        Assert.Equal(0, kept.At<byte>(5, 5));
        Assert.Equal(255, kept.At<byte>(50, 50));
        Assert.Equal(255, kept.At<byte>(42, 74));
        Assert.Equal(0, kept.At<byte>(42, 80)); // clipped at the box
    }
}
