using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenCvSharp;

namespace InterCoG.Editing.Generative;

/// <summary>An OpenAI-compatible Images API (OpenAI, LocalAI, gateways): <c>POST /v1/images/edits</c> as multipart with
/// <c>image</c> (PNG), <c>mask</c> (PNG of the same size whose fully transparent pixels mark the region to edit),
/// <c>prompt</c>, <c>model</c>, <c>n</c>=1 and a <c>size</c> the model accepts (squares for dall-e-2; 1024x1024,
/// 1536x1024 or 1024x1536 for the gpt-image models); the answer's <c>data[0].b64_json</c> is the painted crop.
/// <c>response_format</c>=b64_json is sent except to the gpt-image models, which reject it (and answer base64 anyway).</summary>
public sealed class OpenAiImagesClient : IInpaintServer, IDisposable
{
    private readonly GenerativeSettings _settings;
    private readonly OpenAiImagesOptions _o;
    private readonly GenerativeHttp _http;

    /// <summary>A client for <paramref name="settings"/> (kind openai); nothing is sent until <see cref="Paint"/>.</summary>
    public OpenAiImagesClient(GenerativeSettings settings, OpenAiImagesOptions? options = null)
    {
        if (settings.Kind != GenerativeKind.OpenAi) throw new ArgumentException("settings are not for an openai server", nameof(settings));
        _settings = settings;
        _o = options ?? new OpenAiImagesOptions();
        _http = new GenerativeHttp(settings);
        EditsUrl = Endpoint(settings.Url);
    }

    /// <summary>The edits endpoint.</summary>
    public Uri EditsUrl { get; }

    /// <summary>The model named in requests.</summary>
    public string Model => _settings.EffectiveModel!;

    /// <inheritdoc/>
    public string Name => "openai";

    /// <inheritdoc/>
    public string Describe() => _settings.Describe();

    /// <summary>The edits endpoint for a base URL ("https://api.openai.com"), a "/v1" URL or the full endpoint.</summary>
    public static Uri Endpoint(Uri url)
    {
        string path = url.AbsolutePath.TrimEnd('/');
        if (!path.EndsWith("/images/edits", StringComparison.Ordinal))
            path = path.EndsWith("/v1", StringComparison.Ordinal) ? path + "/images/edits" : path + "/v1/images/edits";
        return new UriBuilder(url) { Path = path, Query = "", Fragment = "" }.Uri;
    }

    /// <summary>The sizes <see cref="Model"/> accepts (<see cref="OpenAiImagesOptions.Sizes"/>).</summary>
    public IReadOnlyList<(int W, int H)> Sizes => SizesFor(Model, _o);

    /// <inheritdoc cref="Sizes"/>
    public static IReadOnlyList<(int W, int H)> SizesFor(string model, OpenAiImagesOptions o) =>
        o.Sizes.First(s => model.StartsWith(s.Prefix, StringComparison.OrdinalIgnoreCase)).Sizes;

    /// <summary>Of the accepted sizes, those closest to the crop's aspect; of them the smallest whose longer side reaches
    /// the crop's and at least 512 (a 256 px answer paints too coarsely), else the largest.</summary>
    public Size WorkSize(Size crop) => WorkSize(crop, Sizes);

    /// <inheritdoc cref="WorkSize(Size)"/>
    public static Size WorkSize(Size crop, IReadOnlyList<(int W, int H)> sizes)
    {
        if (crop.Width <= 0 || crop.Height <= 0) throw new ArgumentException($"crop {crop.Width}x{crop.Height} is empty", nameof(crop));
        double aspect = Math.Log((double)crop.Width / crop.Height);
        double best = sizes.Min(s => Math.Abs(Math.Log((double)s.W / s.H) - aspect));
        var near = sizes.Where(s => Math.Abs(Math.Abs(Math.Log((double)s.W / s.H) - aspect) - best) < 1e-9).OrderBy(s => s.W * s.H).ToList();
        int need = Math.Max(Math.Max(crop.Width, crop.Height), Math.Min(512, near.Max(s => Math.Max(s.W, s.H))));
        var pick = near.FirstOrDefault(s => Math.Max(s.W, s.H) >= need);
        if (pick == default) pick = near[^1];
        return new Size(pick.W, pick.H);
    }

    /// <inheritdoc/>
    public PaintResult Paint(PaintRequest request, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var size = request.Image.Size();
        if (!Sizes.Contains((size.Width, size.Height)))
            throw new ArgumentException($"{size.Width}x{size.Height} is not a size {Model} accepts", nameof(request));
        byte[] image = A1111Client.Png(request.Image);
        byte[] mask = MaskPng(request.Image, request.Mask);
        int editPx = request.Mask is { } m ? Cv2.CountNonZero(m) : size.Width * size.Height;
        string sizeText = $"{size.Width}x{size.Height}";
        bool askB64 = !_o.NoResponseFormatPrefixes.Any(p => Model.StartsWith(p, StringComparison.OrdinalIgnoreCase));

        var summary = new JsonObject
        {
            ["image"] = $"<png {sizeText}, {image.Length} bytes>",
            ["mask"] = $"<png {sizeText} RGBA, {mask.Length} bytes, transparent = edit, {editPx} px>",
            ["prompt"] = request.Prompt,
            ["model"] = Model,
            ["n"] = 1,
            ["size"] = sizeText,
        };
        if (askB64) summary["response_format"] = "b64_json";
        // The Images API has no negative prompt: it is recorded, not sent.
        summary["negative_prompt_not_sent"] = request.NegativePrompt;

        var url = EditsUrl;
        var answer = _http.Send(() =>
        {
            var form = new MultipartFormDataContent();
            var img = new ByteArrayContent(image);
            img.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            form.Add(img, "image", "image.png");
            var msk = new ByteArrayContent(mask);
            msk.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            form.Add(msk, "mask", "mask.png");
            form.Add(new StringContent(request.Prompt), "prompt");
            form.Add(new StringContent(Model), "model");
            form.Add(new StringContent("1"), "n");
            form.Add(new StringContent(sizeText), "size");
            if (askB64) form.Add(new StringContent("b64_json"), "response_format");
            return new HttpRequestMessage(HttpMethod.Post, url) { Content = form };
        }, idempotent: false, cancel);

        string? b64;
        try
        {
            using var doc = JsonDocument.Parse(answer.Body);
            if (!doc.RootElement.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
                throw _http.Fault(url, $"answered without a 'data' list: {_http.Excerpt(answer.Text, 120)}");
            if (data.GetArrayLength() == 0) throw _http.Fault(url, "answered an empty 'data' list (no image)");
            var first = data[0];
            b64 = first.ValueKind == JsonValueKind.Object && first.TryGetProperty("b64_json", out var b) && b.ValueKind == JsonValueKind.String ? b.GetString() : null;
            if (b64 is null && first.ValueKind == JsonValueKind.Object && first.TryGetProperty("url", out _))
                throw _http.Fault(url, "answered a URL instead of data[0].b64_json (it ignored response_format=b64_json)");
        }
        catch (JsonException)
        {
            throw _http.Fault(url, $"did not answer in the Images API's JSON format: {_http.Excerpt(answer.Text, 120)}");
        }
        var decoded = _http.DecodeImage(b64, "data[0].b64_json", url);
        var (fitted, note) = _http.FitAnswer(decoded, size, url);
        return new PaintResult(fitted, summary, url, answer.Ms, note);
    }

    /// <summary>The mask PNG: the crop's colours with alpha 0 where <paramref name="mask"/> is set (the region to edit)
    /// and 255 elsewhere; every pixel transparent when <paramref name="mask"/> is null (the whole crop).</summary>
    public static byte[] MaskPng(Mat image, Mat? mask)
    {
        using var bgra = new Mat();
        Cv2.CvtColor(image, bgra, ColorConversionCodes.BGR2BGRA);
        using var alpha = new Mat(image.Size(), MatType.CV_8UC1, Scalar.All(255));
        if (mask is null) alpha.SetTo(Scalar.All(0));
        else alpha.SetTo(Scalar.All(0), mask);
        Cv2.InsertChannel(alpha, bgra, 3);
        return A1111Client.Png(bgra);
    }

    public void Dispose() => _http.Dispose();
}
