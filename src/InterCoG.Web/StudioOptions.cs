using InterCoG.Imaging;

namespace InterCoG.Web;

/// <summary>Limits and settings of the studio server; every limit protects the server from one request.</summary>
public sealed record StudioOptions
{
    /// <summary>Addresses Kestrel listens on, e.g. "http://127.0.0.1:5000"; port 0 picks a free port.</summary>
    public IReadOnlyList<string> Urls { get; init; } = ["http://127.0.0.1:5000"];

    /// <summary>Largest accepted image upload, in bytes (default 25 MiB).</summary>
    public long MaxUploadBytes { get; init; } = 25L * 1024 * 1024;

    /// <summary>Header-checked pixel limits applied before any pixel is decoded (default 40 megapixels, 12000 px a side;
    /// <c>--max-megapixels</c> sets <see cref="ImageLimits.MaxPixels"/>). The decoded 8-bit copy of the largest accepted
    /// image takes 3 bytes a pixel (120 MB at 40 MP), and one run holds a few such images: this bounds a run's memory.</summary>
    public ImageLimits ImageLimits { get; init; } = new() { MaxPixels = 40_000_000, MaxSide = 12_000, MaxFileBytes = 25L * 1024 * 1024 };

    /// <summary>Longest accepted instruction, in characters.</summary>
    public int MaxInstructionChars { get; init; } = 500;

    /// <summary>Largest form field other than the image, in bytes (UTF-8): 4 bytes a character of the longest instruction
    /// plus a little. A longer field is refused with 413 as soon as that many bytes have arrived.</summary>
    public int MaxFieldBytes => MaxInstructionChars * 4 + 64;

    /// <summary>Most parts in a multipart form (image, instruction, choose and a few unknown ones).</summary>
    public int MaxFormParts { get; init; } = 8;

    /// <summary>Longest a request body may take to arrive, in seconds; then 408 and the connection is closed. At the
    /// default 60 s a 25 MiB upload needs 0.44 MB/s on average.</summary>
    public double BodyTimeoutSeconds { get; init; } = 60;

    /// <summary>Slowest accepted request body, in bytes a second, averaged after a 5 s grace (Kestrel's minimum request
    /// body data rate); a body that trickles slower is cut off with 408.</summary>
    public double MinBodyBytesPerSecond { get; init; } = 16 * 1024;

    /// <summary>Longest the request line and headers may take to arrive, in seconds (Kestrel's RequestHeadersTimeout).</summary>
    public double HeadersTimeoutSeconds { get; init; } = 15;

    /// <summary>Most open connections (Kestrel's MaxConcurrentConnections); more wait in the listen backlog.</summary>
    public long MaxConnections { get; init; } = 256;

    /// <summary>Host header values served (host names without port; "*" serves any). Null: derived from
    /// <see cref="Urls"/> by <see cref="RequestPolicy.DefaultAllowedHosts"/> (loopback names when bound to loopback).</summary>
    public IReadOnlyList<string>? AllowedHosts { get; init; }

    /// <summary>Chain runs that may wait for the engine while one runs; beyond running + this many, requests get 503.</summary>
    public int MaxQueuedJobs { get; init; } = 4;

    /// <summary>Longest a request waits for its chain run (queue time included) before a 504, in seconds.</summary>
    public double JobTimeoutSeconds { get; init; } = 120;

    /// <summary>How long a finished job's files stay downloadable, in seconds.</summary>
    public double ResultTtlSeconds { get; init; } = 900;

    /// <summary>Run a full garbage collection after each chain run, so native image memory held by unreachable
    /// wrappers is released at once instead of whenever the managed heap next fills.</summary>
    public bool CollectAfterRun { get; init; } = true;

    /// <summary>Most finished jobs kept; the oldest is dropped first.</summary>
    public int MaxStoredJobs { get; init; } = 64;

    /// <summary>Most bytes of job files kept in memory; the oldest jobs are dropped first (default 512 MiB).</summary>
    public long MaxStoredBytes { get; init; } = 512L * 1024 * 1024;

    /// <summary>JPEG quality of the per-step illustration images, 0..100.</summary>
    public int StepImageQuality { get; init; } = 85;

    /// <summary>Longest side of the display images (input.jpg and the step pictures), in pixels; larger photos are shown
    /// scaled down (a 12 MP photo's ten step pictures would otherwise hold ~25 MB of the result store). The output and
    /// the mask always keep the input's size.</summary>
    public int DisplayMaxSide { get; init; } = 1600;

    /// <summary>Load the models at start-up instead of on the first request.</summary>
    public bool Preload { get; init; } = true;

    /// <summary>The segmenter of requests that name none (their <c>segmenter</c> field); null: the library's default
    /// (<see cref="Perception.Segmentation.SegmenterKinds.Default"/>).</summary>
    public Perception.Segmentation.SegmenterKind? Segmenter { get; init; }

    /// <summary>Detector profile of the studio's engine (fast: YOLOX-nano; accurate: YOLOX-s, installed separately).</summary>
    public Perception.DetectorProfile Profile { get; init; } = Perception.DetectorProfile.Fast;

    /// <summary>Device, optimisation and memory arena of the engine's ONNX sessions (default: INTERCOG_DEVICE, else auto;
    /// arena on). Without the arena (<c>--no-memory-arena</c>) the server holds about 1 GB less between runs once MI-GAN
    /// has run, and runs take about twice as long on CPU.</summary>
    public Models.Onnx.OnnxSessionOptions Sessions { get; init; } = new();

    /// <summary>The generative server (serve --gen-*, INTERCOG_GEN_*) for replace, add, material, content, text, pose, style
    /// and background; null: none (those end unsupported). A request may choose another one on loopback (gen_* fields).</summary>
    public Editing.Generative.GenerativeSettings? Generative { get; init; }
}
