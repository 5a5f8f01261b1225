using Xunit;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using OpenCvSharp;

namespace InterCoG.Tests.Imaging;

/// <summary>Test assets and hand-built image files (PNG chunks with CRC32, JPEG APP1 Exif).</summary>
internal static class ImagingTestData
{
    /// <summary>A real JPEG with APP1 Exif and APP2 ICC_PROFILE segments (768×576, public domain; tests/photos/README.md).</summary>
    public static string DogJpg => TestSupport.TestPaths.Photo("dog.jpg");

    public static string SharedDir => TestSupport.TestPaths.Shared;

    public static string KitchenPng => Path.Combine(SharedDir, "data/refcoco-3ds/kitchen/images/000000.png");

    /// <summary>A fresh empty folder under the temp directory.</summary>
    public static string NewTempDir()
    {
        string d = Path.Combine(Path.GetTempPath(), "intercog-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }

    /// <summary>CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) as PNG chunks use it.</summary>
    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }
        return ~crc;
    }

    public static byte[] PngChunk(string type, ReadOnlySpan<byte> body)
    {
        var chunk = new byte[12 + body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(chunk, (uint)body.Length);
        Encoding.ASCII.GetBytes(type).CopyTo(chunk, 4);
        body.CopyTo(chunk.AsSpan(8));
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + body.Length), Crc32(chunk.AsSpan(4, 4 + body.Length)));
        return chunk;
    }

    public static byte[] Ihdr(int width, int height, byte bitDepth, byte colorType)
    {
        var b = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(b, (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(4), (uint)height);
        b[8] = bitDepth; b[9] = colorType;
        return b;
    }

    /// <summary>zlib stream of unfiltered scanlines (filter byte 0 before each row).</summary>
    public static byte[] Idat(byte[][] rows)
    {
        using var ms = new MemoryStream();
        using (var z = new ZLibStream(ms, CompressionLevel.Optimal, leaveOpen: true))
            foreach (var row in rows) { z.WriteByte(0); z.Write(row); }
        return ms.ToArray();
    }

    public static byte[] Png(params byte[][] chunks)
    {
        using var ms = new MemoryStream();
        ms.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        foreach (var c in chunks) ms.Write(c);
        return ms.ToArray();
    }

    /// <summary>TIFF block (big-endian) whose IFD0 holds only the orientation tag.</summary>
    public static byte[] TiffWithOrientation(int orientation) =>
        [(byte)'M', (byte)'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte)orientation, 0, 0, 0, 0, 0, 0];

    /// <summary><paramref name="png"/> with an eXIf chunk holding <paramref name="orientation"/> inserted after IHDR.</summary>
    public static byte[] PngWithOrientation(byte[] png, int orientation)
    {
        int afterIhdr = 8 + 12 + 13;
        return [.. png.AsSpan(0, afterIhdr), .. PngChunk("eXIf", TiffWithOrientation(orientation)), .. png.AsSpan(afterIhdr)];
    }

    /// <summary><paramref name="jpeg"/> with its APPn Exif segments removed and one APP1 Exif segment holding
    /// <paramref name="orientation"/> inserted right after SOI.</summary>
    public static byte[] JpegWithOrientation(byte[] jpeg, int orientation)
    {
        using var ms = new MemoryStream();
        ms.Write(jpeg.AsSpan(0, 2));
        byte[] tiff = TiffWithOrientation(orientation);
        int len = 2 + 6 + tiff.Length;
        ms.Write([0xFF, 0xE1, (byte)(len >> 8), (byte)len]);
        ms.Write("Exif\0\0"u8);
        ms.Write(tiff);
        int pos = 2;
        while (true)
        {
            byte marker = jpeg[pos + 1];
            int segLen = (jpeg[pos + 2] << 8) | jpeg[pos + 3];
            if (marker == 0xDA) break;
            bool exif = marker == 0xE1 && jpeg.AsSpan(pos + 4).StartsWith("Exif\0\0"u8);
            if (!exif) ms.Write(jpeg.AsSpan(pos, 2 + segLen));
            pos += 2 + segLen;
        }
        ms.Write(jpeg.AsSpan(pos));
        return ms.ToArray();
    }

    /// <summary>Deterministic pseudo-random Mat (fixed seed).</summary>
    public static Mat RandomMat(int rows, int cols, MatType type, int seed = 7)
    {
        var m = new Mat(rows, cols, type);
        var rng = new Random(seed);
        int n = rows * cols * type.Channels;
        if (type.Depth == MatType.CV_16U)
        {
            var v = new ushort[n];
            for (int i = 0; i < n; i++) v[i] = (ushort)rng.Next(65536);
            System.Runtime.InteropServices.Marshal.Copy(System.Runtime.InteropServices.MemoryMarshal.Cast<ushort, byte>(v).ToArray(), 0, m.Data, 2 * n);
        }
        else
        {
            var v = new byte[n];
            rng.NextBytes(v);
            System.Runtime.InteropServices.Marshal.Copy(v, 0, m.Data, n);
        }
        return m;
    }

    /// <summary>Number of differing elements (all channels) between two Mats of the same size and type.</summary>
    public static int CountDifferent(Mat a, Mat b, Mat? where = null)
    {
        Assert.Equal(a.Size(), b.Size());
        Assert.Equal(a.Type(), b.Type());
        using var ne = new Mat();
        Cv2.Compare(a.Reshape(1, a.Rows), b.Reshape(1, b.Rows), ne, CmpTypes.NE);
        if (where is null) return Cv2.CountNonZero(ne);
        using var w = new Mat();
        Cv2.Resize(where, w, new Size(ne.Cols, ne.Rows), 0, 0, InterpolationFlags.Nearest);   // repeat each mask pixel once per channel
        using var masked = new Mat();
        Cv2.BitwiseAnd(ne, w, masked);
        return Cv2.CountNonZero(masked);
    }
}
