using InterCoG.Tests.TestSupport;
using Xunit;
using InterCoG.Imaging;
using InterCoG.Models;
using InterCoG.Perception.Segmentation;
using InterCoG.Tests.Models;
using OpenCvSharp;

namespace InterCoG.Tests.Segmentation;

/// <summary>IS-Net, GrabCut and the automatic choice on a real photo: the dog of coco128's 000000000307.jpg (640×480),
/// annotated at [406,198,578,366].</summary>
[Collection(ModelCollection.Name)]
public sealed class BoxSegmenterTests(ModelFixture models)
{
    private static readonly Box Dog = new(406, 198, 578, 366);

    private static Mat Photo() => Cv2.ImRead(TestPaths.Coco128Image("000000000307.jpg"), ImreadModes.Color);

    /// <summary>Share of the box covered by the mask, and share of the mask inside the box.</summary>
    private static (double Fill, double Inside) Measure(Mat mask, Box box)
    {
        var rect = box.ToRect(mask.Cols, mask.Rows);
        using var inBox = new Mat(mask, rect);
        double inside = Cv2.CountNonZero(inBox);
        double total = Cv2.CountNonZero(mask);
        return (inside / ((double)rect.Width * rect.Height), total == 0 ? 0 : inside / total);
    }

    [Fact]
    public void IsNet_masks_the_dog_inside_its_box()
    {
        using var photo = Photo();
        using var seg = IsNetSegmenter.FromStore(models.Store);
        Assert.Equal(512, seg.Size);
        var outcome = seg.SegmentWithReport(photo, Dog);
        using var result = outcome.Result;
        Assert.Equal(MatType.CV_8UC1, result.Mask.Type());
        Assert.Equal(photo.Size(), result.Mask.Size());
        var (fill, inside) = Measure(result.Mask, Dog);
        Assert.InRange(fill, 0.3, 0.9);
        Assert.True(inside > 0.95, $"inside {inside:F2}");
        Assert.True(outcome.Report.Accepted, outcome.Report.ToString());
        Assert.Equal("isnet-512", result.Method);
    }

    [Fact]
    public void IsNet_at_every_installed_resolution_loads_with_its_own_input_size()
    {
        using var photo = Photo();
        foreach (int size in ModelCatalog.IsNetDerivedSizes.Append(1024))
        {
            if (size == 1024) continue; // the 1024 model takes seconds per run; its shape is checked below
            using var seg = new IsNetSegmenter(models.Store.RequirePath(ModelCatalog.IsNetAt(size)));
            Assert.Equal(size, seg.Size);
            using var prediction = seg.Predict(photo, Dog);
            Assert.Equal(prediction.Crop.Crop.Size, prediction.Probability.Size());
        }
        using var original = new Microsoft.ML.OnnxRuntime.InferenceSession(models.Store.RequirePath(ModelCatalog.IsNet));
        Assert.Equal([1, 3, 1024, 1024], original.InputMetadata.First().Value.Dimensions);
    }

    [Fact]
    public void IsNet_is_deterministic()
    {
        using var photo = Photo();
        using var seg = IsNetSegmenter.FromStore(models.Store, new SegmenterOptions { Resolution = 320 });
        using var a = seg.Segment(photo, Dog);
        using var b = seg.Segment(photo, Dog);
        Assert.Equal(0, Cv2.Norm(a.Mask, b.Mask, NormTypes.L1));
    }

    [Fact]
    public void GrabCut_masks_the_dog_and_repeats_exactly()
    {
        using var photo = Photo();
        var seg = new GrabCutSegmenter();
        using var a = seg.Segment(photo, Dog);
        using var b = seg.Segment(photo, Dog);
        Assert.Equal("grabcut", a.Method);
        var (fill, inside) = Measure(a.Mask, Dog);
        Assert.InRange(fill, 0.25, 0.95);
        Assert.True(inside > 0.95, $"inside {inside:F2}");
        Assert.Equal(0, Cv2.Norm(a.Mask, b.Mask, NormTypes.L1));
    }

    [Fact]
    public void Auto_keeps_IsNet_on_the_dog()
    {
        using var photo = Photo();
        using var isNet = IsNetSegmenter.FromStore(models.Store);
        var auto = new AutoSegmenter(isNet, new GrabCutSegmenter());
        var outcome = auto.SegmentWithReport(photo, Dog);
        using var result = outcome.Result;
        Assert.Equal("isnet-512", result.Method);
        Assert.Null(outcome.GrabCutReport);
        Assert.Equal(outcome.IsNetReport.Score, result.Quality);
    }

    [Fact]
    public void Auto_falls_back_to_GrabCut_when_IsNet_finds_nothing_salient_in_the_box()
    {
        // A flat grey image with a faint square: IS-Net's map is empty or undecided there.
        using var flat = new Mat(400, 400, MatType.CV_8UC3, Scalar.All(128));
        Cv2.Rectangle(flat, new Rect(150, 150, 100, 100), Scalar.All(131), -1);
        using var isNet = IsNetSegmenter.FromStore(models.Store, new SegmenterOptions { Resolution = 320 });
        var auto = new AutoSegmenter(isNet, new GrabCutSegmenter());
        var outcome = auto.SegmentWithReport(flat, new Box(140, 140, 260, 260));
        using var result = outcome.Result;
        Assert.False(outcome.IsNetReport.Accepted);
        Assert.StartsWith("grabcut (isnet-320 rejected: ", result.Method);
        Assert.NotNull(outcome.GrabCutReport);
    }

    [Fact]
    public void A_missing_IsNet_variant_throws_the_install_hint()
    {
        var empty = new ModelStore(Path.Combine(Path.GetTempPath(), "intercog-none-" + Environment.ProcessId));
        var e = Assert.Throws<ModelMissingException>(() => IsNetSegmenter.FromStore(empty));
        Assert.Contains("isnet_512.onnx", e.Message);
        Assert.Contains("./intercog models install", e.Message);
    }
}
