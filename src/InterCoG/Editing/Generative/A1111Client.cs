using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenCvSharp;

namespace InterCoG.Editing.Generative;

/// <summary>The AUTOMATIC1111 Stable Diffusion WebUI API (also Forge and SD.Next, started with <c>--api</c>):
/// <c>POST /sdapi/v1/img2img</c> with the crop in <c>init_images</c> and the mask in <c>mask</c> (base64 PNGs; white =
/// repaint, <c>inpainting_mask_invert</c> 0), <c>width</c>/<c>height</c> equal to the crop's (multiples of
/// <see cref="A1111Options.SizeMultiple"/>), <c>resize_mode</c> 0 and <c>inpaint_full_res</c> false — the chain has
/// already cropped around the target, so the WebUI paints the whole crop and answers an image of that size in
/// <c>images[0]</c>. <c>GET /sdapi/v1/sd-models</c> is the health check, once per client, before the first paint.</summary>
public sealed class A1111Client : IInpaintServer, IDisposable
{
    private readonly GenerativeSettings _settings;
    private readonly A1111Options _o;
    private readonly GenerativeHttp _http;
    private readonly Uri _base;
    private readonly Lock _gate = new();
    private bool _healthy;

    /// <summary>A client for <paramref name="settings"/> (kind a1111); nothing is sent until <see cref="Paint"/>.</summary>
    public A1111Client(GenerativeSettings settings, A1111Options? options = null)
    {
        if (settings.Kind != GenerativeKind.A1111) throw new ArgumentException("settings are not for an a1111 server", nameof(settings));
        _settings = settings;
        _o = options ?? new A1111Options();
        _http = new GenerativeHttp(settings);
        _base = BaseOf(settings.Url);
    }

    /// <summary>The img2img endpoint.</summary>
    public Uri Img2ImgUrl => new(_base, "sdapi/v1/img2img");

    /// <summary>The health-check endpoint (the checkpoint list).</summary>
    public Uri ModelsUrl => new(_base, "sdapi/v1/sd-models");

    /// <inheritdoc/>
    public string Name => "a1111";

    /// <inheritdoc/>
    public string Describe() => _settings.Describe();

    /// <summary>The server root for a base URL, a ".../sdapi/v1" URL or a full endpoint URL (a path prefix of a reverse
    /// proxy is kept); always ends with '/'.</summary>
    public static Uri BaseOf(Uri url)
    {
        string path = url.AbsolutePath;
        int at = path.IndexOf("/sdapi/", StringComparison.Ordinal);
        if (at >= 0) path = path[..at];
        if (!path.EndsWith('/')) path += "/";
        return new UriBuilder(url) { Path = path, Query = "", Fragment = "" }.Uri;
    }

    /// <summary>Width × height with the crop's aspect, area ≈ <see cref="A1111Options.WorkAreaPx"/>, sides multiples of
    /// <see cref="A1111Options.SizeMultiple"/> and at most <see cref="A1111Options.MaxSidePx"/>.</summary>
    public Size WorkSize(Size crop) => WorkSize(crop, _o);

    /// <inheritdoc cref="WorkSize(Size)"/>
    public static Size WorkSize(Size crop, A1111Options o)
    {
        if (crop.Width <= 0 || crop.Height <= 0) throw new ArgumentException($"crop {crop.Width}x{crop.Height} is empty", nameof(crop));
        double aspect = (double)crop.Width / crop.Height;
        double w = Math.Sqrt(o.WorkAreaPx * aspect), h = w / aspect;
        double over = Math.Max(w, h) / o.MaxSidePx;
        if (over > 1) { w /= over; h /= over; }
        int m = Math.Max(1, o.SizeMultiple);
        int W = Math.Max(m, (int)Math.Round(w / m) * m), H = Math.Max(m, (int)Math.Round(h / m) * m);
        return new Size(Math.Min(W, o.MaxSidePx / m * m), Math.Min(H, o.MaxSidePx / m * m));
    }

    /// <summary>GET /sdapi/v1/sd-models: the server answers with its checkpoints (a JSON array). Returns their number;
    /// throws <see cref="GenerativeBackendException"/> when it is down, has no API (404: started without --api), refuses
    /// the credentials, or lists no checkpoint.</summary>
    public int CheckHealth(CancellationToken cancel = default)
    {
        var url = ModelsUrl;
        var answer = _http.Send(() => new HttpRequestMessage(HttpMethod.Get, url), idempotent: true, cancel);
        JsonNode? doc;
        try { doc = JsonNode.Parse(answer.Body); }
        catch (JsonException) { doc = null; }
        if (doc is not JsonArray list)
            throw _http.Fault(url, $"did not answer the WebUI's checkpoint list (a JSON array): {_http.Excerpt(answer.Text, 120)}");
        if (list.Count == 0) throw _http.Fault(url, "lists no checkpoint: put a Stable Diffusion model in the WebUI's models/Stable-diffusion folder");
        return list.Count;
    }

    /// <inheritdoc/>
    public PaintResult Paint(PaintRequest request, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        lock (_gate)
        {
            if (!_healthy) { CheckHealth(cancel); _healthy = true; }
        }
        var size = request.Image.Size();
        if (size.Width % _o.SizeMultiple != 0 || size.Height % _o.SizeMultiple != 0)
            throw new ArgumentException($"the crop is {size.Width}x{size.Height}; the WebUI takes multiples of {_o.SizeMultiple}", nameof(request));
        if (request.Mask is { } m && m.Size() != size) throw new ArgumentException("mask and image sizes differ", nameof(request));
        var strength = _o.Strength.GetValueOrDefault(request.Operation) ?? new A1111Strength(0.75, 1);

        byte[] image = Png(request.Image);
        byte[]? mask = request.Mask is { } mk ? Png(mk) : null;
        var fields = new JsonObject
        {
            ["prompt"] = request.Prompt,
            ["negative_prompt"] = request.NegativePrompt,
            ["denoising_strength"] = strength.Denoising,
            ["width"] = size.Width,
            ["height"] = size.Height,
            ["resize_mode"] = 0,
            ["steps"] = _o.Steps,
            ["cfg_scale"] = _o.CfgScale,
            ["sampler_name"] = _o.Sampler,
            ["seed"] = _o.Seed,
            ["batch_size"] = 1,
            ["n_iter"] = 1,
            ["send_images"] = true,
            ["save_images"] = false,
            ["include_init_images"] = false,
        };
        if (mask is not null)
        {
            fields["mask_blur"] = _o.MaskBlurPx;
            fields["inpainting_fill"] = strength.Fill;
            fields["inpaint_full_res"] = false;
            fields["inpaint_full_res_padding"] = 0;
            fields["inpainting_mask_invert"] = 0;
        }
        if (_settings.Model is { } model)
        {
            fields["override_settings"] = new JsonObject { ["sd_model_checkpoint"] = model };
            fields["override_settings_restore_afterwards"] = true;
        }
        var summary = (JsonObject)fields.DeepClone();
        summary["init_images"] = new JsonArray(JsonValue.Create($"<png {size.Width}x{size.Height}, {image.Length} bytes>"));
        if (mask is not null) summary["mask"] = $"<png {size.Width}x{size.Height}, {mask.Length} bytes, white = repaint, {Cv2.CountNonZero(request.Mask!)} px>";

        var body = (JsonObject)fields.DeepClone();
        body["init_images"] = new JsonArray(JsonValue.Create(Convert.ToBase64String(image)));
        if (mask is not null) body["mask"] = Convert.ToBase64String(mask);
        byte[] payload = Encoding.UTF8.GetBytes(body.ToJsonString());

        var url = Img2ImgUrl;
        var answer = _http.Send(() =>
        {
            var content = new ByteArrayContent(payload);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            return new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        }, idempotent: false, cancel);

        string? first;
        try
        {
            using var doc = JsonDocument.Parse(answer.Body);
            if (!doc.RootElement.TryGetProperty("images", out var images) || images.ValueKind != JsonValueKind.Array)
                throw _http.Fault(url, $"answered without an 'images' list: {_http.Excerpt(answer.Text, 120)}");
            if (images.GetArrayLength() == 0) throw _http.Fault(url, "answered an empty 'images' list (no image)");
            first = images[0].ValueKind == JsonValueKind.String ? images[0].GetString() : null;
            if (doc.RootElement.TryGetProperty("info", out var info) && info.ValueKind == JsonValueKind.String && SeedOf(info.GetString()) is long seed)
                summary["answered_seed"] = seed;
        }
        catch (JsonException)
        {
            throw _http.Fault(url, $"did not answer in the WebUI's JSON format: {_http.Excerpt(answer.Text, 120)}");
        }
        var decoded = _http.DecodeImage(first, "images[0]", url);
        var (fitted, note) = _http.FitAnswer(decoded, size, url);
        return new PaintResult(fitted, summary, url, answer.Ms, note);
    }

    // The WebUI's "info" is a JSON string describing the generation; its seed says what the server actually used.
    private static long? SeedOf(string? info)
    {
        if (string.IsNullOrEmpty(info)) return null;
        try
        {
            using var doc = JsonDocument.Parse(info);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("seed", out var s) && s.TryGetInt64(out long v) ? v : null;
        }
        catch (JsonException) { return null; }
    }

    internal static byte[] Png(Mat image)
    {
        Cv2.ImEncode(".png", image, out byte[] bytes);
        return bytes;
    }

    public void Dispose() => _http.Dispose();
}
