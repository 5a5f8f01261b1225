using System.Text.Json;
using InterCoG.Chain;
using InterCoG.Perception;
using InterCoG.Tests.TestSupport;
using Xunit;

namespace InterCoG.Tests.DetectionTests;

/// <summary>User-supplied Ultralytics exports beside YOLOX-nano: the factory's union, the env-variable list, the CLI's
/// --detector-model and its refusals. The CLI runs in-process, so INTERCOG_DETECTORS is never set here (it would leak into
/// other tests); its parsing is tested directly.</summary>
[Collection(ModelCollection.Name)]
public sealed class UserDetectorTests(ModelFixture models) : IDisposable
{
    private static readonly string Yolov8 = DetectionTestPaths.Yolov8Model;
    private static readonly string Dog = TestPaths.Coco128Image("000000000307.jpg"); // a dog, a frisbee, a car
    private static readonly string Kitchen = Path.Combine(TestPaths.RefCoco3ds, "kitchen", "images", "000000.png");
    private readonly string _dir = TestPaths.TempDir("userdet");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_factory_unites_yolox_and_the_user_model_and_keeps_what_yolox_finds()
    {
        var alone = EngineFactory.CreateDetector(models.Store, new DetectorOptions { ExtraModels = [] });
        var union = EngineFactory.CreateDetector(models.Store, new DetectorOptions { ExtraModels = [Yolov8] });
        Assert.IsNotType<UnionDetector>(alone);
        var u = Assert.IsType<UnionDetector>(union);
        Assert.Equal(2, u.Detectors.Count);
        Assert.StartsWith("union(yolox-nano (416), tiles 2×2+3×3 + ultralytics yolov8n_int8 (640), tiles 2×2+3×3", union.Name);

        using var img = DetectionTestPaths.ReadBgr(Kitchen);
        var a = alone.Detect(img);
        var b = union.Detect(img);
        Assert.True(b.Count > a.Count, $"union found {b.Count} objects, YOLOX alone {a.Count}");
        // every confident YOLOX object survives the merge as a box of its class (the union adds, it does not replace)
        foreach (var d in a.Where(d => d.Score >= 0.5f))
            Assert.Contains(b, e => e.ClassId == d.ClassId && e.Box.Iou(d.Box) >= 0.5f);
    }

    [Fact]
    public void Without_tiles_the_union_runs_each_model_once()
    {
        var union = EngineFactory.CreateDetector(models.Store, new DetectorOptions { Tiling = false, ExtraModels = [Yolov8] });
        Assert.Equal("union(yolox-nano (416) + ultralytics yolov8n_int8 (640))", union.Name);
    }

    [Fact]
    public void The_shared_engine_is_cached_per_detector_list()
    {
        var withUser = EngineFactory.Shared([Yolov8]);
        Assert.Same(withUser, EngineFactory.Shared([Yolov8, Yolov8]));
        Assert.NotSame(withUser, EngineFactory.Shared([]));
        Assert.Contains("yolov8n_int8", withUser.Detector.Name);
        Assert.DoesNotContain("yolov8n_int8", EngineFactory.Shared([]).Detector.Name);
    }

    [Fact]
    public void The_environment_list_splits_on_the_path_separator_and_drops_blanks()
    {
        char sep = Path.PathSeparator;
        Assert.Equal(["/a/x.onnx", "b.onnx", "/c y.onnx"], EngineFactory.ParseDetectorList($"/a/x.onnx{sep}{sep} b.onnx {sep} {sep}/c y.onnx"));
        Assert.Empty(EngineFactory.ParseDetectorList(null));
        Assert.Empty(EngineFactory.ParseDetectorList("  "));
    }

    [Fact]
    public void The_user_list_is_absolute_deduplicated_and_refuses_a_missing_file_by_name()
    {
        string rel = Path.GetRelativePath(Directory.GetCurrentDirectory(), Yolov8);
        Assert.Equal([Path.GetFullPath(Yolov8)], EngineFactory.UserDetectorModels([rel, Yolov8]));
        Assert.Empty(EngineFactory.UserDetectorModels([]));
        var e = Assert.Throws<InputException>(() => EngineFactory.UserDetectorModels([Yolov8, "/nonexistent/user.onnx"]));
        Assert.Contains("/nonexistent/user.onnx", e.Message);
        Assert.Equal(ExitCodes.BadInput, e.ExitCode);
        Assert.Contains("folder", Assert.Throws<InputException>(() => EngineFactory.UserDetectorModels([_dir])).Message);
    }

    [Fact]
    public void A_file_that_is_not_an_ultralytics_export_is_refused_with_its_name_and_the_expected_layout()
    {
        var yolox = Assert.Throws<ModelFormatException>(() => EngineFactory.LoadUserDetector(DetectionTestPaths.YoloxModel));
        Assert.Contains(DetectionTestPaths.YoloxModel, yolox.Message);
        Assert.Contains("[1,84,N]", yolox.Message);
        string text = Path.Combine(_dir, "notes.onnx");
        File.WriteAllText(text, "not a model");
        var junk = Assert.Throws<ModelFormatException>(() => EngineFactory.LoadUserDetector(text));
        Assert.Contains(text, junk.Message);
        Assert.Contains("not a readable ONNX model", junk.Message);
    }

    [Fact]
    public void Listing_describes_present_and_missing_user_models_without_throwing()
    {
        var rows = EngineFactory.DescribeUserDetectors([Yolov8, "/nonexistent/user.onnx"]);
        Assert.Equal(2, rows.Count);
        Assert.True(rows[0].Present);
        Assert.Equal(new FileInfo(Yolov8).Length, rows[0].SizeBytes);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Yolov8))), rows[0].Sha256);
        Assert.False(rows[1].Present);
        Assert.Null(rows[1].Sha256);
    }

    [Fact]
    public void Cli_detect_with_a_user_model_reports_the_union()
    {
        var r = CliRunner.Run("detect", Dog, "--json", "--detector-model", Yolov8);
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        string detector = doc.RootElement.GetProperty("detector").GetString()!;
        Assert.StartsWith("union(yolox-nano", detector);
        Assert.Contains("ultralytics yolov8n_int8", detector);
        var labels = doc.RootElement.GetProperty("entities").EnumerateArray()
            .Where(e => e.GetProperty("score").GetDouble() >= 0.5).Select(e => e.GetProperty("label").GetString()).ToList();
        Assert.Contains("dog", labels);
        Assert.Contains("frisbee", labels);
        Assert.Contains("car", labels);
    }

    [Fact]
    public void Cli_ground_records_the_union_on_the_trace_detect_step()
    {
        string trace = Path.Combine(_dir, "t.json");
        var r = CliRunner.Run("ground", Dog, "the dog", "--trace", trace, "--detector-model", Yolov8);
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(File.ReadAllText(trace));
        var detect = doc.RootElement.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("stage").GetString() == "detect");
        Assert.Contains("ultralytics yolov8n_int8", detect.GetProperty("model").GetString());
        Assert.Equal("dog", doc.RootElement.GetProperty("target").GetProperty("label").GetString());
    }

    [Fact]
    public void Cli_refuses_a_missing_user_model_with_exit_2_and_writes_nothing()
    {
        string overlay = Path.Combine(_dir, "o.png"), output = Path.Combine(_dir, "e.png");
        var r = CliRunner.Run("detect", Dog, "--overlay", overlay, "--detector-model", "/nonexistent.onnx");
        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Assert.Contains("/nonexistent.onnx", r.Err);
        var e = CliRunner.Run("edit", Dog, "make the dog red", "-o", output, "--detector-model", Yolov8, "--detector-model", "/nonexistent.onnx");
        Assert.Equal(ExitCodes.BadInput, e.ExitCode);
        Assert.Contains("/nonexistent.onnx", e.Err);
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void Cli_refuses_a_model_that_is_not_an_ultralytics_export()
    {
        var r = CliRunner.Run("detect", Dog, "--json", "--detector-model", DetectionTestPaths.YoloxModel);
        Assert.Equal(ExitCodes.Other, r.ExitCode);
        Assert.Contains("not an Ultralytics YOLOv8/YOLO11 detection export", r.Err);
        Assert.Contains(DetectionTestPaths.YoloxModel, r.Err);
        Assert.Equal("", r.Out);
    }
}
