using System.Text.Json;
using System.Text.Json.Nodes;
using InterCoG.Imaging;
using InterCoG.Tests.TestSupport;
using OpenCvSharp;

namespace InterCoG.Tests.Generative;

/// <summary>Generative edits through the command line against a real loopback server speaking the AUTOMATIC1111 and
/// OpenAI Images APIs, on real photos with the real models: the payloads, the mask's polarity, the crop and paste-back,
/// the bit-exact outside, the key never written anywhere.</summary>
[Collection(ModelCollection.Name)]
public sealed class GenerativeChainTests : IAsyncLifetime
{
    /// <summary>A COCO photo with one large train (COCO box [0,131,539,389] in XYXY).</summary>
    internal static string TrainPhoto => Path.Combine(TestPaths.Shared, "data", "coco128", "images", "000000000349.jpg");
    /// <summary>A COCO photo with a large bus at XYWH [121,112,460,212].</summary>
    internal static string BusPhoto => Path.Combine(TestPaths.Shared, "data", "coco128", "images", "000000000471.jpg");

    private FakeImageServer _server = null!;
    private readonly string _dir = TestPaths.TempDir("gen");

    public async Task InitializeAsync() => _server = await FakeImageServer.StartAsync();
    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static JsonElement Json(CliRunner.Result r) => JsonDocument.Parse(r.Out).RootElement;

    internal static int[] Xyxy(JsonElement box) => box.GetProperty("xyxy").EnumerateArray().Select(e => e.GetInt32()).ToArray();

    /// <summary>Pixels that differ between the input and the output farther than the box grown by 12.5 % a side + 8 px.</summary>
    internal static long ChangedBeyond(Mat input, Mat output, int[] box, double growFraction = 0.125, int featherPx = 8)
    {
        double w = box[2] - box[0], h = box[3] - box[1];
        int x1 = (int)Math.Floor(box[0] - growFraction * w - featherPx), y1 = (int)Math.Floor(box[1] - growFraction * h - featherPx);
        int x2 = (int)Math.Ceiling(box[2] + growFraction * w + featherPx), y2 = (int)Math.Ceiling(box[3] + growFraction * h + featherPx);
        var inside = new Rect(x1, y1, x2 - x1, y2 - y1).Intersect(new Rect(0, 0, input.Width, input.Height));
        using var diff = new Mat();
        Cv2.Absdiff(input, output, diff);
        using var sum = new Mat();
        using var ones = Mat.FromPixelData(1, 3, MatType.CV_32FC1, new float[] { 1, 1, 1 });
        Cv2.Transform(diff, sum, ones);
        using (var keep = new Mat(sum, inside)) keep.SetTo(Scalar.All(0));
        return Cv2.CountNonZero(sum);
    }

    private string[] Edit(string image, string instruction, string backend, params string[] more) =>
        ["edit", image, instruction, "--gen-backend", backend, "--gen-url", _server.Url, "-o", Path.Combine(_dir, "out.png"), .. more];

    [Fact]
    public void A1111_replace_sends_a_prompt_naming_the_new_object_and_a_white_mask_on_the_target_and_keeps_the_outside_bit_exact()
    {
        string trace = Path.Combine(_dir, "trace.json");
        var r = CliRunner.Run(Edit(TrainPhoto, "replace the train with a red bus", "a1111", "--trace", trace, "--json"));
        Assert.True(r.ExitCode == 0, r.Err);
        var t = Json(r);
        Assert.Equal("edited", t.GetProperty("status").GetString());
        Assert.Equal("train", t.GetProperty("target").GetProperty("label").GetString());
        var box = Xyxy(t.GetProperty("target"));

        // the health check first, then one img2img
        Assert.Equal(["/sdapi/v1/sd-models", "/sdapi/v1/img2img"], _server.Requests.Select(q => q.Path));
        var body = _server.Generations.Single().Json!;
        Assert.Contains("red bus", (string)body["prompt"]!);
        Assert.StartsWith("train", (string)body["negative_prompt"]!);
        int w = (int)body["width"]!, h = (int)body["height"]!;
        Assert.Equal(0, w % 8);
        Assert.Equal(0, h % 8);
        Assert.InRange(w * h, 200_000, 330_000);
        Assert.Equal(0, (int)body["inpainting_mask_invert"]!);
        Assert.False((bool)body["inpaint_full_res"]!);
        Assert.Equal(0, (int)body["resize_mode"]!);
        Assert.Equal(1234, (long)body["seed"]!);

        // polarity: the sent mask is white over the train; the crop maps back onto the image through the edit step's numbers
        var edit = t.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("stage").GetString() == "edit");
        var data = edit.GetProperty("data");
        var crop = new Rect((int)data.GetProperty("crop_x1").GetDouble(), (int)data.GetProperty("crop_y1").GetDouble(),
            (int)(data.GetProperty("crop_x2").GetDouble() - data.GetProperty("crop_x1").GetDouble()), (int)(data.GetProperty("crop_y2").GetDouble() - data.GetProperty("crop_y1").GetDouble()));
        Assert.Equal((double)w / h, (double)crop.Width / crop.Height, 2);
        using var mask = Cv2.ImDecode(Convert.FromBase64String((string)body["mask"]!), ImreadModes.Grayscale);
        Assert.Equal((w, h), (mask.Width, mask.Height));
        // the train's box centre, mapped into the sent image, is white (repaint); the crop's corners are black (keep)
        double sx = (double)w / crop.Width, sy = (double)h / crop.Height;
        int cx = (int)(((box[0] + box[2]) / 2.0 - crop.X) * sx), cy = (int)(((box[1] + box[3]) / 2.0 - crop.Y) * sy);
        Assert.Equal(255, mask.At<byte>(Math.Clamp(cy, 0, h - 1), Math.Clamp(cx, 0, w - 1)));
        double white = Cv2.CountNonZero(mask) / (double)(w * h);
        Assert.InRange(white, 0.05, 0.9);
        // the exchange is in the trace without any image bytes
        var exchange = edit.GetProperty("backend");
        Assert.Equal("a1111", exchange.GetProperty("name").GetString());
        Assert.EndsWith("/sdapi/v1/img2img", exchange.GetProperty("endpoint").GetString());
        Assert.StartsWith("<png ", exchange.GetProperty("request").GetProperty("init_images")[0].GetString());
        Assert.Contains("white = repaint", exchange.GetProperty("request").GetProperty("mask").GetString());
        Assert.True(exchange.GetProperty("response_ms").GetDouble() > 0);
        Assert.DoesNotContain(((string)body["mask"]!)[..64], File.ReadAllText(trace));
        // the rewrite step shows the prompt
        var rewrite = t.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("stage").GetString() == "rewrite").GetProperty("text").GetString()!;
        Assert.Contains((string)body["prompt"]!, rewrite);

        // the painted pixels land on the train, nothing beyond its box grown by 25 % + 8 px changed (the server shifted every pixel)
        using var input = ImageCodec.LoadBgr(TrainPhoto);
        using var output = ImageCodec.LoadBgr(Path.Combine(_dir, "out.png"));
        Assert.Equal(input.Size(), output.Size());
        Assert.Equal(0, ChangedBeyond(input, output, box));
        var inTrain = output.At<Vec3b>((box[1] + box[3]) / 2, (box[0] + box[2]) / 2);
        Assert.True(inTrain == new Vec3b(255, 0, 255) || inTrain == new Vec3b(0, 200, 0), $"the train's centre is {inTrain}");
        var verify = t.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("stage").GetString() == "verify");
        Assert.Equal(0, verify.GetProperty("data").GetProperty("changed_outside_band").GetDouble());
    }

    [Fact]
    public void OpenAi_replace_sends_a_multipart_edit_with_a_transparent_mask_over_the_target_and_a_size_the_model_takes()
    {
        string variable = "INTERCOG_TEST_GEN_KEY_" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(variable, "sk-test-0123456789");
        try
        {
            var r = CliRunner.Run(Edit(TrainPhoto, "replace the train with a red bus", "openai", "--gen-key-env", variable, "--json"));
            Assert.True(r.ExitCode == 0, r.Err);
            var t = Json(r);
            var box = Xyxy(t.GetProperty("target"));
            var q = Assert.Single(_server.Requests);
            Assert.Equal("/v1/images/edits", q.Path);
            Assert.Equal("Bearer sk-test-0123456789", q.Authorization);
            Assert.Contains("red bus", q.Fields["prompt"]);
            Assert.Equal("gpt-image-1", q.Fields["model"]);
            Assert.Equal("1", q.Fields["n"]);
            Assert.Contains(q.Fields["size"], new[] { "1024x1024", "1536x1024", "1024x1536" });
            Assert.False(q.Fields.ContainsKey("response_format")); // gpt-image models reject it
            using var image = Cv2.ImDecode(q.Files["image"], ImreadModes.Unchanged);
            using var mask = Cv2.ImDecode(q.Files["mask"], ImreadModes.Unchanged);
            Assert.Equal(q.Fields["size"], $"{image.Width}x{image.Height}");
            Assert.Equal(image.Size(), mask.Size());
            Assert.Equal(4, mask.Channels());
            using var alpha = mask.ExtractChannel(3);
            double transparent = 1 - Cv2.CountNonZero(alpha) / (double)(alpha.Rows * alpha.Cols);
            Assert.InRange(transparent, 0.05, 0.9);
            using var opaque = new Mat();
            Cv2.Threshold(alpha, opaque, 254, 255, ThresholdTypes.Binary);
            Assert.Equal(Cv2.CountNonZero(alpha), Cv2.CountNonZero(opaque)); // alpha is 0 or 255, nothing between

            using var input = ImageCodec.LoadBgr(TrainPhoto);
            using var output = ImageCodec.LoadBgr(Path.Combine(_dir, "out.png"));
            Assert.Equal(0, ChangedBeyond(input, output, box));
            Assert.DoesNotContain("sk-test-0123456789", r.Out + r.Err);
        }
        finally { Environment.SetEnvironmentVariable(variable, null); }
    }

    private static readonly string Dog = TestPaths.Photo("dog.jpg");
    private static readonly string Giraffes = TestPaths.Photo("giraffes.jpg");

    private static JsonElement Step(JsonElement trace, string stage) =>
        trace.GetProperty("steps").EnumerateArray().Last(s => s.GetProperty("stage").GetString() == stage);

    [Fact]
    public void Verify_looks_again_in_the_painted_region_and_finds_the_new_bus_a_server_painted()
    {
        using var busPhoto = ImageCodec.LoadBgr(BusPhoto);
        using var bus = new Mat(busPhoto, new Rect(121, 112, 460, 212)).Clone();
        _server.Painter = FakeImageServer.PastePhoto(bus);
        var r = CliRunner.Run(Edit(TrainPhoto, "replace the train with a red bus", "a1111", "--json", "--strict"));
        Assert.True(r.ExitCode == 0, r.Err + r.Out);
        var verify = Step(Json(r), "verify");
        Assert.True(verify.GetProperty("ok").GetBoolean(), verify.GetProperty("text").GetString());
        Assert.Equal(1, verify.GetProperty("data").GetProperty("new_class_found").GetDouble());
        Assert.Contains("a bus is detected", verify.GetProperty("text").GetString());
    }

    [Fact]
    public void Verify_reports_when_the_new_class_is_not_found_and_strict_exits_6()
    {
        var r = CliRunner.Run(Edit(TrainPhoto, "replace the train with a red bus", "a1111", "--json", "--strict"));
        Assert.Equal(ExitCodes.VerifyFailed, r.ExitCode);
        var verify = Step(Json(r), "verify");
        Assert.False(verify.GetProperty("ok").GetBoolean());
        Assert.Equal(0, verify.GetProperty("data").GetProperty("new_class_found").GetDouble());
        Assert.Equal(0, verify.GetProperty("data").GetProperty("changed_outside_band").GetDouble());
    }

    [Fact]
    public void Add_places_the_new_object_beside_the_anchor_paints_only_there_and_shows_the_place()
    {
        var r = CliRunner.Run(Edit(Giraffes, "add a zebra to the left of the giraffe on the left", "a1111", "--json"));
        Assert.True(r.ExitCode == 0, r.Err);
        var t = Json(r);
        var placed = Step(t, "edit").GetProperty("boxes")[0];
        Assert.Equal("placed", placed.GetProperty("role").GetString());
        Assert.Equal("zebra", placed.GetProperty("label").GetString());
        var p = Xyxy(placed);
        var giraffe = Xyxy(t.GetProperty("target"));
        Assert.True(p[2] <= giraffe[0], $"the zebra {string.Join(",", p)} is not left of the giraffe {string.Join(",", giraffe)}");
        // a zebra is far shorter than a giraffe, and stands on the same ground
        Assert.InRange(p[3] - p[1], 0.15 * (giraffe[3] - giraffe[1]), 0.6 * (giraffe[3] - giraffe[1]));
        Assert.Contains(t.GetProperty("steps").EnumerateArray(), s => s.GetProperty("text").GetString()!.StartsWith("Place the zebra to the left of #", StringComparison.Ordinal));
        Assert.Contains("zebra", (string)_server.Generations.Single().Json!["prompt"]!);
        using var input = ImageCodec.LoadBgr(Giraffes);
        using var output = ImageCodec.LoadBgr(Path.Combine(_dir, "out.png"));
        Assert.Equal(0, ChangedBeyond(input, output, p));
    }

    [Fact]
    public void Add_with_no_room_on_the_asked_side_is_refused_clearly_with_nothing_sent_or_written()
    {
        var r = CliRunner.Run(Edit(Giraffes, "add an elephant to the right of the giraffe on the right", "a1111", "--json"));
        Assert.Equal(ExitCodes.NotFound, r.ExitCode);
        var t = Json(r);
        Assert.Equal("not_found", t.GetProperty("status").GetString());
        Assert.StartsWith("No room to add an elephant to the right of #", t.GetProperty("message").GetString());
        Assert.Empty(_server.Generations);
        Assert.False(File.Exists(Path.Combine(_dir, "out.png")));
    }

    [Fact]
    public void Style_repaints_the_whole_picture_without_a_mask_at_the_input_size()
    {
        var r = CliRunner.Run(Edit(TestPaths.Horses, "change the style to watercolor", "a1111", "--json"));
        Assert.True(r.ExitCode == 0, r.Err);
        var body = _server.Generations.Single().Json!;
        Assert.Null(body["mask"]);
        Assert.StartsWith("watercolor style of a scene with", (string)body["prompt"]!);
        Assert.Equal(0.55, (double)body["denoising_strength"]!);
        using var output = ImageCodec.LoadBgr(Path.Combine(_dir, "out.png"));
        Assert.Equal((1024, 664), (output.Width, output.Height));
        Assert.Equal("image", Json(r).GetProperty("target").GetProperty("label").GetString());
    }

    [Fact]
    public void Background_keeps_the_objects_bit_exact_and_repaints_the_rest()
    {
        var r = CliRunner.Run(Edit(Dog, "change the background to a sunset beach", "openai", "--json"));
        Assert.True(r.ExitCode == 0, r.Err);
        var t = Json(r);
        var ground = Step(t, "ground");
        var kept = ground.GetProperty("boxes").EnumerateArray().Select(b => b.GetProperty("label").GetString()).ToList();
        Assert.Contains("dog", kept);
        Assert.Contains("sunset beach in the background", _server.Generations.Single().Fields["prompt"]);
        // the dog's centre is untouched, a corner of the sky is repainted
        using var input = ImageCodec.LoadBgr(Dog);
        using var output = ImageCodec.LoadBgr(Path.Combine(_dir, "out.png"));
        var dog = Xyxy(ground.GetProperty("boxes").EnumerateArray().First(b => b.GetProperty("label").GetString() == "dog"));
        Assert.Equal(input.At<Vec3b>((dog[1] + dog[3]) / 2, (dog[0] + dog[2]) / 2), output.At<Vec3b>((dog[1] + dog[3]) / 2, (dog[0] + dog[2]) / 2));
        Assert.NotEqual(input.At<Vec3b>(5, 740), output.At<Vec3b>(5, 740));
    }

    [Fact]
    public void One_request_mixes_a_classic_step_and_a_generative_step()
    {
        var r = CliRunner.Run(Edit(Giraffes, "make the giraffe on the left red\nreplace the giraffe on the right with an elephant", "a1111", "--json"));
        Assert.True(r.ExitCode == 0, r.Err + r.Out);
        var t = Json(r);
        var edits = t.GetProperty("steps").EnumerateArray().Where(s => s.GetProperty("stage").GetString() == "edit").ToList();
        Assert.Equal(2, edits.Count);
        Assert.False(edits[0].TryGetProperty("backend", out _)); // the recolor stayed classic
        Assert.Equal("a1111", edits[1].GetProperty("backend").GetProperty("name").GetString());
        Assert.Single(_server.Generations);
    }

    [Fact]
    public void Without_a_backend_a_generative_operation_is_unsupported_exit_7_and_half_settings_are_usage_errors()
    {
        var r = CliRunner.Run("edit", TrainPhoto, "replace the train with a red bus", "-o", Path.Combine(_dir, "out.png"));
        Assert.Equal(ExitCodes.Unsupported, r.ExitCode);
        Assert.Contains("--gen-backend", r.Out);
        var half = CliRunner.Run("edit", TrainPhoto, "replace the train with a red bus", "--gen-backend", "a1111");
        Assert.Equal(ExitCodes.BadInput, half.ExitCode);
        Assert.Contains("--gen-url", half.Err);
    }

    [Theory]
    [InlineData(FakeFault.WrongSize, "another shape")]
    [InlineData(FakeFault.Status, "HTTP 500")]
    [InlineData(FakeFault.NoImage, "no image")]
    public void A_server_fault_is_one_line_exit_1_and_nothing_is_written(FakeFault fault, string expected)
    {
        _server.Fault = fault;
        string output = Path.Combine(_dir, "out.png"), trace = Path.Combine(_dir, "trace.json"), mask = Path.Combine(_dir, "mask.png");
        var r = CliRunner.Run(Edit(TrainPhoto, "replace the train with a red bus", "a1111", "--trace", trace, "--mask-out", mask));
        Assert.Equal(ExitCodes.Other, r.ExitCode);
        var line = Assert.Single(r.ErrLines, l => l.StartsWith("intercog:", StringComparison.Ordinal));
        Assert.Contains(expected, line);
        Assert.Contains("the a1111 server at", line);
        Assert.False(File.Exists(output));
        Assert.False(File.Exists(trace));
        Assert.False(File.Exists(mask));
    }

    [Fact]
    public void A_server_that_is_down_is_exit_1()
    {
        var r = CliRunner.Run("edit", TrainPhoto, "replace the train with a red bus", "--gen-backend", "openai",
            "--gen-url", $"http://127.0.0.1:{InterCoG.Tests.Language.ChatServer.FreePort()}", "-o", Path.Combine(_dir, "out.png"));
        Assert.Equal(ExitCodes.Other, r.ExitCode);
        Assert.Contains("unreachable", r.ErrLines[^1]);
        Assert.False(File.Exists(Path.Combine(_dir, "out.png")));
    }

    [Fact]
    public void The_key_is_sent_but_never_written_to_the_trace_report_stdout_or_stderr()
    {
        const string secret = "sk-never-log-me-31337";
        string variable = "INTERCOG_TEST_GEN_KEY_" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(variable, secret);
        try
        {
            string trace = Path.Combine(_dir, "trace.json"), report = Path.Combine(_dir, "report");
            var r = CliRunner.Run(Edit(TrainPhoto, "replace the train with a red bus", "openai", "--gen-key-env", variable, "--trace", trace, "--report", report));
            Assert.True(r.ExitCode == 0, r.Err);
            Assert.Equal($"Bearer {secret}", _server.Generations.Single().Authorization);
            Assert.DoesNotContain(secret, r.Out + r.Err);
            Assert.DoesNotContain(secret, File.ReadAllText(trace));
            foreach (var f in Directory.EnumerateFiles(report, "*", SearchOption.AllDirectories))
                Assert.DoesNotContain(secret, File.ReadAllText(f));
            Assert.Contains("/v1/images/edits", File.ReadAllText(Path.Combine(report, "index.html")));
        }
        finally { Environment.SetEnvironmentVariable(variable, null); }
    }
}
