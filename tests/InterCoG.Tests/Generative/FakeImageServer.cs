using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OpenCvSharp;

namespace InterCoG.Tests.Generative;

/// <summary>What the fake server does with the next requests.</summary>
public enum FakeFault
{
    None,
    /// <summary>Answer with <see cref="FakeImageServer.FaultStatus"/> and a JSON error body.</summary>
    Status,
    /// <summary>Answer 503 for the first <see cref="FakeImageServer.FailFirst"/> generation requests, then normally.</summary>
    BusyThenOk,
    /// <summary>Wait <see cref="FakeImageServer.DelayMs"/> before answering.</summary>
    Slow,
    /// <summary>Answer an image of another shape.</summary>
    WrongSize,
    /// <summary>Answer base64 that is not an image.</summary>
    Undecodable,
    /// <summary>Answer base64 that is not base64.</summary>
    NotBase64,
    /// <summary>Answer without any image (an empty list).</summary>
    NoImage,
    /// <summary>Answer a 401 whose body echoes the Authorization header (a server that leaks the key back).</summary>
    EchoKey,
    /// <summary>a1111: the health check answers 404 (the WebUI started without --api).</summary>
    NoApi,
    /// <summary>Answer the painted image at twice the size asked (same aspect).</summary>
    DoubleSize,
}

/// <summary>One request the fake server received.</summary>
public sealed record RecordedRequest(string Method, string Path, string? Authorization, JsonNode? Json,
    IReadOnlyDictionary<string, string> Fields, IReadOnlyDictionary<string, byte[]> Files, string? FileContentType);

/// <summary>A real HTTP server on loopback (Kestrel, port 0) that speaks both generative APIs: the AUTOMATIC1111 WebUI's
/// <c>GET /sdapi/v1/sd-models</c> and <c>POST /sdapi/v1/img2img</c> (JSON, base64 PNGs, white mask = repaint unless
/// <c>inpainting_mask_invert</c>) and the OpenAI Images <c>POST /v1/images/edits</c> (multipart; transparent mask pixels =
/// edit). It records every request and answers with the image painted by <see cref="Painter"/>: by default the region is
/// filled with a saturated pattern AND every other pixel is shifted a little, like a server that repaints the whole
/// picture, so the chain's paste-back is what keeps the outside bit-exact.</summary>
public sealed class FakeImageServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _generations;

    private FakeImageServer(WebApplication app) => _app = app;

    /// <summary>"http://127.0.0.1:PORT".</summary>
    public string Url { get; private set; } = "";

    public List<RecordedRequest> Requests { get; } = [];
    public FakeFault Fault { get; set; }
    public int FaultStatus { get; set; } = 500;
    public int FailFirst { get; set; } = 1;
    public int DelayMs { get; set; } = 3000;
    /// <summary>a1111: prefix the answer with "data:image/png;base64," (some forks do).</summary>
    public bool DataPrefix { get; set; }

    /// <summary>Paints the crop (CV_8UC3) where the mask (CV_8UC1, 255 = repaint) says; returns a new image of the same size.</summary>
    public Func<Mat, Mat, Mat> Painter { get; set; } = PaintPattern;

    /// <summary>Generation requests (img2img or edits) received.</summary>
    public IReadOnlyList<RecordedRequest> Generations => Requests.Where(r => r.Method == "POST").ToList();

    public static async Task<FakeImageServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 256L * 1024 * 1024);
        var app = builder.Build();
        var server = new FakeImageServer(app);
        app.MapGet("/sdapi/v1/sd-models", server.ModelsAsync);
        app.MapPost("/sdapi/v1/img2img", server.Img2ImgAsync);
        app.MapPost("/v1/images/edits", server.EditsAsync);
        await app.StartAsync();
        server.Url = app.Urls.Single().TrimEnd('/');
        return server;
    }

    private void Record(RecordedRequest r) { lock (Requests) Requests.Add(r); }

    private async Task ModelsAsync(HttpContext http)
    {
        Record(new RecordedRequest("GET", http.Request.Path, http.Request.Headers.Authorization.FirstOrDefault(), null, new Dictionary<string, string>(), new Dictionary<string, byte[]>(), null));
        if (Fault == FakeFault.NoApi) { http.Response.StatusCode = 404; await http.Response.WriteAsJsonAsync(new { detail = "Not Found" }); return; }
        await http.Response.WriteAsync("[{\"title\":\"v1-5-pruned-emaonly.safetensors [6ce0161689]\",\"model_name\":\"v1-5-pruned-emaonly\"}]");
    }

    private async Task Img2ImgAsync(HttpContext http)
    {
        var json = await JsonNode.ParseAsync(http.Request.Body);
        Record(new RecordedRequest("POST", http.Request.Path, http.Request.Headers.Authorization.FirstOrDefault(), json, new Dictionary<string, string>(), new Dictionary<string, byte[]>(), null));
        if (await FaultAsync(http)) return;
        using var image = Decode((string)json!["init_images"]![0]!, ImreadModes.Color);
        int w = (int)json["width"]!, h = (int)json["height"]!;
        using var init = new Mat();
        Cv2.Resize(image, init, new Size(w, h));
        using var mask = json["mask"] is JsonNode m ? Decode((string)m!, ImreadModes.Grayscale) : new Mat(init.Size(), MatType.CV_8UC1, Scalar.All(255));
        using var bin = new Mat();
        Cv2.Threshold(mask, bin, 127, 255, (int?)json["inpainting_mask_invert"] == 1 ? ThresholdTypes.BinaryInv : ThresholdTypes.Binary);
        using var painted = Painter(init, bin);
        string b64 = Answer(painted);
        await http.Response.WriteAsJsonAsync(new JsonObject
        {
            ["images"] = Fault == FakeFault.NoImage ? new JsonArray() : new JsonArray(JsonValue.Create(DataPrefix ? "data:image/png;base64," + b64 : b64)),
            ["parameters"] = new JsonObject(),
            ["info"] = "{\"seed\": 1234, \"sampler_name\": \"Euler a\"}",
        });
    }

    private async Task EditsAsync(HttpContext http)
    {
        var form = await http.Request.ReadFormAsync();
        var fields = form.Keys.ToDictionary(k => k, k => form[k].ToString());
        var files = new Dictionary<string, byte[]>();
        string? type = null;
        foreach (var f in form.Files)
        {
            using var ms = new MemoryStream();
            await f.CopyToAsync(ms);
            files[f.Name] = ms.ToArray();
            type ??= f.ContentType;
        }
        Record(new RecordedRequest("POST", http.Request.Path, http.Request.Headers.Authorization.FirstOrDefault(), null, fields, files, type));
        if (await FaultAsync(http)) return;
        using var image = Cv2.ImDecode(files["image"], ImreadModes.Color);
        using var maskPng = Cv2.ImDecode(files["mask"], ImreadModes.Unchanged);
        var sizeParts = fields["size"].Split('x').Select(int.Parse).ToArray();
        using var init = new Mat();
        Cv2.Resize(image, init, new Size(sizeParts[0], sizeParts[1]));
        using var alpha = maskPng.ExtractChannel(3);
        using var bin = new Mat();
        Cv2.Threshold(alpha, bin, 0, 255, ThresholdTypes.BinaryInv); // fully transparent = edit
        using var resized = new Mat();
        Cv2.Resize(bin, resized, init.Size(), 0, 0, InterpolationFlags.Nearest);
        using var painted = Painter(init, resized);
        await http.Response.WriteAsJsonAsync(new JsonObject
        {
            ["created"] = 1,
            ["data"] = Fault == FakeFault.NoImage ? new JsonArray() : new JsonArray(new JsonObject { ["b64_json"] = Answer(painted) }),
        });
    }

    /// <summary>Answers the fault modes that stop before painting; true when the answer is written.</summary>
    private async Task<bool> FaultAsync(HttpContext http)
    {
        int n = Interlocked.Increment(ref _generations);
        switch (Fault)
        {
            case FakeFault.Status:
                http.Response.StatusCode = FaultStatus;
                await http.Response.WriteAsJsonAsync(new { error = new { message = $"simulated failure {FaultStatus}" } });
                return true;
            case FakeFault.BusyThenOk when n <= FailFirst:
                http.Response.StatusCode = 503;
                await http.Response.WriteAsJsonAsync(new { detail = "model loading" });
                return true;
            case FakeFault.Slow:
                try { await Task.Delay(DelayMs, http.RequestAborted); } catch (OperationCanceledException) { }
                return false;
            case FakeFault.EchoKey:
                http.Response.StatusCode = 401;
                await http.Response.WriteAsJsonAsync(new { error = new { message = $"Incorrect API key provided: {http.Request.Headers.Authorization}" } });
                return true;
            default:
                return false;
        }
    }

    private string Answer(Mat painted)
    {
        switch (Fault)
        {
            case FakeFault.Undecodable: return Convert.ToBase64String("this is not a picture"u8.ToArray());
            case FakeFault.NotBase64: return "%%% not base64 %%%";
            case FakeFault.DoubleSize:
            {
                using var big = new Mat();
                Cv2.Resize(painted, big, new Size(painted.Width * 2, painted.Height * 2));
                Cv2.ImEncode(".png", big, out var b2);
                return Convert.ToBase64String(b2);
            }
            case FakeFault.WrongSize:
            {
                using var other = new Mat();
                Cv2.Resize(painted, other, new Size(painted.Width, painted.Height / 2));
                Cv2.ImEncode(".png", other, out var b);
                return Convert.ToBase64String(b);
            }
            default:
                Cv2.ImEncode(".png", painted, out var bytes);
                return Convert.ToBase64String(bytes);
        }
    }

    private static Mat Decode(string b64, ImreadModes mode)
    {
        if (b64.StartsWith("data:", StringComparison.Ordinal)) b64 = b64[(b64.IndexOf(',') + 1)..];
        return Cv2.ImDecode(Convert.FromBase64String(b64), mode);
    }

    /// <summary>Magenta/green stripes inside the mask; every pixel outside it shifted by +3 (a server that repaints everything).</summary>
    public static Mat PaintPattern(Mat crop, Mat mask)
    {
        var outImg = new Mat();
        Cv2.Add(crop, new Scalar(3, 3, 3), outImg);
        using var stripes = new Mat(crop.Size(), MatType.CV_8UC3, new Scalar(255, 0, 255));
        int rows = crop.Rows, cols = crop.Cols;
        for (int y = 0; y < rows; y += 16) Cv2.Rectangle(stripes, new Rect(0, y, cols, 8), new Scalar(0, 200, 0), -1);
        stripes.CopyTo(outImg, mask);
        return outImg;
    }

    /// <summary>A painter that pastes <paramref name="thing"/> (a real object's crop) scaled into the mask's bounding box.</summary>
    public static Func<Mat, Mat, Mat> PastePhoto(Mat thing) => (crop, mask) =>
    {
        var outImg = crop.Clone();
        var r = Cv2.BoundingRect(mask);
        if (r.Width == 0) return outImg;
        using var scaled = new Mat();
        Cv2.Resize(thing, scaled, r.Size, 0, 0, InterpolationFlags.Area);
        using var dst = new Mat(outImg, r);
        scaled.CopyTo(dst);
        return outImg;
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
