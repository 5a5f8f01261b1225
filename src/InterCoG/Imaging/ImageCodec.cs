using System.Security.Cryptography;
using OpenCvSharp;

namespace InterCoG.Imaging;

/// <summary>Reads PNG/JPEG files into <see cref="LoadedImage"/> (EXIF orientation applied, header checked before
/// decoding) and writes PNG/JPEG atomically. Input files are only ever read.</summary>
public static class ImageCodec
{
    /// <summary>Loads the image at <paramref name="path"/>; throws <see cref="InputException"/> with one line naming the
    /// file and the problem (missing, directory, empty, not PNG/JPEG, truncated, too large, undecodable).</summary>
    public static LoadedImage Load(string path, ImageLimits? limits = null)
    {
        limits ??= ImageLimits.Default;
        return DecodeCore(ReadFile(path, limits), path, path, limits);
    }

    // The file's bytes, or one InputException line: missing, a directory, over the size limit, unreadable.
    private static byte[] ReadFile(string path, ImageLimits limits)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new InputException("no image path given");
        if (Directory.Exists(path))
            throw new InputException($"{path}: is a directory, not an image file");
        if (!File.Exists(path))
            throw new InputException($"{path}: file not found");
        byte[] bytes;
        try
        {
            long size = new FileInfo(path).Length;
            if (size > limits.MaxFileBytes)
                throw new InputException($"{path}: file is {size} bytes, more than the limit of {limits.MaxFileBytes} bytes");
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException($"{path}: cannot read the file ({e.Message})", e);
        }
        return bytes;
    }

    /// <summary>Decodes PNG/JPEG <paramref name="bytes"/>; <paramref name="displayName"/> names the source in messages
    /// and becomes <see cref="LoadedImage.Path"/>.</summary>
    public static LoadedImage Decode(byte[] bytes, string displayName, ImageLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        limits ??= ImageLimits.Default;
        if (bytes.LongLength > limits.MaxFileBytes)
            throw new InputException($"{displayName}: data is {bytes.LongLength} bytes, more than the limit of {limits.MaxFileBytes} bytes");
        return DecodeCore(bytes, displayName, displayName, limits);
    }

    /// <summary>The checks <see cref="Decode"/> makes before decoding any pixel, on the bytes alone: size, PNG/JPEG
    /// signature, a complete stream (PNG IEND, JPEG EOI) and the declared size within <paramref name="limits"/>. Throws
    /// <see cref="InputException"/> naming <paramref name="displayName"/>; returns the declared width and height.</summary>
    public static (int Width, int Height) CheckHeader(byte[] bytes, string displayName, ImageLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        limits ??= ImageLimits.Default;
        if (bytes.LongLength > limits.MaxFileBytes)
            throw new InputException($"{displayName}: data is {bytes.LongLength} bytes, more than the limit of {limits.MaxFileBytes} bytes");
        var header = CheckedHeader(bytes, displayName, limits);
        return (header.Width, header.Height);
    }

    private static ImageHeader CheckedHeader(byte[] bytes, string name, ImageLimits limits)
    {
        var header = ImageHeaderReader.Read(bytes, name);
        string kind = header.Format == "png" ? "PNG" : "JPEG";
        if (header.Width > limits.MaxSide || header.Height > limits.MaxSide)
            throw new InputException($"{name}: {kind} declares {header.Width}x{header.Height} pixels; a side longer than {limits.MaxSide} px is refused (decompression-bomb guard)");
        long pixels = (long)header.Width * header.Height;
        if (pixels > limits.MaxPixels)
            throw new InputException($"{name}: {kind} declares {header.Width}x{header.Height} = {pixels / 1e6:0.#} megapixels, more than the limit of {limits.MaxPixels / 1e6:0.#} megapixels (decompression-bomb guard)");
        return header;
    }

    private static LoadedImage DecodeCore(byte[] bytes, string name, string path, ImageLimits limits)
    {
        var header = CheckedHeader(bytes, name, limits);
        string kind = header.Format == "png" ? "PNG" : "JPEG";

        Mat decoded;
        try
        {
            decoded = Cv2.ImDecode(bytes, ImreadModes.Unchanged);
        }
        catch (OpenCVException e)
        {
            throw new InputException($"{name}: corrupt {kind} data, the decoder failed ({e.Message.Split('\n')[0]})", e);
        }
        if (decoded.Empty())
        {
            decoded.Dispose();
            throw new InputException($"{name}: corrupt {kind} data, the decoder could not read the pixels");
        }
        if (decoded.Cols != header.Width || decoded.Rows != header.Height)
        {
            string got = $"{decoded.Cols}x{decoded.Rows}";
            decoded.Dispose();
            throw new InputException($"{name}: corrupt {kind}, the header says {header.Width}x{header.Height} but {got} pixels decoded");
        }

        Mat original = ApplyOrientation(decoded, header.Orientation);
        Mat bgr = ToBgr8(original);
        string sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        return new LoadedImage(original, bgr, path, sha, header.Format) { Metadata = ImageMetadata.Read(bytes) };
    }

    /// <summary>Applies EXIF orientation 1..8 (returns a new Mat and disposes <paramref name="m"/> unless it is 1).</summary>
    internal static Mat ApplyOrientation(Mat m, int orientation)
    {
        if (orientation is < 2 or > 8) return m;
        var dst = new Mat();
        switch (orientation)
        {
            case 2: Cv2.Flip(m, dst, FlipMode.Y); break;                       // mirror left-right
            case 3: Cv2.Rotate(m, dst, RotateFlags.Rotate180); break;
            case 4: Cv2.Flip(m, dst, FlipMode.X); break;                       // mirror top-bottom
            case 5: Cv2.Transpose(m, dst); break;                              // mirror along the main diagonal
            case 6: Cv2.Rotate(m, dst, RotateFlags.Rotate90Clockwise); break;
            case 7: Cv2.Transpose(m, dst); Cv2.Flip(dst, dst, FlipMode.XY); break; // mirror along the anti-diagonal
            case 8: Cv2.Rotate(m, dst, RotateFlags.Rotate90Counterclockwise); break;
        }
        m.Dispose();
        return dst;
    }

    /// <summary>8-bit 3-channel BGR copy of an 8/16-bit gray, BGR or BGRA Mat: 16-bit values are divided by 257 with
    /// rounding, alpha is dropped (not composited), gray is replicated.</summary>
    public static Mat ToBgr8(Mat src)
    {
        using var eight = new Mat();
        if (src.Depth() == MatType.CV_16U) src.ConvertTo(eight, MatType.MakeType(MatType.CV_8U, src.Channels()), 1.0 / 257);
        else if (src.Depth() == MatType.CV_8U) src.CopyTo(eight);
        else throw new InputException($"unsupported pixel depth {src.Type()} (expected 8- or 16-bit)");
        var bgr = new Mat();
        switch (src.Channels())
        {
            case 1: Cv2.CvtColor(eight, bgr, ColorConversionCodes.GRAY2BGR); break;
            case 3: eight.CopyTo(bgr); break;
            case 4: Cv2.CvtColor(eight, bgr, ColorConversionCodes.BGRA2BGR); break;
            default: throw new InputException($"unsupported channel count {src.Channels()} (expected 1, 3 or 4)");
        }
        return bgr;
    }

    /// <summary>A mask from PNG/JPEG bytes: CV_8UC1 of the image's size (EXIF orientation applied), 255 inside, 0 outside.
    /// Every PNG layout reads the same way: gray of 1, 2, 4, 8 or 16 bits, palette of 1, 2, 4 or 8 bits, RGB, with or
    /// without alpha. When the image has an alpha channel that is not opaque everywhere, inside is where alpha is above
    /// 0 (a shape on transparency); otherwise inside is every pixel with any sample above 0, in the file's own depth, so
    /// label masks holding 0 and 1 (8- or 16-bit) read as masks too. Throws <see cref="InputException"/> as
    /// <see cref="Decode"/> does.</summary>
    public static Mat DecodeMask(byte[] bytes, string displayName, ImageLimits? limits = null)
    {
        using var image = Decode(bytes, displayName, limits);
        var pixels = image.Original;
        int channels = pixels.Channels();
        var mask = new Mat();
        if (channels is 2 or 4)
        {
            using var alpha = pixels.ExtractChannel(channels - 1);
            alpha.MinMaxLoc(out double lowest, out _);
            double opaque = pixels.Depth() == MatType.CV_16U ? ushort.MaxValue : byte.MaxValue;
            if (lowest < opaque)
            {
                Cv2.Compare(alpha, Scalar.All(0), mask, CmpTypes.GT);
                return mask;
            }
        }
        if (channels == 1)
        {
            Cv2.Compare(pixels, Scalar.All(0), mask, CmpTypes.GT);
            return mask;
        }
        // the largest colour sample of each pixel (alpha, if any, left out)
        var planes = pixels.Split();
        try
        {
            using var largest = planes[0].Clone();
            for (int c = 1; c < Math.Min(3, planes.Length); c++) Cv2.Max(largest, planes[c], largest);
            Cv2.Compare(largest, Scalar.All(0), mask, CmpTypes.GT);
            return mask;
        }
        finally
        {
            foreach (var p in planes) p.Dispose();
        }
    }

    /// <summary>Reads the mask file at <paramref name="path"/> (see <see cref="DecodeMask"/>); the same checks and
    /// one-line messages as <see cref="Load"/>.</summary>
    public static Mat LoadMask(string path, ImageLimits? limits = null)
    {
        limits ??= ImageLimits.Default;
        return DecodeMask(ReadFile(path, limits), path, limits);
    }

    /// <summary>Only the 8-bit BGR working copy of the image at <paramref name="path"/> (the loaders the benchmarks take).</summary>
    public static Mat LoadBgr(string path)
    {
        using var image = Load(path);
        return image.Bgr.Clone();
    }

    /// <summary>Writes <paramref name="image"/> (8/16-bit gray, BGR or BGRA) at full resolution; the format comes from
    /// the extension (.png keeps depth and alpha; .jpg/.jpeg gets 8-bit BGR). Atomic: a temporary file in the same
    /// folder is renamed over the target.</summary>
    public static void Save(Mat image, string path, SaveOptions? o = null) => OutputFiles.WriteAtomic(path, EncodeFor(path, image, null, o));

    /// <summary>As <see cref="Save(Mat, string, SaveOptions?)"/>, carrying the input's EXIF / ICC pieces
    /// (<see cref="ImageMetadata.Read"/> of the input file) into an output of the same format, EXIF orientation set to 1.</summary>
    public static void Save(Mat image, string path, ImageMetadata metadata, SaveOptions? o = null)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        OutputFiles.WriteAtomic(path, EncodeFor(path, image, metadata, o));
    }

    /// <summary>The bytes <see cref="Save(Mat, string, ImageMetadata, SaveOptions?)"/> would write to <paramref name="path"/>
    /// (format from its extension; <paramref name="metadata"/> carried when given); nothing is written.</summary>
    public static byte[] EncodeFor(string path, Mat image, ImageMetadata? metadata = null, SaveOptions? o = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Empty())
            throw new ArgumentException("cannot save an empty image", nameof(image));
        string format = OutputFormat(path);
        if (Directory.Exists(path))
            throw new InputException($"{path}: is a directory, cannot write an image there");
        byte[] bytes = Encode(image, format, o ?? SaveOptions.Default);
        return metadata is null ? bytes : metadata.WriteInto(bytes);
    }

    /// <summary>Encodes to PNG or JPEG bytes (<paramref name="format"/>: "png" or "jpeg").</summary>
    public static byte[] Encode(Mat image, string format, SaveOptions? o = null)
    {
        o ??= SaveOptions.Default;
        int ch = image.Channels();
        if (ch is not (1 or 3 or 4))
            throw new ArgumentException($"cannot encode {ch} channels (expected 1, 3 or 4)", nameof(image));
        if (image.Depth() != MatType.CV_8U && image.Depth() != MatType.CV_16U)
            throw new ArgumentException($"cannot encode depth {image.Type()} (expected 8- or 16-bit)", nameof(image));
        if (format == "png")
        {
            Cv2.ImEncode(".png", image, out byte[] png, new ImageEncodingParam(ImwriteFlags.PngCompression, Math.Clamp(o.PngCompression, 0, 9)));
            return png;
        }
        if (format != "jpeg")
            throw new ArgumentException($"unknown format {format}", nameof(format));
        // JPEG: 8-bit gray or BGR.
        using var eight = new Mat();
        if (image.Depth() == MatType.CV_16U) image.ConvertTo(eight, MatType.MakeType(MatType.CV_8U, ch), 1.0 / 257);
        else image.CopyTo(eight);
        using var color = new Mat();
        if (ch == 4) Cv2.CvtColor(eight, color, ColorConversionCodes.BGRA2BGR);
        else eight.CopyTo(color);
        Cv2.ImEncode(".jpg", color, out byte[] jpg, new ImageEncodingParam(ImwriteFlags.JpegQuality, Math.Clamp(o.JpegQuality, 0, 100)));
        return jpg;
    }

    /// <summary>Checks an output path before any work: known extension (.png/.jpg/.jpeg), existing folder, not a
    /// directory, and not the input file itself (also through a symbolic link). Throws <see cref="InputException"/>.</summary>
    public static void EnsureWritableOutput(string outPath, string inputPath)
    {
        OutputFormat(outPath);
        OutputFiles.EnsureWritable(outPath, inputPath, "output", [".png", ".jpg", ".jpeg"]);
    }

    /// <summary>"png" or "jpeg" from the extension; anything else throws <see cref="InputException"/>.</summary>
    public static string OutputFormat(string path)
    {
        string ext = Path.GetExtension(path).ToLowerInvariant();
        return ext switch
        {
            ".png" => "png",
            ".jpg" or ".jpeg" => "jpeg",
            _ => throw new InputException($"{path}: cannot write '{(ext.Length == 0 ? "(no extension)" : ext)}' files (supported output formats: .png, .jpg, .jpeg)"),
        };
    }




}
