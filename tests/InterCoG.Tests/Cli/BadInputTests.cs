using System.IO.Compression;
using System.Security.Cryptography;
using InterCoG.Tests.TestSupport;

namespace InterCoG.Tests.Cli;

/// <summary>Bad input exits 2 (or 5 for a missing model) with one clear line on stderr, writes no output file and
/// never touches the input.</summary>
[Collection(ModelCollection.Name)]
public sealed class BadInputTests
{
    private readonly string _dir = TestPaths.TempDir("bad");

    private (CliRunner.Result result, string[] written) Edit(string image, string instruction, params string[] extra)
    {
        string outDir = Path.Combine(_dir, "out-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(outDir);
        var args = new List<string> { "edit", image, instruction, "-o", Path.Combine(outDir, "o.png"),
            "--trace", Path.Combine(outDir, "t.json"), "--mask-out", Path.Combine(outDir, "m.png"), "--report", Path.Combine(outDir, "rep") };
        args.AddRange(extra);
        var r = CliRunner.Run(args.ToArray());
        return (r, Directory.GetFileSystemEntries(outDir));
    }

    private static string Sha(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    private void AssertRefused(string image, string instruction, string expectInMessage, int expectCode = 2)
    {
        string? before = File.Exists(image) ? Sha(image) : null;
        var (r, written) = Edit(image, instruction);
        Assert.Equal(expectCode, r.ExitCode);
        Assert.Single(r.ErrLines);
        Assert.Contains(expectInMessage, r.Err, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(written);
        Assert.Equal("", r.Out);
        if (before is not null) Assert.Equal(before, Sha(image));
    }

    [Fact]
    public void A_truncated_jpeg_is_refused()
    {
        string p = Path.Combine(_dir, "trunc.jpg");
        var bytes = File.ReadAllBytes(TestPaths.Horses);
        File.WriteAllBytes(p, bytes[..(bytes.Length / 2)]);
        AssertRefused(p, "make the horse on the left brown", "truncated");
    }

    [Fact]
    public void A_zero_byte_file_is_refused()
    {
        string p = Path.Combine(_dir, "empty.jpg");
        File.WriteAllBytes(p, []);
        AssertRefused(p, "make the horse on the left brown", "empty");
    }

    [Fact]
    public void A_text_file_named_png_is_refused()
    {
        string p = Path.Combine(_dir, "notes.png");
        File.WriteAllText(p, "this is not an image\n");
        AssertRefused(p, "make the horse on the left brown", "not a PNG or JPEG");
    }

    [Fact]
    public void A_png_claiming_30000_by_30000_pixels_is_refused_before_decoding()
    {
        string p = Path.Combine(_dir, "bomb.png");
        File.WriteAllBytes(p, PngWithHeader(30000, 30000));
        AssertRefused(p, "make the horse on the left brown", "30000");
    }

    [Fact]
    public void A_missing_image_is_refused()
    {
        AssertRefused(Path.Combine(_dir, "nope.jpg"), "make the horse on the left brown", "nope.jpg");
    }

    [Fact]
    public void An_empty_instruction_is_refused()
    {
        AssertRefused(TestPaths.Horses, "", "instruction");
    }

    [Fact]
    public void A_100_KB_instruction_is_refused()
    {
        AssertRefused(TestPaths.Horses, string.Concat(Enumerable.Repeat("make the horse red ", 5500)), "instruction");
    }

    [Fact]
    public void An_output_in_a_missing_folder_is_refused()
    {
        string image = TestPaths.Horses;
        string before = Sha(image);
        string outPath = Path.Combine(_dir, "missing-folder", "out.png");
        var r = CliRunner.Run("edit", image, "make the horse on the left brown", "-o", outPath);
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.ErrLines);
        Assert.Contains("does not exist", r.Err);
        Assert.False(Directory.Exists(Path.Combine(_dir, "missing-folder")));
        Assert.Equal(before, Sha(image));
    }

    [Fact]
    public void The_input_is_never_the_output()
    {
        string copy = Path.Combine(_dir, "in.png");
        File.Copy(TestPaths.Horses, Path.Combine(_dir, "in.jpg"));
        var r = CliRunner.Run("edit", Path.Combine(_dir, "in.jpg"), "make the horse on the left brown", "-o", Path.Combine(_dir, "in.jpg"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("never overwritten", r.Err);
        Assert.False(File.Exists(copy));
    }

    [Fact]
    public void An_unknown_option_is_a_usage_error()
    {
        var r = CliRunner.Run("edit", TestPaths.Horses, "make the horse red", "--frobnicate");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--frobnicate", r.Err);
    }

    [Fact]
    public void An_unknown_fill_is_a_usage_error_naming_the_fills()
    {
        var r = CliRunner.Run("edit", TestPaths.Horses, "remove the horse on the right", "--fill", "lama");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("migan", r.Err);
        Assert.Equal("", r.Out);
    }

    [Fact]
    public void A_missing_model_is_exit_5_with_the_install_command()
    {
        string empty = TestPaths.TempDir("nomodels");
        string? old = Environment.GetEnvironmentVariable("INTERCOG_MODELS");
        try
        {
            Environment.SetEnvironmentVariable("INTERCOG_MODELS", empty);
            var (r, written) = Edit(TestPaths.Horses, "make the horse on the left brown");
            Assert.Equal(5, r.ExitCode);
            Assert.Single(r.ErrLines);
            Assert.Contains("intercog models install", r.Err);
            Assert.Empty(written);
        }
        finally
        {
            Environment.SetEnvironmentVariable("INTERCOG_MODELS", old);
        }
    }

    /// <summary>A syntactically valid PNG start: signature, an IHDR claiming width×height RGB, a tiny IDAT, IEND.</summary>
    internal static byte[] PngWithHeader(int width, int height)
    {
        var ms = new MemoryStream();
        ms.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        WriteBe(ihdr, 0, width); WriteBe(ihdr, 4, height);
        ihdr[8] = 8; ihdr[9] = 2; // 8-bit RGB
        Chunk(ms, "IHDR", ihdr);
        var z = new MemoryStream();
        using (var zl = new ZLibStream(z, CompressionLevel.Optimal, leaveOpen: true)) zl.Write(new byte[4096]);
        Chunk(ms, "IDAT", z.ToArray());
        Chunk(ms, "IEND", []);
        return ms.ToArray();
    }

    private static void Chunk(Stream s, string type, byte[] data)
    {
        var len = new byte[4]; WriteBe(len, 0, data.Length); s.Write(len);
        var td = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        s.Write(td);
        var crc = new byte[4]; WriteBe(crc, 0, (int)Crc32(td)); s.Write(crc);
    }

    private static void WriteBe(byte[] b, int o, int v) { b[o] = (byte)(v >> 24); b[o + 1] = (byte)(v >> 16); b[o + 2] = (byte)(v >> 8); b[o + 3] = (byte)v; }

    private static uint Crc32(byte[] data)
    {
        uint c = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
        }
        return ~c;
    }
}
