namespace InterCoG.Imaging;

/// <summary>What the container header says before decoding: format, size, PNG pixel layout, EXIF orientation (1..8).</summary>
internal sealed record ImageHeader(string Format, int Width, int Height, int BitDepth, int Orientation);

/// <summary>Reads PNG and JPEG headers by hand: sniffs the magic bytes, reads the declared size (PNG IHDR, JPEG SOFn),
/// checks that the stream is complete (PNG IEND, JPEG EOI after the scan data) and finds the EXIF orientation
/// (JPEG APP1 "Exif", PNG eXIf). Every failure is one line naming the file and what is wrong.</summary>
internal static class ImageHeaderReader
{
    private static ReadOnlySpan<byte> PngMagic => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Parses the header of <paramref name="data"/>; throws <see cref="InputException"/> when it is not a
    /// complete PNG or JPEG.</summary>
    public static ImageHeader Read(ReadOnlySpan<byte> data, string name)
    {
        if (data.Length == 0)
            throw new InputException($"{name}: empty file (0 bytes), not an image");
        if (data.StartsWith(PngMagic))
            return ReadPng(data, name);
        if (data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
            return ReadJpeg(data, name);
        string? other = SniffOther(data);
        if (other is not null)
            throw new InputException($"{name}: {other} images are not supported (supported formats: PNG, JPEG)");
        throw new InputException($"{name}: not a PNG or JPEG image (starts with {Preview(data)})");
    }

    private static string? SniffOther(ReadOnlySpan<byte> d)
    {
        if (d.StartsWith("GIF8"u8)) return "GIF";
        if (d.StartsWith("BM"u8) && d.Length >= 14) return "BMP";
        if (d.Length >= 12 && d.StartsWith("RIFF"u8) && d[8..12].SequenceEqual("WEBP"u8)) return "WebP";
        if (d.StartsWith("II*\0"u8) || d.StartsWith("MM\0*"u8)) return "TIFF";
        if (d.Length >= 12 && d[4..8].SequenceEqual("ftyp"u8)) return "HEIF/AVIF";
        if (d.StartsWith((ReadOnlySpan<byte>)[0xFF, 0x4F, 0xFF, 0x51]) || (d.Length >= 12 && d[4..8].SequenceEqual("jP  "u8))) return "JPEG 2000";
        return null;
    }

    /// <summary>First bytes as quoted text when printable, else as hex.</summary>
    private static string Preview(ReadOnlySpan<byte> d)
    {
        var head = d[..Math.Min(d.Length, 12)];
        bool printable = true;
        foreach (byte b in head)
            if (b is < 0x20 or > 0x7E && b is not (byte)'\n' and not (byte)'\r' and not (byte)'\t') printable = false;
        if (printable)
        {
            string text = System.Text.Encoding.ASCII.GetString(head).Replace("\r", "\\r").Replace("\n", "\\n").Replace("\t", "\\t");
            return $"\"{text}\"";
        }
        return "0x" + Convert.ToHexString(head[..Math.Min(head.Length, 8)]);
    }

    private static ImageHeader ReadPng(ReadOnlySpan<byte> d, string name)
    {
        int pos = 8;
        int width = 0, height = 0, bitDepth = 0, orientation = 1;
        bool sawHeader = false, sawData = false, sawExif = false;
        while (true)
        {
            if (pos + 8 > d.Length)
                throw new InputException($"{name}: truncated PNG (data ends at byte {d.Length} before the IEND chunk)");
            long length = ReadU32Be(d, pos);
            string type = System.Text.Encoding.ASCII.GetString(d.Slice(pos + 4, 4));
            if (length > int.MaxValue || pos + 12 + length > d.Length)
                throw new InputException($"{name}: truncated PNG (chunk {type} at byte {pos} runs past the end of the file, {d.Length} bytes)");
            var body = d.Slice(pos + 8, (int)length);
            if (!sawHeader)
            {
                if (type != "IHDR" || length != 13)
                    throw new InputException($"{name}: corrupt PNG (first chunk is {type}, expected IHDR)");
                width = (int)Math.Min(ReadU32Be(body, 0), int.MaxValue);
                height = (int)Math.Min(ReadU32Be(body, 4), int.MaxValue);
                bitDepth = body[8];
                sawHeader = true;
            }
            else if (type == "IDAT") sawData = true;
            else if (type == "eXIf" && !sawExif) { orientation = ExifOrientation.FromTiff(body); sawExif = true; }
            else if (type == "IEND") break;
            pos += 12 + (int)length;
        }
        if (!sawData)
            throw new InputException($"{name}: corrupt PNG (no IDAT image data)");
        if (width <= 0 || height <= 0)
            throw new InputException($"{name}: corrupt PNG (IHDR declares size {width}x{height})");
        return new ImageHeader("png", width, height, bitDepth, orientation);
    }

    private static ImageHeader ReadJpeg(ReadOnlySpan<byte> d, string name)
    {
        int pos = 2, width = 0, height = 0, precision = 8, orientation = 1;
        bool sawFrame = false, sawExif = false;
        while (true)
        {
            // Marker: one or more 0xFF fill bytes, then the marker code.
            if (pos >= d.Length)
                throw new InputException($"{name}: truncated JPEG (data ends at byte {d.Length} before the EOI marker)");
            if (d[pos] != 0xFF)
                throw new InputException($"{name}: corrupt JPEG (expected a marker at byte {pos}, found 0x{d[pos]:X2})");
            while (pos < d.Length && d[pos] == 0xFF) pos++;
            if (pos >= d.Length)
                throw new InputException($"{name}: truncated JPEG (data ends at byte {d.Length} before the EOI marker)");
            byte marker = d[pos++];
            if (marker == 0xD9) break;                                   // EOI
            if (marker is >= 0xD0 and <= 0xD7 or 0x01) continue;         // RSTn, TEM: no length
            if (pos + 2 > d.Length)
                throw new InputException($"{name}: truncated JPEG (segment 0xFF{marker:X2} at byte {pos - 2} is cut off)");
            int length = (d[pos] << 8) | d[pos + 1];
            if (length < 2 || pos + length > d.Length)
                throw new InputException($"{name}: truncated JPEG (segment 0xFF{marker:X2} at byte {pos - 2} runs past the end of the file, {d.Length} bytes)");
            var body = d.Slice(pos + 2, length - 2);
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                if (body.Length < 6)
                    throw new InputException($"{name}: corrupt JPEG (frame header too short)");
                precision = body[0];
                height = (body[1] << 8) | body[2];
                width = (body[3] << 8) | body[4];
                sawFrame = true;
            }
            else if (marker == 0xE1 && !sawExif && body.StartsWith("Exif\0\0"u8))
            {
                orientation = ExifOrientation.FromTiff(body[6..]);
                sawExif = true;
            }
            pos += length;
            if (marker == 0xDA)
            {
                if (!sawFrame)
                    throw new InputException($"{name}: corrupt JPEG (scan data before any frame header)");
                pos = SkipEntropyData(d, pos);
                if (pos < 0)
                    throw new InputException($"{name}: truncated JPEG (scan data ends at byte {d.Length} without an EOI marker)");
            }
        }
        if (!sawFrame)
            throw new InputException($"{name}: corrupt JPEG (no frame header)");
        if (width <= 0 || height <= 0)
            throw new InputException($"{name}: unsupported JPEG (frame header declares size {width}x{height})");
        return new ImageHeader("jpeg", width, height, precision, orientation);
    }

    /// <summary>Index of the next real marker's first 0xFF after entropy-coded data, or -1 at end of data.
    /// Inside scan data 0xFF is followed by 0x00 (stuffing), a restart marker or more fill bytes.</summary>
    private static int SkipEntropyData(ReadOnlySpan<byte> d, int pos)
    {
        while (true)
        {
            int rel = d[pos..].IndexOf((byte)0xFF);
            if (rel < 0) return -1;
            int i = pos + rel, j = i + 1;
            while (j < d.Length && d[j] == 0xFF) j++;
            if (j >= d.Length) return -1;
            byte next = d[j];
            if (next == 0x00 || next is >= 0xD0 and <= 0xD7) { pos = j + 1; continue; }
            return j - 1;
        }
    }

    private static uint ReadU32Be(ReadOnlySpan<byte> d, int at) =>
        (uint)(d[at] << 24 | d[at + 1] << 16 | d[at + 2] << 8 | d[at + 3]);
}

/// <summary>EXIF orientation (TIFF tag 0x0112) from a TIFF-structured EXIF block; 1 when absent or malformed.</summary>
internal static class ExifOrientation
{
    /// <summary>Reads IFD0's orientation tag from <paramref name="tiff"/> (starting at the "II"/"MM" byte-order mark).</summary>
    public static int FromTiff(ReadOnlySpan<byte> tiff)
    {
        if (tiff.Length < 8) return 1;
        bool little;
        if (tiff[0] == (byte)'I' && tiff[1] == (byte)'I') little = true;
        else if (tiff[0] == (byte)'M' && tiff[1] == (byte)'M') little = false;
        else return 1;
        if (U16(tiff, 2, little) != 42) return 1;
        long ifd = U32(tiff, 4, little);
        if (ifd < 8 || ifd + 2 > tiff.Length) return 1;
        int count = U16(tiff, (int)ifd, little);
        for (int k = 0; k < count; k++)
        {
            int entry = (int)ifd + 2 + k * 12;
            if (entry + 12 > tiff.Length) return 1;
            if (U16(tiff, entry, little) != 0x0112) continue;
            int type = U16(tiff, entry + 2, little);
            int value = type == 3 ? U16(tiff, entry + 8, little) : type == 4 ? (int)Math.Min(U32(tiff, entry + 8, little), 9) : 0;
            return value is >= 1 and <= 8 ? value : 1;
        }
        return 1;
    }

    private static int U16(ReadOnlySpan<byte> d, int at, bool little) =>
        little ? d[at] | d[at + 1] << 8 : d[at] << 8 | d[at + 1];

    private static long U32(ReadOnlySpan<byte> d, int at, bool little) =>
        little ? (uint)(d[at] | d[at + 1] << 8 | d[at + 2] << 16 | d[at + 3] << 24)
               : (uint)(d[at] << 24 | d[at + 1] << 16 | d[at + 2] << 8 | d[at + 3]);
}
