namespace InterCoG.Imaging;

/// <summary>Size limits checked from the file header before any pixel is decoded (decompression-bomb guard).</summary>
public sealed record ImageLimits
{
    /// <summary>Largest accepted width × height, in pixels (default 100 megapixels).</summary>
    public long MaxPixels { get; init; } = 100_000_000;

    /// <summary>Largest accepted width or height, in pixels.</summary>
    public int MaxSide { get; init; } = 20_000;

    /// <summary>Largest accepted file, in bytes (default 512 MiB).</summary>
    public long MaxFileBytes { get; init; } = 512L * 1024 * 1024;

    /// <summary>The defaults above.</summary>
    public static ImageLimits Default { get; } = new();
}

/// <summary>How <see cref="ImageCodec.Save"/> encodes.</summary>
public sealed record SaveOptions
{
    /// <summary>JPEG quality, 0..100.</summary>
    public int JpegQuality { get; init; } = 95;

    /// <summary>zlib level for PNG, 0..9; fixed so that the same pixels always give the same bytes.</summary>
    public int PngCompression { get; init; } = 3;

    /// <summary>The defaults above.</summary>
    public static SaveOptions Default { get; } = new();
}
