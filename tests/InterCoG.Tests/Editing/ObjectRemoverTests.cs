using InterCoG.Editing;
using OpenCvSharp;
using Xunit;
using static InterCoG.Tests.Editing.EditingTestData;
using static InterCoG.Tests.Imaging.ImagingTestData;

namespace InterCoG.Tests.Editing;

public class ObjectRemoverTests
{
    /// <summary>Mean BGR over a ring 4..20 px outside the hole.</summary>
    private static Scalar RingMean(Mat bgr, Mat hole)
    {
        using var outer = MaskOps.Dilate(hole, 20);
        using var inner = MaskOps.Dilate(hole, 4);
        using var ring = new Mat();
        Cv2.Subtract(outer, inner, ring);
        return Cv2.Mean(bgr, ring);
    }

    private static void AssertRemoved(Mat bgr, Mat mask, RemoveOutcome r, double ringTolerance = 20)
    {
        // The object's pixels changed substantially...
        using var diff = new Mat();
        Cv2.Absdiff(bgr, r.Edited, diff);
        var changed = Cv2.Mean(diff, mask);
        Assert.True(changed.Val0 + changed.Val1 + changed.Val2 > 60, $"hole barely changed ({changed})");
        // ...into something like the surroundings.
        var fill = Cv2.Mean(r.Edited, r.Hole);
        var ring = RingMean(bgr, r.Hole);
        for (int c = 0; c < 3; c++)
            Assert.True(Math.Abs(fill[c] - ring[c]) < ringTolerance, $"channel {c}: fill {fill[c]:0} vs ring {ring[c]:0}");
        // Outside the hole nothing moved, and the hole covers the mask.
        using var outside = new Mat();
        Cv2.BitwiseNot(r.Hole, outside);
        Assert.Equal(0, CountDifferent(bgr, r.Edited, outside));
        using var uncovered = new Mat();
        Cv2.BitwiseAnd(mask, outside, uncovered);
        Assert.Equal(0, Cv2.CountNonZero(uncovered));
    }

    [Fact]
    public void Dog_is_filled_from_its_surroundings()
    {
        using var dog = Dog();
        using var mask = EllipseMask(dog.Bgr.Size(), DogBox);
        var r = new ObjectRemover().Remove(dog.Bgr, mask);
        Assert.True(r.Scale < 1);   // this hole is big enough for Telea's pyramid path
        AssertRemoved(dog.Bgr, mask, r);
        // The exemplar fill copies from a band of 0.75× the hole's size, so its mean follows the wider surroundings
        // (here the dog's fur and the grass around it) rather than the 20 px ring.
        AssertRemoved(dog.Bgr, mask, new ObjectRemover(new RemoveOptions { Fill = FillMethod.Patch }).Remove(dog.Bgr, mask), ringTolerance: 30);
    }

    [Fact]
    public void Painted_object_on_the_background_is_removed_and_the_background_comes_back()
    {
        using var dog = Dog();
        var spot = new Rect(400, 25, 50, 40); // out-of-focus grass behind the dog, its smoothest patch
        using var mask = EllipseMask(dog.Bgr.Size(), spot);
        using var painted = dog.Bgr.Clone();
        painted.SetTo(new Scalar(30, 20, 160), mask);
        var r = new ObjectRemover().Remove(painted, mask);
        Assert.Equal(1, r.Scale);
        AssertRemoved(painted, mask, r);
        // Against the real background that was under the paint.
        using var diff = new Mat();
        Cv2.Absdiff(dog.Bgr, r.Edited, diff);
        var err = Cv2.Mean(diff, r.Hole);
        Assert.True(err.Val0 + err.Val1 + err.Val2 < 45, $"fill differs from the true background by {err}");
    }

    [Fact]
    public void Hole_is_the_mask_grown_by_fixed_plus_relative_radius()
    {
        using var dog = Dog();
        using var mask = EllipseMask(dog.Bgr.Size(), DogBox);
        var options = new RemoveOptions { DilatePx = 3, DilateFraction = 0.05, ShadowFraction = 0 };
        var r = new ObjectRemover(options).Remove(dog.Bgr, mask);
        int expected = 3 + (int)Math.Round(0.05 * Math.Sqrt(Cv2.CountNonZero(mask)));
        Assert.Equal(expected, r.DilateRadiusPx);
        using var grown = MaskOps.Dilate(mask, expected);
        Assert.Equal(0, CountDifferent(grown, r.Hole));
    }

    [Fact]
    public void Contact_shadow_adds_only_darker_pixels_below_the_object()
    {
        // a grey floor, a darker shadow band under a box-shaped "object"
        using var img = new Mat(200, 200, MatType.CV_8UC3, Scalar.All(180));
        img[new Rect(60, 40, 80, 100)].SetTo(new Scalar(40, 120, 200));
        img[new Rect(55, 140, 90, 10)].SetTo(Scalar.All(90));
        using var mask = new Mat(200, 200, MatType.CV_8UC1, Scalar.All(0));
        mask[new Rect(60, 40, 80, 100)].SetTo(Scalar.All(255));
        var o = new RemoveOptions { DilatePx = 2, DilateFraction = 0, ShadowFraction = 0.2 };
        var r = new ObjectRemover(o).Remove(img, mask);
        using var grown = MaskOps.Dilate(mask, 2);
        using var extra = new Mat();
        Cv2.Subtract(r.Hole, grown, extra);
        var box = Cv2.BoundingRect(extra);
        Assert.True(Cv2.CountNonZero(extra) > 500, "the shadow band joined the hole");
        Assert.True(box.Y >= 140, $"extra pixels start at y {box.Y}, below the object");
        Assert.True(box.Bottom <= 150, $"extra pixels end at y {box.Bottom}: the light floor stays");
        using var off = new ObjectRemover(o with { ShadowFraction = 0 }).Remove(img, mask).Hole;
        Assert.Equal(0, CountDifferent(grown, off));
    }

    [Fact]
    public void Forbidden_pixels_are_never_copied_into_the_hole()
    {
        // left of the hole a red "other object", right of it a grey floor: with the object forbidden no red comes in
        using var img = new Mat(120, 240, MatType.CV_8UC3, Scalar.All(150));
        img[new Rect(0, 0, 96, 120)].SetTo(new Scalar(0, 0, 230));
        using var mask = new Mat(120, 240, MatType.CV_8UC1, Scalar.All(0));
        mask[new Rect(100, 30, 40, 60)].SetTo(Scalar.All(255));
        using var forbidden = new Mat(120, 240, MatType.CV_8UC1, Scalar.All(0));
        forbidden[new Rect(0, 0, 96, 120)].SetTo(Scalar.All(255));
        foreach (var method in new[] { FillMethod.Telea, FillMethod.Patch })
        {
            var o = new RemoveOptions { Fill = method, DilatePx = 2, DilateFraction = 0, ShadowFraction = 0, Telea = new TeleaFillOptions { TextureSigmaPx = 0 } };
            var free = new ObjectRemover(o).Remove(img, mask);
            var kept = new ObjectRemover(o).Remove(img, mask, forbidden);
            double redFree = Cv2.Mean(free.Edited, free.Hole).Val2, redKept = Cv2.Mean(kept.Edited, kept.Hole).Val2;
            Assert.True(redKept < 160, $"{method}: mean red in the hole {redKept:0} with the object forbidden");
            Assert.True(redKept <= redFree, $"{method}: {redKept:0} vs {redFree:0} without the rule");
        }
    }

    [Fact]
    public void Remove_is_deterministic()
    {
        using var dog = Dog();
        using var mask = EllipseMask(dog.Bgr.Size(), DogBox);
        var a = new ObjectRemover().Remove(dog.Bgr, mask);
        var b = new ObjectRemover().Remove(dog.Bgr, mask);
        Assert.Equal(0, CountDifferent(a.Edited, b.Edited));
    }
}
