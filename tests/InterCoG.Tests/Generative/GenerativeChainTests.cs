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
}
