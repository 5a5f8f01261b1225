using InterCoG.Editing;
using OpenCvSharp;
using Xunit;
using static InterCoG.Tests.Editing.EditingTestData;

namespace InterCoG.Tests.Editing;

public class PatchInpainterTests
{
    [Fact]
    public void Fill_changes_only_the_hole_and_is_deterministic()
    {
        using var dog = Dog();
        using var hole = EllipseMask(dog.Bgr.Size(), DogBox);
        var p = new PatchInpainter();
        using var a = p.Fill(dog.Bgr, hole);
        using var b = p.Fill(dog.Bgr, hole);
        Assert.Equal(0, InterCoG.Verify.Verifier.ChangedOutsideBand(dog.Bgr, a, hole, 0));
        using var d = new Mat();
        Cv2.Absdiff(a, b, d);
        Assert.Equal(0, Cv2.CountNonZero(d.Reshape(1)));
        // The dog is gone: the fill differs from the input over most of the hole.
        Cv2.Absdiff(a, dog.Bgr, d);
        using var g = new Mat();
        Cv2.CvtColor(d, g, ColorConversionCodes.BGR2GRAY);
        using var changed = new Mat();
        Cv2.Threshold(g, changed, 10, 255, ThresholdTypes.Binary);
        Cv2.BitwiseAnd(changed, hole, changed);
        Assert.True(Cv2.CountNonZero(changed) > 0.5 * Cv2.CountNonZero(hole));
    }

    [Fact]
    public void Every_filled_pixel_is_copied_from_a_known_pixel()
    {
        using var dog = Dog();
        // A small box hole (single pyramid level): exemplar copying means no invented colours.
        using var hole = new Mat(dog.Bgr.Size(), MatType.CV_8UC1, Scalar.All(0));
        hole[new Rect(300, 300, 40, 30)].SetTo(Scalar.All(255));
        using var filled = new PatchInpainter().Fill(dog.Bgr, hole);
        var known = new HashSet<int>();
        int rows = hole.Rows, cols = hole.Cols;
        for (int y = 0; y < rows; y++)
            for (int x = 0; x < cols; x++)
                if (hole.At<byte>(y, x) == 0) { var v = dog.Bgr.At<Vec3b>(y, x); known.Add(v.Item0 | v.Item1 << 8 | v.Item2 << 16); }
        for (int y = 300; y < 330; y++)
            for (int x = 300; x < 340; x++)
            {
                var v = filled.At<Vec3b>(y, x);
                Assert.Contains(v.Item0 | v.Item1 << 8 | v.Item2 << 16, known);
            }
    }

    [Fact]
    public void Removal_with_the_patch_method_uses_the_exemplar_fill()
    {
        using var dog = Dog();
        using var mask = EllipseMask(dog.Bgr.Size(), DogBox);
        var patch = new ObjectRemover(new RemoveOptions { Fill = FillMethod.Patch }).Remove(dog.Bgr, mask);
        var telea = new ObjectRemover().Remove(dog.Bgr, mask);
        using (patch.Edited) using (patch.Hole) using (telea.Edited) using (telea.Hole)
        {
            Assert.Equal(0, InterCoG.Verify.Verifier.ChangedOutsideBand(dog.Bgr, patch.Edited, patch.Hole, 0));
            using var d = new Mat();
            Cv2.Absdiff(patch.Edited, telea.Edited, d);
            Assert.True(Cv2.CountNonZero(d.Reshape(1)) > 1000);
        }
    }
}
