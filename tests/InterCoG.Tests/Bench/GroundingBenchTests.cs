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
        Assert.Equal(System.Text.Json.JsonValueKind.Null, root.GetProperty("mask_iou").ValueKind);
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
