using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using InterCoG.Imaging;
using OpenCvSharp;

namespace InterCoG.Soak;

/// <summary>The uploads of the soak run and the server tests: real photos of the repository (the demo's CC0 horses
/// photo in samples/, the licensed photos of tests/photos), a large re-encoded one, and hand-built faulty files.</summary>
public static class Uploads
{
    /// <summary>The folders the photos come from: the repository's samples/ and tests/photos/.</summary>
    public static IReadOnlyList<string> PhotoFolders { get; } = FindPhotoFolders();

    private static readonly Lock Gate = new();
    private static readonly Dictionary<int, byte[]> Large = [];

    /// <summary>A photo's bytes: "horses.jpg" (samples/), "dog.jpg" or "giraffes.jpg" (tests/photos/).</summary>
    public static byte[] Photo(string name) =>
        PhotoFolders.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists) is { } path ? File.ReadAllBytes(path)
        : throw new FileNotFoundException($"{name} is in none of {string.Join(", ", PhotoFolders)}");

    private static IReadOnlyList<string> FindPhotoFolders()
    {
        foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "InterCoG.slnx")))
                    return [Path.Combine(d.FullName, "samples"), Path.Combine(d.FullName, "tests", "photos")];
        throw new InvalidOperationException("cannot find the repository root (InterCoG.slnx) above " + AppContext.BaseDirectory);
    }

    /// <summary>horses.jpg scaled up to <paramref name="width"/> px wide (aspect kept), as a quality-90 JPEG: a phone-sized
    /// photo with grain (several MB of JPEG) whose 8-bit BGR pixels (4000 px: 4000×2594×3 ≈ 31 MB) are above glibc's largest mmap threshold, so that memory
    /// freed too early is unmapped and any later use of it faults.</summary>
    public static byte[] LargeJpeg(int width = 4000)
    {
        lock (Gate)
        {
            if (Large.TryGetValue(width, out var cached)) return cached;
            using var src = Cv2.ImDecode(Photo("horses.jpg"), ImreadModes.Color);
            using var big = new Mat();
            Cv2.Resize(src, big, new Size(width, (int)Math.Round(src.Rows * (double)width / src.Cols)), 0, 0, InterpolationFlags.Cubic);
            // sensor-like grain (fixed seed), so the file is as large as a phone's photo of this size (several MB)
            var grain = new byte[big.Rows * big.Cols * 3];
            new Random(17).NextBytes(grain);
            for (int i = 0; i < grain.Length; i++) grain[i] = (byte)(grain[i] % 19);
            using var noise = new Mat(big.Rows, big.Cols, MatType.CV_8UC3);
            System.Runtime.InteropServices.Marshal.Copy(grain, 0, noise.Data, grain.Length);
            Cv2.Add(big, noise, big);
            var bytes = ImageCodec.Encode(big, "jpeg", new SaveOptions { JpegQuality = 92 });
            Large[width] = bytes;
            return bytes;
        }
    }

    /// <summary>A PNG whose chunks are all well formed (IHDR, IDAT, IEND, right CRCs) but whose IDAT holds no valid zlib
    /// stream: every header check passes, and only decoding the pixels finds the fault.</summary>
    public static byte[] CorruptPixelsPng(int width = 64, int height = 64)
    {
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; ihdr[9] = 2;
        var garbage = new byte[512];
        new Random(5).NextBytes(garbage);
        garbage[0] = 0x13; // not a zlib header
        return Png(Chunk("IHDR", ihdr), Chunk("IDAT", garbage), Chunk("IEND", []));
    }

    /// <summary>A complete PNG (IHDR, one tiny IDAT, IEND) whose header declares <paramref name="w"/>×<paramref name="h"/> RGB pixels.</summary>
    public static byte[] BombPng(int w, int h)
    {
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, w);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), h);
        ihdr[8] = 8; ihdr[9] = 2;
        var z = new MemoryStream();
        using (var zl = new ZLibStream(z, CompressionLevel.Optimal, leaveOpen: true)) zl.Write(new byte[1024]);
        return Png(Chunk("IHDR", ihdr), Chunk("IDAT", z.ToArray()), Chunk("IEND", []));
    }

    /// <summary>The multipart body of a chain request (boundary <paramref name="boundary"/>) with the closing boundary;
    /// <see cref="CutBody"/> leaves it out.</summary>
    public static byte[] MultipartBody(string boundary, string instruction, byte[] image, string fileName = "photo.jpg")
    {
        var ms = new MemoryStream();
        void Text(string s) => ms.Write(Encoding.UTF8.GetBytes(s));
        Text($"--{boundary}\r\nContent-Disposition: form-data; name=\"instruction\"\r\n\r\n{instruction}\r\n");
        Text($"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"{fileName}\"\r\nContent-Type: application/octet-stream\r\n\r\n");
        ms.Write(image);
        Text($"\r\n--{boundary}--\r\n");
        return ms.ToArray();
    }

    /// <summary>A multipart body cut inside the image part: the closing boundary never comes.</summary>
    public static byte[] CutBody(string boundary, string instruction, byte[] image)
    {
        var full = MultipartBody(boundary, instruction, image);
        int headLength = full.Length - image.Length - $"\r\n--{boundary}--\r\n".Length;
        return full[..(headLength + image.Length / 2)];
    }

    private static byte[] Png(params byte[][] chunks)
    {
        var ms = new MemoryStream();
        ms.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        foreach (var c in chunks) ms.Write(c);
        return ms.ToArray();
    }

    private static byte[] Chunk(string type, byte[] body)
    {
        var chunk = new byte[12 + body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(chunk, (uint)body.Length);
        Encoding.ASCII.GetBytes(type).CopyTo(chunk, 4);
        body.CopyTo(chunk, 8);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + body.Length), Crc32(chunk.AsSpan(4, 4 + body.Length)));
        return chunk;
    }

    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }
        return ~crc;
    }
}
