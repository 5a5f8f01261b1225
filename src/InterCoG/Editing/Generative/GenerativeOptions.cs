using InterCoG.Programs;

namespace InterCoG.Editing.Generative;

/// <summary>How a generative edit is framed and asked for (the server's address is <see cref="GenerativeSettings"/>).</summary>
public sealed record GenerativeOptions
{
    /// <summary>The region a painted edit may change: the target's box grown by this fraction of its width and height on
    /// each side (0.125 = the box grown by 25 %); with the compositor's feather band, every pixel farther than
    /// <c>FeatherPx</c> beyond it stays bit-identical.</summary>
    public float GrowFraction { get; init; } = 0.125f;
    /// <summary>Context sent around the grown box: this fraction of its size on each side (at least <see cref="MinContextPx"/>).</summary>
    public float ContextFraction { get; init; } = 0.5f;
    /// <summary>Least context on each side of the grown box, in pixels.</summary>
    public int MinContextPx { get; init; } = 32;
    /// <summary>Smallest crop side in input pixels (tiny objects still get a scene around them).</summary>
    public int MinCropPx { get; init; } = 192;
    /// <summary>replace and pose: the target mask is grown by max(this, <see cref="ReplaceDilateFraction"/>·√box area) px,
    /// so a new object of another shape has room (then clipped to the grown box).</summary>
    public int ReplaceDilatePx { get; init; } = 8;
    /// <summary>See <see cref="ReplaceDilatePx"/>.</summary>
    public float ReplaceDilateFraction { get; init; } = 0.1f;
    /// <summary>material, content and text: the target mask is grown by this many px (the object keeps its outline).</summary>
    public int SurfaceDilatePx { get; init; } = 4;
    /// <summary>Prompt settings.</summary>
    public PromptOptions Prompt { get; init; } = new();
    /// <summary>AUTOMATIC1111 request settings.</summary>
    public A1111Options A1111 { get; init; } = new();
    /// <summary>OpenAI Images request settings.</summary>
    public OpenAiImagesOptions OpenAi { get; init; } = new();
}

/// <summary>What the prompt adds around the object.</summary>
public sealed record PromptOptions
{
    /// <summary>Appended to every prompt but style's: what keeps an inpainted object photographic.</summary>
    public string PhotoSuffix { get; init; } = "photorealistic, natural lighting, matching the perspective and colours of the photo";
    /// <summary>The negative prompt every request starts from.</summary>
    public string Negative { get; init; } = "blurry, deformed, distorted, disfigured, low quality, cartoon, watermark, extra limbs, duplicate, cropped, frame, border";
    /// <summary>Scene detections at least this sure are named as context ("with a person and a car nearby").</summary>
    public float ContextMinScore { get; init; } = 0.5f;
    /// <summary>Most context class names in one prompt.</summary>
    public int MaxContextNames { get; init; } = 4;
}

/// <summary>One operation's img2img strength: <c>denoising_strength</c> (0..1) and <c>inpainting_fill</c>
/// (0 fill, 1 original, 2 latent noise, 3 latent nothing).</summary>
public sealed record A1111Strength(double Denoising, int Fill);

/// <summary>The AUTOMATIC1111 img2img request's fixed fields.</summary>
public sealed record A1111Options
{
    /// <summary>Sampling steps.</summary>
    public int Steps { get; init; } = 30;
    /// <summary>Classifier-free guidance scale.</summary>
    public double CfgScale { get; init; } = 7;
    /// <summary>Sampler name as the WebUI lists it (GET /sdapi/v1/samplers); "Euler a" exists in every version.</summary>
    public string Sampler { get; init; } = "Euler a";
    /// <summary>Seed: fixed, so the same request gives the same picture on the same server (−1 would be random).</summary>
    public long Seed { get; init; } = 1234;
    /// <summary>The WebUI's own mask blur, in pixels of the sent image (the paste-back is feathered here anyway).</summary>
    public int MaskBlurPx { get; init; } = 4;
    /// <summary>Sent sides are multiples of this (8: SD latents; 64 for some models).</summary>
    public int SizeMultiple { get; init; } = 8;
    /// <summary>Area of the sent image in pixels (512² for SD 1.x; 1024² suits SDXL).</summary>
    public int WorkAreaPx { get; init; } = 512 * 512;
    /// <summary>Longest sent side, in pixels.</summary>
    public int MaxSidePx { get; init; } = 1024;
    /// <summary>Strength per operation; style is img2img without a mask.</summary>
    public IReadOnlyDictionary<string, A1111Strength> Strength { get; init; } = new Dictionary<string, A1111Strength>
    {
        [Operations.Replace] = new(0.9, 1),
        [Operations.Add] = new(1.0, 2),
        [Operations.Material] = new(0.75, 1),
        [Operations.Content] = new(0.75, 1),
        [Operations.Text] = new(0.75, 1),
        [Operations.Pose] = new(0.85, 1),
        [Operations.Style] = new(0.55, 1),
        [Operations.Background] = new(1.0, 2),
    };
}

/// <summary>The OpenAI Images edit request's fixed fields.</summary>
public sealed record OpenAiImagesOptions
{
    /// <summary>Sizes (width, height) the model accepts, by model-name prefix; the first prefix that matches wins.
    /// dall-e-2 takes squares only; the gpt-image models a square, a landscape and a portrait size.</summary>
    public IReadOnlyList<(string Prefix, (int W, int H)[] Sizes)> Sizes { get; init; } =
    [
        ("dall-e-2", [(256, 256), (512, 512), (1024, 1024)]),
        ("gpt-image", [(1024, 1024), (1536, 1024), (1024, 1536)]),
        ("", [(512, 512), (1024, 1024)]),
    ];
    /// <summary>Models that reject <c>response_format</c> (they always answer b64_json); every other model is asked for b64_json.</summary>
    public IReadOnlyList<string> NoResponseFormatPrefixes { get; init; } = ["gpt-image"];
}
