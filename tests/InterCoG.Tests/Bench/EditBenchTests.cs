using InterCoG.Bench;
using InterCoG.Editing;
using InterCoG.Tests.TestSupport;
using OpenCvSharp;
using Xunit;

namespace InterCoG.Tests.Bench;

public class EditBenchTests
{
    private static string VocJson => Path.Combine(TestPaths.VocInstances, "coco", "annotations.json");
    private static string VocImages => Path.Combine(TestPaths.VocInstances, "coco");

    [Fact]
    public void Edits_on_real_objects_leave_everything_beyond_the_band_identical()
    {
        var scores = EditBench.Run([(VocJson, VocImages)], ["pixelate", "darken", "cutout"], new ClassicEditBackend(), null,
            new EditBenchOptions { Limit = 2 });
        Assert.Equal(3, scores.Count);
        foreach (var s in scores)
        {
            Assert.Equal(2, s.Edits);
            Assert.Equal(0, s.ChangedOutsideBand);
            Assert.True(double.IsPositiveInfinity(s.PsnrOutsideBand));
            Assert.Null(s.VerifyChecked);
            Assert.InRange(s.SsimOutsideMask, 0.9, 1.0);
        }
        Assert.Equal(1.0, scores.Single(s => s.Operation == "cutout").SsimOutsideMask, 6);
    }

    [Fact]
    public void Unsupported_operation_is_bad_input()
    {
        Assert.Throws<InputException>(() => EditBench.Run([(VocJson, VocImages)], ["replace"], new ClassicEditBackend(), null));
    }

    [Fact]
    public void Metrics_are_infinite_and_one_for_identical_images_and_finite_otherwise()
    {
        using var dog = InterCoG.Tests.Editing.EditingTestData.Dog();
        using var mask = InterCoG.Tests.Editing.EditingTestData.EllipseMask(dog.Bgr.Size(), InterCoG.Tests.Editing.EditingTestData.DogBox);
        Assert.True(double.IsPositiveInfinity(ImageMetrics.Psnr(dog.Bgr, dog.Bgr, mask)));
        Assert.Equal(1.0, ImageMetrics.Ssim(dog.Bgr, dog.Bgr, mask), 9);
        using var blurred = new Mat();
        Cv2.GaussianBlur(dog.Bgr, blurred, new Size(0, 0), 3);
        double psnr = ImageMetrics.Psnr(dog.Bgr, blurred, mask);
        Assert.InRange(psnr, 15, 45);
        Assert.InRange(ImageMetrics.Ssim(dog.Bgr, blurred, mask), 0.2, 0.99);
    }

    [Fact]
    public void Placement_avoids_annotated_objects()
    {
        var (photo, set, img) = BenchPhotos.FromCoco(VocJson, VocImages).First();
        using var shape = CocoShape(set, img);
        using var placed = FillBench.Place(photo, shape, 0);
        Assert.NotNull(placed);
        using var overlap = new Mat();
        Cv2.BitwiseAnd(placed, photo.Objects, overlap);
        Assert.Equal(0, Cv2.CountNonZero(overlap));
        Assert.True(Cv2.CountNonZero(placed) >= 400);
        photo.Bgr.Dispose(); photo.Objects.Dispose();
    }

    private static Mat CocoShape(InterCoG.Data.CocoDataset set, InterCoG.Data.CocoImage img) =>
        InterCoG.Data.CocoMasks.ToMask(set.AnnotationsOf(img.Id).OrderBy(a => a.Area).First(), img.Width, img.Height);
}
