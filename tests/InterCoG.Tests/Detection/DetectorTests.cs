using InterCoG.Bench;
using InterCoG.Data;
using InterCoG.Imaging;
using InterCoG.Perception;
using OpenCvSharp;
using Xunit;

namespace InterCoG.Tests.DetectionTests;

/// <summary>Loads each detector model once for all detector tests.</summary>
public sealed class DetectorFixture : IDisposable
{
    public DetectorOptions Options { get; } = new();
    public YoloxDetector Yolox { get; }
    public UltralyticsDetector Yolov8 { get; }

    public DetectorFixture()
    {
        Yolox = new YoloxDetector(DetectionTestPaths.YoloxModel, Options);
        Yolov8 = new UltralyticsDetector(DetectionTestPaths.Yolov8Model, Options);
    }

    public void Dispose() { Yolox.Dispose(); Yolov8.Dispose(); }
}

public class DetectorTests(DetectorFixture f) : IClassFixture<DetectorFixture>
{
    private static bool Contains(Box b, float x, float y) => x >= b.X1 && x < b.X2 && y >= b.Y1 && y < b.Y2;

    [Fact]
    public void Yolox_reads_its_input_size_from_the_model()
    {
        Assert.Equal(416, f.Yolox.InputSize);
        Assert.Equal(640, f.Yolov8.InputSize);
    }

    [Fact]
    public void Yolox_finds_the_horses()
    {
        using var img = DetectionTestPaths.ReadBgr(TestSupport.TestPaths.Horses);
        var horses = f.Yolox.Detect(img).Where(d => d.Label == "horse" && d.Score >= 0.3f).ToList();
        Assert.True(horses.Count >= 3, $"{horses.Count} horses");
        // the black horse on the left (centre about 250,380) and the black one on the right (about 745,400)
        Assert.Contains(horses, h => Contains(h.Box, 250, 380) && h.Box.X2 < 420);
        Assert.Contains(horses, h => Contains(h.Box, 745, 400) && h.Box.X1 > 540);
    }

    [Fact]
    public void Yolox_finds_dog_car_and_frisbee_in_place()
    {
        // coco128 000000000307.jpg, annotated: dog [406,198,578,366], car [384,49,432,66], frisbee [352,367,422,474] (XYXY)
        using var img = DetectionTestPaths.ReadBgr(TestSupport.TestPaths.Coco128Image("000000000307.jpg"));
        var dets = f.Yolox.Detect(img).Where(d => d.Score >= 0.3f).ToList();
        Assert.Contains(dets, d => d.Label == "dog" && d.Box.Iou(new Box(406, 198, 578, 366)) >= 0.7f);
        Assert.Contains(dets, d => d.Label == "car" && d.Box.Iou(new Box(384, 49, 432, 66)) >= 0.5f);
        Assert.Contains(dets, d => d.Label == "frisbee" && d.Box.Iou(new Box(352, 367, 422, 474)) >= 0.7f);
    }

    [Fact]
    public void Class_probabilities_are_80_values_whose_maximum_is_the_label()
    {
        using var img = DetectionTestPaths.ReadBgr(TestSupport.TestPaths.Coco128Image("000000000307.jpg"));
        foreach (var d in f.Yolox.Detect(img).Concat(f.Yolov8.Detect(img)))
        {
            Assert.Equal(80, d.ClassProbs.Length);
            Assert.Equal(d.Score, d.ClassProbs[d.ClassId]);
            Assert.Equal(d.Score, d.ClassProbs.Max());
            Assert.All(d.ClassProbs, p => Assert.InRange(p, 0f, 1f));
            Assert.True(d.Score >= f.Options.MinScore);
        }
    }

    [Fact]
    public void Detection_is_deterministic()
    {
        using var img = DetectionTestPaths.ReadBgr(TestSupport.TestPaths.Horses);
        var a = f.Yolox.Detect(img);
        var b = f.Yolox.Detect(img);
        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i].Box, b[i].Box);
            Assert.Equal(a[i].ClassProbs, b[i].ClassProbs);
        }
    }

    [Fact]
    public void Ultralytics_finds_the_horses_with_centred_letterbox_boxes()
    {
        using var img = DetectionTestPaths.ReadBgr(TestSupport.TestPaths.Horses);
        var horses = f.Yolov8.Detect(img).Where(d => d.Label == "horse" && d.Score >= 0.3f).ToList();
        Assert.True(horses.Count >= 3, $"{horses.Count} horses");
        // the black horse on the right, as YOLOX boxes it at [584,235,904,564]: not shifted by the (vertical) letterbox padding
        Assert.Contains(horses, h => MathF.Abs(h.Box.Y1 - 235) < 25 && MathF.Abs(h.Box.X1 - 584) < 25 && MathF.Abs(h.Box.Y2 - 564) < 25);
    }

    [Fact]
    public void Tiling_finds_more_small_objects_than_one_pass()
    {
        using var img = DetectionTestPaths.ReadBgr(Path.Combine(DetectionTestPaths.RefCoco("livingroom"), "images", "000000.png"));
        var single = new TiledDetector(f.Yolox, f.Options with { Tiling = false }).Detect(img).Count(d => d.Score >= 0.25f);
        var tiled = new TiledDetector(f.Yolox, f.Options).Detect(img).Count(d => d.Score >= 0.25f);
        Assert.True(tiled > single, $"tiled {tiled} vs single {single}");
    }

    [Fact]
    public void Union_keeps_boxes_from_both_detectors_without_duplicates()
    {
        using var img = DetectionTestPaths.ReadBgr(TestSupport.TestPaths.Coco128Image("000000000307.jpg"));
        var u = new UnionDetector([f.Yolox, f.Yolov8], f.Options).Detect(img);
        Assert.Single(u, d => d.Label == "dog" && d.Score >= 0.3f);
        float best = Math.Max(f.Yolox.Detect(img).Where(x => x.Label == "dog").Max(x => x.Score), f.Yolov8.Detect(img).Where(x => x.Label == "dog").Max(x => x.Score));
        Assert.Contains(u, d => d.Label == "dog" && d.Score == best); // the better of the two detectors' dogs is the one kept
    }

    [Fact]
    public void Recall_on_the_kitchen_scenes_reaches_its_floor()
    {
        string dir = DetectionTestPaths.RefCoco("kitchen");
        var coco = CocoDataset.Load(Path.Combine(dir, "instances.json"));
        var refs = RefCocoRefs.Load(Path.Combine(dir, "refs.json"));
        var r = DetectionRecall.Measure(new TiledDetector(f.Yolox, f.Options), coco, refs, DetectionTestPaths.ReadBgr);
        Assert.Equal(88, r.Targets);
        Assert.Equal(5, r.Images);
        Assert.Equal(r.Targets, r.Items.Count);
        Assert.True(r.RecallClass <= r.RecallTop3 && r.RecallTop3 <= r.RecallAgnostic);
        Assert.True(r.RecallClass >= 0.50, $"recall {r.RecallClass:P0}"); // measured 57 % (defaults: 2×2+3×3 tiles, MinScore 0.02)
    }

    [Fact]
    public void A_missing_model_names_the_install_command()
    {
        var e = Assert.Throws<ModelMissingException>(() => new YoloxDetector("/nonexistent/yolox.onnx"));
        Assert.Contains("models install", e.Message);
    }

    [Fact]
    public void A_model_of_the_wrong_layout_is_rejected_with_its_shape()
    {
        var e = Assert.Throws<ModelFormatException>(() => new YoloxDetector(DetectionTestPaths.Yolov8Model));
        Assert.Contains("[1,84,8400]", e.Message);
        Assert.Throws<ModelFormatException>(() => new UltralyticsDetector(DetectionTestPaths.YoloxModel));
    }
}
