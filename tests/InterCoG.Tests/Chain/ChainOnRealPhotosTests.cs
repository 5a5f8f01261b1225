using System.Text.Json;
using InterCoG.Chain;
using InterCoG.Imaging;
using InterCoG.Tests.TestSupport;
using OpenCvSharp;

namespace InterCoG.Tests.Chain;

/// <summary>The whole chain through the command line, on real photos and the real models.</summary>
[Collection(ModelCollection.Name)]
public sealed class ChainOnRealPhotosTests
{
    private static readonly string Horses = TestPaths.Horses;
    private readonly string _dir = TestPaths.TempDir("chain");

    private static JsonElement Json(CliRunner.Result r) => JsonDocument.Parse(r.Out).RootElement;

    private static int[] Xyxy(JsonElement box) => box.GetProperty("xyxy").EnumerateArray().Select(e => e.GetInt32()).ToArray();

    [Fact]
    public void The_horse_on_the_right_is_the_black_one_at_the_right_edge_of_the_herd()
    {
        var r = CliRunner.Run("ground", Horses, "the horse on the right", "--json");
        Assert.Equal(0, r.ExitCode);
        var t = Json(r);
        Assert.Equal("grounded", t.GetProperty("status").GetString());
        var box = Xyxy(t.GetProperty("target"));
        // the black horse with a white blaze stands at about x 585..905, y 235..565 in the 1024×664 photo
        Assert.InRange((box[0] + box[2]) / 2, 700, 790);
        Assert.InRange((box[1] + box[3]) / 2, 360, 440);
    }

    [Fact]
    public void The_second_horse_from_the_left_is_the_foal_lying_in_front()
    {
        var r = CliRunner.Run("ground", Horses, "the second horse from the left", "--json");
        Assert.Equal(0, r.ExitCode);
        var box = Xyxy(Json(r).GetProperty("target"));
        // left to right: the black horse (centre x ≈ 250), the foal lying in front (≈ 390, bottom near the image's
        // lower edge), the grey horse (≈ 445), the standing foal (≈ 580), the black horse on the right (≈ 745)
        Assert.InRange((box[0] + box[2]) / 2, 340, 430);
        Assert.True(box[3] > 540, $"bottom {box[3]}");
    }

    [Fact]
    public void Each_narrowing_is_a_reason_step_with_the_boxes_it_kept()
    {
        var r = CliRunner.Run("ground", Horses, "the second horse from the left", "--json");
        var steps = Json(r).GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(new[] { "reason", "detect" }, steps.Take(2).Select(s => s.GetProperty("stage").GetString()));
        var reasonSteps = steps.Skip(2).TakeWhile(s => s.GetProperty("stage").GetString() == "reason").ToList();
        Assert.True(reasonSteps.Count >= 2);
        Assert.All(reasonSteps, s => Assert.True(s.GetProperty("boxes").GetArrayLength() >= 1));
        Assert.Contains(steps, s => s.GetProperty("stage").GetString() == "ground" && s.TryGetProperty("mask", out _));
        Assert.Contains(steps, s => s.GetProperty("stage").GetString() == "rewrite");
    }

    [Fact]
    public void A_plain_the_horse_is_ambiguous_with_every_horse_as_candidate()
    {
        var r = CliRunner.Run("edit", Horses, "make the horse red", "-o", Path.Combine(_dir, "x.png"));
        Assert.Equal(3, r.ExitCode);
        Assert.Contains("ambiguous", r.Out);
        Assert.True(r.Out.Split('\n').Count(l => l.TrimStart().StartsWith('#') && l.Contains("horse")) >= 3, r.Out);
        Assert.False(File.Exists(Path.Combine(_dir, "x.png")));
    }

    [Fact]
    public void Choose_resolves_the_ambiguity()
    {
        var first = Json(CliRunner.Run("ground", Horses, "the horse", "--json"));
        int id = first.GetProperty("candidates")[0].GetProperty("id").GetInt32();
        var r = CliRunner.Run("ground", Horses, "the horse", "--json", "--choose", id.ToString());
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(id, Json(r).GetProperty("target").GetProperty("id").GetInt32());
    }

    [Fact]
    public void An_object_that_is_not_there_is_not_found_with_nearest_candidates()
    {
        var r = CliRunner.Run("ground", Horses, "the giraffe on the left", "--json");
        Assert.Equal(4, r.ExitCode);
        Assert.Equal("not_found", Json(r).GetProperty("status").GetString());
    }

    [Fact]
    public void A_set_is_edited_as_one_region_and_every_member_is_in_the_trace()
    {
        var r = CliRunner.Run("edit", Horses, "make the two horses on the left red", "-o", Path.Combine(_dir, "two.png"), "--json");
        Assert.Equal(0, r.ExitCode);
        var targets = Json(r).GetProperty("targets").EnumerateArray().Select(Xyxy).ToList();
        Assert.Equal(2, targets.Count);
        // both are left of the grey horse in the middle (centre x ≈ 445): the black horse and the foal lying in front
        Assert.All(targets, b => Assert.True((b[0] + b[2]) / 2 < 430, $"[{string.Join(",", b)}]"));
    }

    [Fact]
    public void Recolor_changes_only_the_target_band_and_verifies()
    {
        string output = Path.Combine(_dir, "brown.png"), mask = Path.Combine(_dir, "mask.png"), trace = Path.Combine(_dir, "t.json");
        var r = CliRunner.Run("edit", Horses, "make the horse on the right brown", "-o", output, "--mask-out", mask, "--trace", trace, "--strict");
        Assert.Equal(0, r.ExitCode);
        using var input = ImageCodec.Load(Horses);
        using var edited = ImageCodec.Load(output);
        using var region = ImageCodec.Load(mask);
        Assert.Equal(input.Width, edited.Width);
        Assert.Equal(input.Height, edited.Height);
        using var regionGray = new Mat();
        Cv2.CvtColor(region.Bgr, regionGray, ColorConversionCodes.BGR2GRAY);
        Assert.Equal(0, InterCoG.Verify.Verifier.ChangedOutsideBand(input.Bgr, edited.Bgr, regionGray, 8));
        // and the edit did change the target
        using var diff = new Mat();
        Cv2.Absdiff(input.Bgr, edited.Bgr, diff);
        Assert.True(Cv2.CountNonZero(diff.CvtColor(ColorConversionCodes.BGR2GRAY)) > 2000);
        var t = JsonDocument.Parse(File.ReadAllText(trace)).RootElement;
        var verify = t.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("stage").GetString() == "verify");
        Assert.True(verify.GetProperty("ok").GetBoolean());
    }

    [Fact]
    public void Cut_out_writes_the_object_on_transparency_at_the_input_size()
    {
        string output = Path.Combine(_dir, "cut.png"), mask = Path.Combine(_dir, "cutmask.png");
        var r = CliRunner.Run("edit", Horses, "cut out the horse on the right", "-o", output, "--mask-out", mask);
        Assert.Equal(0, r.ExitCode);
        using var cut = Cv2.ImRead(output, ImreadModes.Unchanged);
        using var region = Cv2.ImRead(mask, ImreadModes.Grayscale);
        Assert.Equal(MatType.CV_8UC4, cut.Type());
        Assert.Equal(new Size(1024, 664), cut.Size());
        using var alpha = cut.ExtractChannel(3);
        Assert.True(Cv2.CountNonZero(alpha) > 5000);
        // nothing is opaque outside the edited region
        alpha.SetTo(Scalar.All(0), region);
        Assert.Equal(0, Cv2.CountNonZero(alpha));
    }

    [Fact]
    public void Remove_makes_the_detector_lose_the_horse()
    {
        string output = Path.Combine(_dir, "removed.png");
        var r = CliRunner.Run("edit", Horses, "remove the horse on the right", "-o", output, "--json", "--strict");
        Assert.Equal(0, r.ExitCode);
        var t = Json(r);
        var verify = t.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("stage").GetString() == "verify");
        Assert.True(verify.GetProperty("ok").GetBoolean());
        Assert.True(verify.GetProperty("data").GetProperty("max_iou_same_category").GetDouble() < 0.5);
        // MI-GAN is installed, so it is the default fill; the trace names it, its crop and its time
        var edit = t.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("stage").GetString() == "edit");
        Assert.Equal("MI-GAN", edit.GetProperty("model").GetString());
        Assert.Contains("MI-GAN", edit.GetProperty("text").GetString());
        var data = edit.GetProperty("data");
        // the context crop is square where the image allows (the 664-px-high photo clips a crop larger than that;
        // the model then sees it mirrored to a square), never smaller than the model's 512 px
        double cw = data.GetProperty("crop_w").GetDouble(), ch = data.GetProperty("crop_h").GetDouble();
        Assert.True(Math.Max(cw, ch) >= 512, $"{cw}x{ch}");
        Assert.True(cw <= 1024 && ch <= 664, $"{cw}x{ch}");
        Assert.True(cw == ch || cw == 1024 || ch == 664, $"{cw}x{ch} is neither square nor clipped by the image");
        Assert.True(data.GetProperty("fill_ms").GetDouble() > 0);
        Assert.True(t.GetProperty("timings_ms").GetProperty("fill").GetDouble() > 0);
    }

    [Fact]
    public void Fill_telea_is_honoured_and_the_report_shows_the_hole_before_and_after()
    {
        string rep = Path.Combine(_dir, "report-telea");
        var r = CliRunner.Run("edit", Horses, "remove the horse on the right", "-o", Path.Combine(_dir, "telea.png"), "--fill", "telea", "--report", rep, "--json");
        Assert.Equal(0, r.ExitCode);
        var edit = Json(r).GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("stage").GetString() == "edit");
        Assert.Equal("Telea", edit.GetProperty("model").GetString());
        string html = File.ReadAllText(Path.Combine(rep, "index.html"));
        Assert.Contains("The hole, before / after", html);
        using var before = Cv2.ImRead(Path.Combine(rep, "region_before.png"));
        using var after = Cv2.ImRead(Path.Combine(rep, "region_after.png"));
        Assert.Equal(before.Size(), after.Size());
        Assert.True(before.Width >= 100);
        using var diff = new Mat();
        Cv2.Absdiff(before, after, diff);
        Assert.True(Cv2.Mean(diff).ToDouble() > 3, "the close-ups show the change");
    }

    [Fact]
    public void Removing_from_a_16_bit_rgba_png_keeps_depth_alpha_and_every_pixel_beyond_8_px()
    {
        string src = Path.Combine(TestPaths.RefCoco3ds, "kitchen", "images", "000000.png");
        string output = Path.Combine(_dir, "k-removed.png"), mask = Path.Combine(_dir, "k-removed-mask.png");
        var g = CliRunner.Run("detect", src, "--json");
        Assert.Equal(0, g.ExitCode);
        var ent = Json(g).GetProperty("entities").EnumerateArray().OrderByDescending(e => e.GetProperty("score").GetDouble()).First();
        var r = CliRunner.Run("edit", src, $"remove the leftmost {ent.GetProperty("label").GetString()}", "-o", output, "--mask-out", mask, "--json");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("MI-GAN", Json(r).GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("stage").GetString() == "edit").GetProperty("model").GetString());
        using var before = Cv2.ImRead(src, ImreadModes.Unchanged);
        using var after = Cv2.ImRead(output, ImreadModes.Unchanged);
        Assert.Equal(MatType.CV_16UC4, after.Type());
        Assert.Equal(before.Size(), after.Size());
        using var region = Cv2.ImRead(mask, ImreadModes.Grayscale);
        using var grown = global::InterCoG.Editing.MaskOps.Dilate(region, 8);
        using var far = new Mat();
        Cv2.Compare(grown, 0, far, CmpTypes.EQ);
        using var ne = new Mat();
        Cv2.Compare(before.Reshape(1, before.Rows), after.Reshape(1, after.Rows), ne, CmpTypes.NE);
        using var ne4 = ne.Reshape(4, before.Rows);
        var planes = ne4.Split();
        foreach (var p in planes) { p.SetTo(Scalar.All(0), grown); Assert.Equal(0, Cv2.CountNonZero(p)); p.Dispose(); }
        // alpha is the input's everywhere
        using var aIn = before.ExtractChannel(3);
        using var aOut = after.ExtractChannel(3);
        using var aDiff = new Mat();
        Cv2.Absdiff(aIn, aOut, aDiff);
        Assert.Equal(0, Cv2.CountNonZero(aDiff));
        // and the hole did change
        Assert.True(Cv2.CountNonZero(region) > 100);
    }

    [Fact]
    public void The_same_edit_twice_gives_byte_identical_outputs()
    {
        string a = Path.Combine(_dir, "a.png"), b = Path.Combine(_dir, "b.png");
        Assert.Equal(0, CliRunner.Run("edit", Horses, "paint the rightmost horse red", "-o", a).ExitCode);
        Assert.Equal(0, CliRunner.Run("edit", Horses, "paint the rightmost horse red", "-o", b).ExitCode);
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
    }

    [Fact]
    public void A_16_bit_rgba_png_is_edited_in_16_bits_with_alpha_and_untouched_pixels_kept()
    {
        string src = Path.Combine(TestPaths.RefCoco3ds, "kitchen", "images", "000000.png");
        string output = Path.Combine(_dir, "k.png"), mask = Path.Combine(_dir, "km.png");
        var g = CliRunner.Run("detect", src, "--json");
        Assert.Equal(0, g.ExitCode);
        // pick a confident object's label and recolor "the leftmost" one: whatever the scene has, the contract holds
        var ent = Json(g).GetProperty("entities").EnumerateArray().OrderByDescending(e => e.GetProperty("score").GetDouble()).First();
        string label = ent.GetProperty("label").GetString()!;
        var r = CliRunner.Run("edit", src, $"make the leftmost {label} blue", "-o", output, "--mask-out", mask);
        Assert.Equal(0, r.ExitCode);
        using var before = Cv2.ImRead(src, ImreadModes.Unchanged);
        using var after = Cv2.ImRead(output, ImreadModes.Unchanged);
        Assert.Equal(MatType.CV_16UC4, before.Type());
        Assert.Equal(MatType.CV_16UC4, after.Type());
        Assert.Equal(before.Size(), after.Size());
        using var region = Cv2.ImRead(mask, ImreadModes.Grayscale);
        using var grown = new Mat();
        Cv2.Dilate(region, grown, Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(17, 17)));
        using var diff = new Mat();
        Cv2.Absdiff(before, after, diff);
        var channels = diff.Split();
        foreach (var c in channels)
        {
            c.SetTo(Scalar.All(0), grown);
            Assert.Equal(0, Cv2.CountNonZero(c));
            c.Dispose();
        }
    }

    [Fact]
    public void The_report_has_one_image_per_step_and_an_index()
    {
        string rep = Path.Combine(_dir, "report");
        var r = CliRunner.Run("edit", Horses, "make the horse on the right brown", "-o", Path.Combine(_dir, "r.png"), "--report", rep);
        Assert.Equal(0, r.ExitCode);
        var trace = JsonDocument.Parse(File.ReadAllText(Path.Combine(rep, "trace.json"))).RootElement;
        int steps = trace.GetProperty("steps").GetArrayLength();
        Assert.Equal(steps, Directory.GetFiles(rep, "step_*.png").Length);
        string html = File.ReadAllText(Path.Combine(rep, "index.html"));
        Assert.Contains("make the horse on the right brown", html);
        Assert.Contains("before.png", html);
    }

    [Fact]
    public void Detect_finds_several_horses_with_class_probabilities()
    {
        var r = CliRunner.Run("detect", Horses, "--json");
        Assert.Equal(0, r.ExitCode);
        var horses = Json(r).GetProperty("entities").EnumerateArray().Where(e => e.GetProperty("label").GetString() == "horse" && e.GetProperty("score").GetDouble() >= 0.3).ToList();
        Assert.InRange(horses.Count, 3, 6);
        Assert.All(horses, h => Assert.True(h.GetProperty("probs").GetProperty("horse").GetDouble() >= 0.3));
    }

    [Fact]
    public void The_demo_runs_and_writes_output_trace_mask_and_report()
    {
        string outDir = Path.Combine(_dir, "demo");
        var r = CliRunner.Run("demo", "--out", outDir);
        Assert.Equal(0, r.ExitCode);
        foreach (var f in new[] { "output.png", "trace.json", "mask.png", Path.Combine("report", "index.html") })
            Assert.True(File.Exists(Path.Combine(outDir, f)), f);
        Assert.Contains("index.html", r.Out);
    }
}
