using InterCoG.Editing;
using InterCoG.Imaging;
using InterCoG.Verify;
using OpenCvSharp;
using Xunit;
using static InterCoG.Tests.Editing.EditingTestData;

namespace InterCoG.Tests.Editing;

public class ObjectMoverTests
{
    private static Mat Diff(Mat a, Mat b)
    {
        var d = new Mat();
        Cv2.Absdiff(a, b, d);
        var g = new Mat();
        Cv2.CvtColor(d, g, ColorConversionCodes.BGR2GRAY);
        d.Dispose();
        return g;
    }

    [Fact]
    public void Move_pastes_the_object_pixels_at_the_shifted_place_and_changes_nothing_outside_the_region()
    {
        using var dog = Dog();
        using var mask = EllipseMask(dog.Bgr.Size(), DogBox);
        using var r = new ClassicEditBackend().Apply(Context(dog.Bgr, mask, "move", new() { ["dx"] = "150", ["dy"] = "-20" }));
        Assert.Equal(dog.Bgr.Size(), r.Edited.Size());
        Assert.Equal(0, Verifier.ChangedOutsideBand(dog.Bgr, r.Edited, r.Region, 0));
        var box = Cv2.BoundingRect(mask);
        // well inside the mask the pasted pixels equal the source pixels shifted by (150, -20)
        for (int y = box.Y + box.Height / 3; y < box.Y + 2 * box.Height / 3; y += 7)
            for (int x = box.X + box.Width / 3; x < box.X + 2 * box.Width / 3; x += 7)
                Assert.Equal(dog.Bgr.At<Vec3b>(y, x), r.Edited.At<Vec3b>(y - 20, x + 150));
        Assert.Equal(box.X, r.Data!["old_x1"]);
        Assert.Equal(box.X + 150, r.Data["new_x1"]);
        // the region covers the old place (filled) and the new one
        Assert.Equal(255, r.Region.At<byte>(box.Y + box.Height / 2, box.X + box.Width / 2));
        Assert.Equal(255, r.Region.At<byte>(box.Y + box.Height / 2 - 20, box.X + box.Width / 2 + 150));
        // the old centre (outside the new box) no longer holds the object's pixels
        int cy = box.Y + box.Height / 2, cx = box.X + 30;
        using var d = Diff(dog.Bgr, r.Edited);
        Assert.True(Cv2.CountNonZero(new Mat(d, new Rect(cx - 5, cy - 5, 10, 10))) > 50);
    }

    [Fact]
    public void Move_past_the_border_is_clipped_and_keeps_the_size()
    {
        using var dog = Dog();
        using var mask = EllipseMask(dog.Bgr.Size(), DogBox);
        using var r = new ClassicEditBackend().Apply(Context(dog.Bgr, mask, "move", new() { ["dx"] = "-250" }));
        Assert.Equal(dog.Bgr.Size(), r.Edited.Size());
        Assert.Contains("clipped", r.Text);
        Assert.True(r.Data!["new_x1"] < 0);
        Assert.Equal(0, Verifier.ChangedOutsideBand(dog.Bgr, r.Edited, r.Region, 0));
        Assert.Throws<InputException>(() => new ClassicEditBackend().Apply(Context(dog.Bgr, mask, "move", new() { ["dx"] = "-5000" })));
    }

    [Fact]
    public void Duplicate_keeps_the_original_untouched_and_adds_a_copy_beside_it()
    {
        using var dog = Dog();
        using var mask = EllipseMask(dog.Bgr.Size(), DogBox);
        using var r = new ClassicEditBackend().Apply(Context(dog.Bgr, mask, "duplicate"));
        using var d = Diff(dog.Bgr, r.Edited);
        using var inOriginal = new Mat();
        Cv2.BitwiseAnd(d, mask, inOriginal);
        Assert.Equal(0, Cv2.CountNonZero(inOriginal));
        Assert.True(r.Data!["new_x1"] >= r.Data["old_x2"], "the copy goes beside the original");
        Assert.Equal(r.Data["old_x2"] - r.Data["old_x1"], r.Data["new_x2"] - r.Data["new_x1"], 1);
        Assert.True(Cv2.CountNonZero(d) > Cv2.CountNonZero(mask) / 2);
    }

    [Fact]
    public void Resize_scales_the_box_about_its_bottom_centre_and_needs_a_scale()
    {
        using var dog = Dog();
        using var mask = EllipseMask(dog.Bgr.Size(), DogBox);
        var b = new ClassicEditBackend();
        using var r = b.Apply(Context(dog.Bgr, mask, "resize", new() { ["scale"] = "0.5" }));
        double ow = r.Data!["old_x2"] - r.Data["old_x1"], nw = r.Data["new_x2"] - r.Data["new_x1"];
        Assert.Equal(0.5, nw / ow, 2);
        Assert.Equal(r.Data["old_y2"], r.Data["new_y2"], 1);
        Assert.Equal((r.Data["old_x1"] + r.Data["old_x2"]) / 2, (r.Data["new_x1"] + r.Data["new_x2"]) / 2, 1);
        Assert.Equal(0, Verifier.ChangedOutsideBand(dog.Bgr, r.Edited, r.Region, 0));
        Assert.Throws<InputException>(() => b.Apply(Context(dog.Bgr, mask, "resize")));
        Assert.Throws<InputException>(() => b.Apply(Context(dog.Bgr, mask, "resize", new() { ["scale"] = "0" })));
    }

    [Fact]
    public void Next_to_places_beside_the_anchor_with_bottoms_aligned()
    {
        var mover = new ObjectMover(new ObjectRemover());
        var size = new Size(800, 600);
        var obj = new Box(100, 300, 200, 500);
        var placed = mover.NextTo(obj, new Box(400, 250, 500, 450), "left_of", size);
        Assert.True(placed.X2 <= 400);
        Assert.Equal(450, placed.Y2, 1);
        Assert.Equal(obj.Width, placed.Width, 1);
        var right = mover.NextTo(obj, new Box(600, 250, 780, 450), "right_of", size);
        Assert.True(right.X2 <= 800, "moved back inside the image");
        var dir = mover.DirectionShift(obj, "left", size);
        Assert.Equal(-100, dir.Dx, 1); // only 100 px of room on the left
    }
}
