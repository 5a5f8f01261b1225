using InterCoG.Bench;
using InterCoG.Data;
using InterCoG.Imaging;
using InterCoG.Tests.TestSupport;

namespace InterCoG.Tests.Bench;

public class GroundingBenchTests
{
    [Theory]
    [InlineData("leftmost bowl", "extreme")]
    [InlineData("second cup from the left", "ordinal")]
    [InlineData("bowl on the left", "region")]
    [InlineData("bowl near the top", "region")]
    [InlineData("closest bowl", "depth_near")]
    [InlineData("bowl in the foreground", "depth_near")]
    [InlineData("most distant bowl", "depth_far")]
    [InlineData("bowl in the background", "depth_far")]
    [InlineData("the cup in front of the laptop", "depth_front_behind")]
    [InlineData("the cup closest to the laptop", "next_to")]
    [InlineData("the cup between the laptop and the bowl", "between")]
    [InlineData("the biggest cup", "size")]
    [InlineData("the red cup", "color")]
    [InlineData("the cup that is not red", "negation")]
    [InlineData("both cups", "count")]
    [InlineData("sports ball", "plain")]
    public void Classify_puts_each_phrasing_in_its_relation_type(string sentence, string expected) =>
        Assert.Equal(expected, GroundingBench.Classify(sentence));

    [Fact]
    public void Size_and_distractor_classes_follow_the_coco_thresholds()
    {
        Assert.Equal("small", GroundingBench.SizeClass(new Box(0, 0, 31, 32)));
        Assert.Equal("medium", GroundingBench.SizeClass(new Box(0, 0, 32, 32)));
        Assert.Equal("large", GroundingBench.SizeClass(new Box(0, 0, 96, 96)));
        Assert.Equal("3+", GroundingBench.DistractorClass(5));
        Assert.Equal("1", GroundingBench.DistractorClass(1));
    }

    [Fact]
    public void Oracle_run_on_the_kitchen_set_grounds_every_sentence_and_reports_consistent_buckets()
    {
        string dir = Path.Combine(TestPaths.RefCoco3ds, "kitchen");
        var coco = CocoDataset.Load(Path.Combine(dir, "instances.json"));
        var refs = RefCocoRefs.Load(Path.Combine(dir, "refs.json"));
        var r = GroundingBench.Run(coco, refs, Path.Combine(dir, "images"), p => { using var img = ImageCodec.Load(p); return img.Bgr.Clone(); }, null);
        Assert.True(r.Oracle);
        Assert.Equal(refs.Sum(x => x.Sentences.Count), r.N);
        Assert.Equal(r.N, r.ByRelation.Values.Sum(b => b.N));
        Assert.Equal(r.N, r.BySize.Values.Sum(b => b.N));
        Assert.Equal(r.Items.Count(i => i.Hit), r.ByDistractors.Values.Sum(b => b.Hits));
        // With the annotations as the scene, a lone object of its class is always found.
        Assert.Equal(1.0, r.ByDistractors["0"].Acc50);
        // Extremes ("leftmost bowl") are pure geometry on exact boxes.
        Assert.True(r.ByRelation["extreme"].Acc50 >= 0.8, $"extreme {r.ByRelation["extreme"].Acc50}");
        Assert.All(r.Items.Where(i => i.Hit), i => Assert.True(i.Iou >= 0.5f));
        string html = GroundingBench.Html(r, "kitchen");
        Assert.Contains("<svg", html);
        Assert.Contains("extreme", html);
        Assert.Contains("Outcomes by relation", html);
        Assert.Contains("Time per sentence", html);
        Assert.All(r.Items, i => Assert.True(i.Ms >= 0));
        var withCues = GroundingBench.Html(r, "kitchen", GroundingBench.Cues(coco, refs));
        Assert.Contains("Each cue alone", withCues);
        // Every annotation here has a polygon: each sentence has a box-as-mask IoU, 0 for misses, and a hit's box
        // covers its polygon well but not exactly (a box is larger than the object's outline).
        Assert.All(r.Items, i => Assert.NotNull(i.MaskIou));
        Assert.All(r.Items.Where(i => i.Outcome != "unique"), i => Assert.Equal(0f, i.MaskIou));
        Assert.InRange(r.MaskIoU!.Value, 0.3, 0.9);
        // Grounding by the bottom edge and box-edge-precision ties: nearest picks are all right on exact boxes.
        Assert.Equal(1.0, r.ByRelation["depth_near"].Acc50);
        Assert.True(r.Acc50 >= 0.9, $"Acc@0.5 {r.Acc50}");
    }

    [Fact]
    public void Box_as_mask_iou_counts_pixels_inside_the_box()
    {
        using var mask = new OpenCvSharp.Mat(100, 100, OpenCvSharp.MatType.CV_8UC1, OpenCvSharp.Scalar.All(0));
        using (var roi = new OpenCvSharp.Mat(mask, new OpenCvSharp.Rect(10, 10, 20, 20))) roi.SetTo(OpenCvSharp.Scalar.All(255)); // 400 px
        Assert.Equal(1f, GroundingBench.BoxMaskIou(new Box(10, 10, 30, 30), mask, 400), 3);
        Assert.Equal(0.5f, GroundingBench.BoxMaskIou(new Box(10, 10, 30, 50), mask, 400), 3); // 800 px box, 400 inside
        Assert.Equal(0f, GroundingBench.BoxMaskIou(new Box(60, 60, 90, 90), mask, 400), 3);
        Assert.Equal(100f / 700f, GroundingBench.BoxMaskIou(new Box(-20, -20, 20, 20), mask, 400), 3); // clipped to 20×20: 100 inside, union 700
    }

    [Fact]
    public void Each_cue_alone_is_scored_on_extreme_and_depth_sentences()
    {
        string dir = Path.Combine(TestPaths.RefCoco3ds, "kitchen");
        var coco = CocoDataset.Load(Path.Combine(dir, "instances.json"));
        var refs = RefCocoRefs.Load(Path.Combine(dir, "refs.json"));
        var rows = GroundingBench.Cues(coco, refs);
        Assert.Contains(rows, c => c.Pick == "near" && c.Cue == "mask size");
        Assert.DoesNotContain(rows, c => c.Pick == "left" && c.Cue == "mask size");
        Assert.All(rows, c => Assert.InRange(c.Hits, 0, c.N));
        // The bottom edge orders top/bottom on this set without a miss; the top edge does not.
        var top = rows.Where(c => c.Pick == "top").ToDictionary(c => c.Cue);
        Assert.Equal(top["bottom edge"].N, top["bottom edge"].Hits);
        Assert.True(top["top edge"].Hits < top["top edge"].N);
    }
}

/// <summary>End to end on one kitchen image with the real detector: the perception/reasoning split is consistent.</summary>
[Collection(ModelCollection.Name)]
public class GroundingBenchPerceptionTests
{
    [Fact]
    public void Every_hit_had_its_object_among_the_candidates_and_the_split_adds_up()
    {
        string dir = Path.Combine(TestPaths.RefCoco3ds, "kitchen");
        var coco = CocoDataset.Load(Path.Combine(dir, "instances.json"));
        var refs = RefCocoRefs.Load(Path.Combine(dir, "refs.json")).Where(x => x.ImageId == 0).ToList();
        var detector = InterCoG.Chain.EngineFactory.CreateDetector(InterCoG.Models.ModelStore.Default, new InterCoG.Perception.DetectorOptions { ExtraModels = [] });
        var r = GroundingBench.Run(coco, refs, Path.Combine(dir, "images"), p => { using var img = ImageCodec.Load(p); return img.Bgr.Clone(); }, detector,
            new InterCoG.Reasoning.ReasoningOptions { CandidateMinProb = 0.1f });
        Assert.False(r.Oracle);
        var split = Assert.IsType<PerceptionSplit>(r.Perception);
        Assert.Equal(r.N, split.N);
        Assert.Equal(r.Items.Count(i => i.TargetDetected == true), split.Detected);
        Assert.All(r.Items, i => Assert.NotNull(i.TargetDetected));
        // A hit is a candidate box over the referred one, so its object was among the candidates.
        Assert.All(r.Items.Where(i => i.Hit), i => Assert.True(i.TargetDetected));
        // An exact scene implies the referred object is among the candidates.
        Assert.All(r.Items.Where(i => i.SceneComplete == true), i => Assert.True(i.TargetDetected));
        Assert.True(split.Detected > 0, "the detector finds some referred objects in this image");
        Assert.Equal(r.Items.Count(i => i.Hit) / (double)split.Detected, split.Acc50GivenDetected, 6);
        Assert.All(r.Items, i => Assert.Equal(i.Outcome == "unique", i.PickedLabel is not null));
    }

    [Fact]
    public void Oracle_runs_have_no_perception_split()
    {
        string dir = Path.Combine(TestPaths.RefCoco3ds, "kitchen");
        var coco = CocoDataset.Load(Path.Combine(dir, "instances.json"));
        var refs = RefCocoRefs.Load(Path.Combine(dir, "refs.json")).Where(x => x.ImageId == 0).ToList();
        var r = GroundingBench.Run(coco, refs, Path.Combine(dir, "images"), p => { using var img = ImageCodec.Load(p); return img.Bgr.Clone(); }, null);
        Assert.Null(r.Perception);
        Assert.All(r.Items, i => Assert.Null(i.TargetDetected));
    }
}

public class BenchGroundingCliTests
{
    [Fact]
    public void Oracle_bench_writes_the_design_json_contract_and_an_html_page()
    {
        string dir = Path.Combine(TestPaths.RefCoco3ds, "kitchen");
        string tmp = TestPaths.TempDir("bench-grounding");
        string json = Path.Combine(tmp, "g.json"), html = Path.Combine(tmp, "g.html");
        var r = CliRunner.Run("bench", "grounding", "--instances", Path.Combine(dir, "instances.json"), "--refs", Path.Combine(dir, "refs.json"),
            "--images", Path.Combine(dir, "images"), "--oracle-boxes", "--json", json, "--html", html);
        Assert.True(r.ExitCode == 0, r.Err);
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;
        Assert.Equal(501, root.GetProperty("n").GetInt32());
        Assert.True(root.GetProperty("oracle").GetBoolean());
        // Mask IoU of the grounded box taken as a mask against the annotation polygons, and what it compares.
        Assert.InRange(root.GetProperty("mask_iou").GetDouble(), 0.3, 0.9);
        Assert.Contains("box-as-mask", root.GetProperty("mask_kind").GetString());
        Assert.Equal(501, root.GetProperty("items").GetArrayLength());
        Assert.True(root.GetProperty("outcomes_by_relation").GetProperty("extreme").GetProperty("hit").GetInt32() > 0);
        double acc = root.GetProperty("acc50").GetDouble();
        Assert.InRange(acc, 0.0, 1.0);
        Assert.True(root.GetProperty("by_relation").TryGetProperty("depth_far", out _));
        Assert.True(root.GetProperty("ms_per_sentence").GetDouble() > 0);
        Assert.Contains("Acc@0.5", r.Out);
        Assert.Contains("grounding: 501/501", r.Err);
        Assert.Contains("<svg", File.ReadAllText(html));
    }

    [Fact]
    public void Missing_images_folder_is_an_input_error()
    {
        string dir = Path.Combine(TestPaths.RefCoco3ds, "kitchen");
        var r = CliRunner.Run("bench", "grounding", "--instances", Path.Combine(dir, "instances.json"), "--refs", Path.Combine(dir, "refs.json"),
            "--images", Path.Combine(dir, "no-such-folder"), "--oracle-boxes");
        Assert.Equal(2, r.ExitCode);
    }
}
