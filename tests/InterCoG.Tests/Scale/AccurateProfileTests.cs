using InterCoG.Chain;
using InterCoG.Models;
using InterCoG.Models.Onnx;
using InterCoG.Perception;
using InterCoG.Tests.DetectionTests;
using InterCoG.Tests.TestSupport;

namespace InterCoG.Tests.Scale;

/// <summary>The accurate profile's 640 path, exercised with YOLOX-nano rewritten to a 640×640 input (YOLOX-s itself cannot
/// be downloaded on the build machines), and the optional catalog entries' install and refusal.</summary>
[Collection(ModelCollection.Name)]
public sealed class AccurateProfileTests(ModelFixture models)
{
    private static string Horses => TestPaths.Horses;

    // YOLOX-nano rewritten for 640, installed under YOLOX-s's file name in a store whose catalogue pins that file.
    private static (ModelStore Store, string Folder) NanoAs640Store()
    {
        string folder = TestPaths.TempDir("yolox640");
        string path = Path.Combine(folder, ModelCatalog.YoloxS);
        var r = OnnxResolutionRewriter.RewriteFile(DetectionTestPaths.YoloxModel, path, 640);
        Assert.Equal(416, r.OriginalSize);
        Assert.Equal(640, r.NewSize);
        var spec = ModelCatalog.Get(ModelCatalog.YoloxS) with { SizeBytes = new FileInfo(path).Length, Sha256 = ModelStore.Sha256Of(path) };
        return (new ModelStore(folder, [spec, ModelCatalog.Get(ModelCatalog.YoloxNano)]), folder);
    }

    [Fact]
    public void The_accurate_profile_runs_a_640_yolox_from_the_store_and_finds_what_the_416_one_finds()
    {
        var (store, folder) = NanoAs640Store();
        try
        {
            var (path, model) = EngineFactory.DetectorModel(store, DetectorProfile.Accurate);
            Assert.Equal("yolox-s", model);
            using var accurate = Assert.IsType<YoloxDetector>(EngineFactory.CreateDetector(store,
                new DetectorOptions { Profile = DetectorProfile.Accurate, Tiling = false }, new OnnxSessionOptions { Device = ExecutionDevice.Cpu }));
            Assert.Equal(640, accurate.InputSize);
            Assert.Equal("yolox-s (640)", accurate.Name);
            Assert.Equal("cpu", accurate.Provider);
            using var fast = new YoloxDetector(models.Store.RequirePath(ModelCatalog.YoloxNano), new DetectorOptions { Tiling = false });
            using var bgr = DetectionTestPaths.ReadBgr(Horses);
            var horses640 = accurate.Detect(bgr).Where(d => d.Score >= 0.3f && CocoClasses.Names[d.ClassId] == "horse").ToList();
            var horses416 = fast.Detect(bgr).Where(d => d.Score >= 0.5f && CocoClasses.Names[d.ClassId] == "horse").ToList();
            Assert.True(horses416.Count >= 3, $"416 found {horses416.Count} horses");
            // Every confident (≥ 0.5) horse of the 416 pass is found again at 640 (same network, finer grid).
            foreach (var h in horses416)
                Assert.True(horses640.Any(d => d.Box.Iou(h.Box) >= 0.6f), $"416 horse {h.Box} ({h.Score:0.00}) not found at 640 among {string.Join(", ", horses640.Select(d => $"{d.Box} ({d.Score:0.00})"))}");
        }
        finally { Directory.Delete(folder, true); }
    }

    [Fact]
    public void Accurate_without_yolox_s_installed_says_in_one_line_how_to_install_it()
    {
        string empty = TestPaths.TempDir("no-yolox-s");
        try
        {
            var store = new ModelStore(empty);
            var e = Assert.Throws<ModelMissingException>(() => EngineFactory.DetectorModel(store, DetectorProfile.Accurate));
            Assert.DoesNotContain('\n', e.Message);
            Assert.Contains("models install yolox-s", e.Message, StringComparison.Ordinal);
            var cli = CliRunner.Run("detect", Horses, "--profile", "accurate");
            if (models.Store.Check(ModelCatalog.Get(ModelCatalog.YoloxS)) != ModelState.Ok)
            {
                Assert.Equal(ExitCodes.ModelMissing, cli.ExitCode);
                Assert.Single(cli.ErrLines);
                Assert.Contains("models install yolox-s", cli.Err, StringComparison.Ordinal);
            }
        }
        finally { Directory.Delete(empty, true); }
    }

    [Fact]
    public void A_wrong_file_for_yolox_s_is_refused_in_one_line_naming_the_expected_hash_and_nothing_is_installed()
    {
        string from = TestPaths.TempDir("wrong-yolox-s");
        string store = TestPaths.TempDir("store-yolox-s");
        try
        {
            File.Copy(DetectionTestPaths.YoloxModel, Path.Combine(from, ModelCatalog.YoloxS));
            var installer = new ModelInstaller(new ModelStore(store));
            var e = Assert.Throws<ModelMissingException>(() => installer.Install(new InstallOptions { FromDir = from, Names = ["yolox-s"] }));
            Assert.DoesNotContain('\n', e.Message);
            Assert.Contains("c5c2d13e59ae883e6af3b45daea64af4833a4951c92d116ec270d9ddbe998063", e.Message, StringComparison.Ordinal);
            Assert.Empty(Directory.GetFiles(store));

            // The same through the command line (into the default store, which the refusal leaves untouched).
            var cli = CliRunner.Run("models", "install", "yolox-s", "--from", from);
            Assert.Equal(ExitCodes.ModelMissing, cli.ExitCode);
            Assert.Single(cli.ErrLines);
            Assert.Contains("sha256 c5c2d13e59ae883e6af3b45daea64af4833a4951c92d116ec270d9ddbe998063", cli.Err, StringComparison.Ordinal);
        }
        finally { Directory.Delete(from, true); Directory.Delete(store, true); }
    }

    [Fact]
    public void Installing_by_alias_takes_only_that_model_and_a_plain_install_leaves_optional_ones_out()
    {
        var (source, folder) = NanoAs640Store();
        string target = TestPaths.TempDir("alias-install");
        try
        {
            var store = new ModelStore(target, source.Catalogue);
            new ModelInstaller(store).Install(new InstallOptions { FromDir = folder, Names = ["yolox-s"] });
            Assert.Equal(ModelState.Ok, store.Check(store.Spec(ModelCatalog.YoloxS)));
            Assert.Equal(ModelState.Missing, store.Check(store.Spec(ModelCatalog.YoloxNano)));
            Assert.True(ModelCatalog.Get(ModelCatalog.YoloxS).Optional);
            Assert.True(ModelCatalog.Get(ModelCatalog.YoloxSInt8).Optional);
            Assert.False(ModelCatalog.Get(ModelCatalog.YoloxNano).Optional);
            Assert.Throws<ArgumentException>(() => ModelCatalog.Get("yolox-xl"));
        }
        finally { Directory.Delete(folder, true); Directory.Delete(target, true); }
    }

    [Fact]
    public void Models_list_shows_yolox_s_with_its_pinned_size_hash_and_source_as_optional()
    {
        var cli = CliRunner.Run("models", "list");
        Assert.Equal(0, cli.ExitCode); // optional models missing do not make the listing fail
        string[] lines = cli.Out.Split('\n');
        int i = Array.FindIndex(lines, l => l.StartsWith(ModelCatalog.YoloxS + " ", StringComparison.Ordinal));
        Assert.True(i >= 0, cli.Out);
        Assert.Contains("35,858,002 bytes, sha256 c5c2d13e59ae883e6af3b45daea64af4833a4951c92d116ec270d9ddbe998063", lines[i + 1], StringComparison.Ordinal);
        Assert.Contains("opencv/opencv_zoo", lines[i + 1], StringComparison.Ordinal);
        int j = Array.FindIndex(lines, l => l.StartsWith(ModelCatalog.YoloxSInt8 + " ", StringComparison.Ordinal));
        Assert.Contains("9,143,614 bytes, sha256 b8c1766fb329f0bd2845a53f5e2ed1f9b555f65ee9a5fd5231ebd367927588ce", lines[j + 1], StringComparison.Ordinal);
    }
}
