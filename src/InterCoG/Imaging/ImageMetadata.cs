using System.Buffers.Binary;
using System.Text;

namespace InterCoG.Imaging;

/// <summary>The colour profile and EXIF of an encoded image, kept as the raw container pieces: for JPEG the APP1
/// "Exif" and APP2 "ICC_PROFILE" segments (marker, length and payload, in file order), for PNG the iCCP and eXIf chunks
/// (length, type, data and CRC). <see cref="Format"/> is "jpeg", "png" or "" (nothing found / other format).</summary>
public sealed record ImageMetadata(string Format, IReadOnlyList<byte[]> Pieces)
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly byte[] ExifId = "Exif\0\0"u8.ToArray();
    private static readonly byte[] IccId = "ICC_PROFILE\0"u8.ToArray();

    /// <summary>Nothing to carry.</summary>
    public static ImageMetadata None { get; } = new("", []);

    /// <summary>True when there is an EXIF or ICC piece.</summary>
    public bool Any => Pieces.Count > 0;

    /// <summary>Reads the EXIF and ICC pieces of a JPEG or PNG file; <see cref="None"/> for other or broken data
    /// (metadata is optional: a malformed container yields what was read before the damage).</summary>
    public static ImageMetadata Read(ReadOnlySpan<byte> file)
    {
        var pieces = new List<byte[]>();
        if (file.Length > 4 && file[0] == 0xFF && file[1] == 0xD8)
        {
            int p = 2;
            while (p + 4 <= file.Length && file[p] == 0xFF)
            {
                byte marker = file[p + 1];
                if (marker == 0xD8 || marker is >= 0xD0 and <= 0xD7 || marker == 0x01) { p += 2; continue; }
                if (marker == 0xDA || marker == 0xD9) break; // start of scan / end: no more header segments
                int len = BinaryPrimitives.ReadUInt16BigEndian(file[(p + 2)..]);
                if (len < 2 || p + 2 + len > file.Length) break;
                var payload = file.Slice(p + 4, len - 2);
                if ((marker == 0xE1 && payload.StartsWith(ExifId)) || (marker == 0xE2 && payload.StartsWith(IccId)))
                    pieces.Add(file.Slice(p, 2 + len).ToArray());
                p += 2 + len;
            }
            return pieces.Count == 0 ? None : new ImageMetadata("jpeg", pieces);
        }
        if (file.Length > 8 && file[..8].SequenceEqual(PngSignature))
        {
            int p = 8;
            while (p + 12 <= file.Length)
            {
                long len = BinaryPrimitives.ReadUInt32BigEndian(file[p..]);
                if (len > file.Length - p - 12) break;
                var type = file.Slice(p + 4, 4);
                if (type.SequenceEqual("iCCP"u8) || type.SequenceEqual("eXIf"u8)) pieces.Add(file.Slice(p, 12 + (int)len).ToArray());
                if (type.SequenceEqual("IDAT"u8) || type.SequenceEqual("IEND"u8)) break;
                p += 12 + (int)len;
            }
            return pieces.Count == 0 ? None : new ImageMetadata("png", pieces);
        }
        return None;
    }

    /// <summary>Returns <paramref name="encoded"/> (a JPEG or PNG of the same format as this metadata) with the pieces
    /// inserted: JPEG after SOI and any APP0 (JFIF) segment, PNG right after IHDR; pieces of the same kind already in
    /// <paramref name="encoded"/> are dropped first. <paramref name="normalizeOrientation"/>: the EXIF orientation tag
    /// is set to 1 (the pixels were already turned upright on load). Unchanged when the formats differ or nothing is carried.</summary>
    public byte[] WriteInto(byte[] encoded, bool normalizeOrientation = true)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        if (!Any) return encoded;
        var existing = Read(encoded);
        if (Format == "jpeg" && encoded.Length > 4 && encoded[0] == 0xFF && encoded[1] == 0xD8)
        {
            var body = existing.Any ? Strip(encoded, existing) : encoded;
            int at = 2;
            while (at + 4 <= body.Length && body[at] == 0xFF && body[at + 1] == 0xE0)
                at += 2 + BinaryPrimitives.ReadUInt16BigEndian(body.AsSpan(at + 2));
            using var ms = new MemoryStream(body.Length + Pieces.Sum(x => x.Length));
            ms.Write(body, 0, at);
            foreach (var piece in Pieces) ms.Write(normalizeOrientation ? NormalizedJpegPiece(piece) : piece);
            ms.Write(body, at, body.Length - at);
            return ms.ToArray();
        }
        if (Format == "png" && encoded.Length > 33 && encoded.AsSpan(0, 8).SequenceEqual(PngSignature) && encoded.AsSpan(12, 4).SequenceEqual("IHDR"u8))
        {
            var body = existing.Any ? Strip(encoded, existing) : encoded;
            int at = 8 + 12 + (int)BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(8));
            using var ms = new MemoryStream(body.Length + Pieces.Sum(x => x.Length));
            ms.Write(body, 0, at);
            foreach (var piece in Pieces) ms.Write(normalizeOrientation ? NormalizedPngPiece(piece) : piece);
            ms.Write(body, at, body.Length - at);
            return ms.ToArray();
        }
        return encoded;
    }

    /// <summary>The EXIF orientation (1..8) of the first EXIF piece, or null when there is none.</summary>
    public int? Orientation()
    {
        foreach (var piece in Pieces)
        {
            var tiff = TiffOf(piece, out _);
            if (tiff.Length > 0 && OrientationOffset(tiff) is int off)
                return tiff[0] == (byte)'I' ? BinaryPrimitives.ReadUInt16LittleEndian(tiff[off..]) : BinaryPrimitives.ReadUInt16BigEndian(tiff[off..]);
        }
        return null;
    }

    /// <summary>The ICC profile bytes of a JPEG's APP2 pieces joined in sequence order, or null (PNG profiles are compressed: not decoded here).</summary>
    public byte[]? JpegIccProfile()
    {
        if (Format != "jpeg") return null;
        var parts = Pieces.Where(p => p[1] == 0xE2).Select(p => (seq: p[4 + IccId.Length], data: p.AsSpan(4 + IccId.Length + 2).ToArray())).OrderBy(t => t.seq).ToList();
        return parts.Count == 0 ? null : parts.SelectMany(t => t.data).ToArray();
    }

    private static byte[] Strip(byte[] encoded, ImageMetadata existing)
    {
        // the pieces were copied from this buffer in order: remove each first occurrence
        var list = new List<byte>(encoded);
        foreach (var piece in existing.Pieces)
        {
            int at = IndexOf(list, piece);
            if (at >= 0) list.RemoveRange(at, piece.Length);
        }
        return [.. list];
    }

    private static int IndexOf(List<byte> hay, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= hay.Count; i++)
        {
            int j = 0;
            while (j < needle.Length && hay[i + j] == needle[j]) j++;
            if (j == needle.Length) return i;
        }
        return -1;
    }

    /// <summary>The TIFF block of an EXIF piece (JPEG APP1 after "Exif\0\0", PNG eXIf data) and its offset in the piece; empty otherwise.</summary>
    private static ReadOnlySpan<byte> TiffOf(byte[] piece, out int offset)
    {
        offset = 0;
        if (piece.Length > 10 && piece[0] == 0xFF && piece[1] == 0xE1) offset = 4 + ExifId.Length;
        else if (piece.Length > 12 && piece.AsSpan(4, 4).SequenceEqual("eXIf"u8)) offset = 8;
        else return [];
        int end = piece[0] == 0xFF ? piece.Length : piece.Length - 4;
        return offset < end ? piece.AsSpan(offset, end - offset) : [];
    }

    /// <summary>Offset (within the TIFF block) of the orientation tag's value in IFD0, or null.</summary>
    private static int? OrientationOffset(ReadOnlySpan<byte> tiff)
    {
        if (tiff.Length < 8) return null;
        bool le = tiff[0] == (byte)'I' && tiff[1] == (byte)'I';
        if (!le && !(tiff[0] == (byte)'M' && tiff[1] == (byte)'M')) return null;
        uint ifd = le ? BinaryPrimitives.ReadUInt32LittleEndian(tiff[4..]) : BinaryPrimitives.ReadUInt32BigEndian(tiff[4..]);
        if (ifd > tiff.Length - 2) return null;
        int n = U16(tiff, (int)ifd, le);
        for (int i = 0; i < n; i++)
        {
            int e = (int)ifd + 2 + 12 * i;
            if (e + 12 > tiff.Length) return null;
            if (U16(tiff, e, le) == 0x0112 && U16(tiff, e + 2, le) == 3) return e + 8;
        }
        return null;
    }

    private static ushort U16(ReadOnlySpan<byte> b, int o, bool le) =>
        le ? BinaryPrimitives.ReadUInt16LittleEndian(b[o..]) : BinaryPrimitives.ReadUInt16BigEndian(b[o..]);

    private static byte[] NormalizedJpegPiece(byte[] piece)
    {
        if (piece[1] != 0xE1) return piece;
        var tiff = TiffOf(piece, out int offset);
        if (OrientationOffset(tiff) is not int off) return piece;
        var copy = (byte[])piece.Clone();
        SetOne(copy.AsSpan(offset + off), tiff[0] == (byte)'I');
        return copy;
    }

    private static byte[] NormalizedPngPiece(byte[] piece)
    {
        var tiff = TiffOf(piece, out int offset);
        if (tiff.Length == 0 || OrientationOffset(tiff) is not int off) return piece;
        var copy = (byte[])piece.Clone();
        SetOne(copy.AsSpan(offset + off), tiff[0] == (byte)'I');
        BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(copy.Length - 4), Crc32(copy.AsSpan(4, copy.Length - 8)));
        return copy;
    }

    private static void SetOne(Span<byte> value, bool littleEndian)
    {
        if (littleEndian) BinaryPrimitives.WriteUInt16LittleEndian(value, 1); else BinaryPrimitives.WriteUInt16BigEndian(value, 1);
    }

    private static readonly uint[] CrcTable = BuildCrcTable();

    private static uint[] BuildCrcTable()
    {
        var t = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[n] = c;
        }
        return t;
    }

    /// <summary>PNG chunk CRC-32 (ISO 3309) over type and data.</summary>
    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFFu;
        foreach (byte b in data) c = CrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }

    /// <summary>Short description for logs, e.g. "jpeg: EXIF, ICC (2 segments)".</summary>
    public override string ToString()
    {
        if (!Any) return "none";
        var kinds = Pieces.Select(p => p[0] == 0xFF ? (p[1] == 0xE1 ? "EXIF" : "ICC") : Encoding.ASCII.GetString(p, 4, 4) == "eXIf" ? "EXIF" : "ICC").Distinct();
        return $"{Format}: {string.Join(", ", kinds)} ({Pieces.Count} piece{(Pieces.Count == 1 ? "" : "s")})";
    }
}
