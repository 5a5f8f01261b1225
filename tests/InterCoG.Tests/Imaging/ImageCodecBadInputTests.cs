using Xunit;
using InterCoG.Imaging;
using OpenCvSharp;
using static InterCoG.Tests.Imaging.ImagingTestData;

namespace InterCoG.Tests.Imaging;

public sealed class ImageCodecBadInputTests : IDisposable
{
    private readonly string _dir = NewTempDir();

    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>Writes <paramref name="bytes"/> as <paramref name="name"/>, expects Load to throw, checks the message
    /// is one line naming the file and the reason, and that nothing else appeared in the folder.</summary>
    private void AssertRefused(string name, byte[] bytes, params string[] reasons)
    {
        string p = Path.Combine(_dir, name);
        File.WriteAllBytes(p, bytes);
        var e = Assert.Throws<InputException>(() => ImageCodec.Load(p));
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains(name, e.Message);
        foreach (string r in reasons) Assert.Contains(r, e.Message);
        Assert.Equal(2, e.ExitCode);
        Assert.Equal([p], Directory.GetFiles(_dir));
        Assert.Equal(bytes, File.ReadAllBytes(p));
    }

    [Fact]
    public void Zero_byte_file_is_refused() => AssertRefused("empty.png", [], "empty file");

    [Fact]
    public void Text_file_named_png_is_refused_by_its_magic_bytes() =>
        AssertRefused("notes.png", "hello, this is text\n"u8.ToArray(), "not a PNG or JPEG image", "\"hello, this");

    [Fact]
    public void Truncated_jpeg_is_refused()
    {
        byte[] dog = File.ReadAllBytes(DogJpg);
        AssertRefused("cut.jpg", dog[..(dog.Length / 2)], "truncated JPEG");
    }

    [Fact]
    public void Jpeg_missing_only_its_eoi_marker_is_refused()
    {
        byte[] dog = File.ReadAllBytes(DogJpg);
        int eoi = dog.AsSpan().LastIndexOf((ReadOnlySpan<byte>)[0xFF, 0xD9]);
        AssertRefused("noeoi.jpg", dog[..eoi], "truncated JPEG", "EOI");
    }

    [Fact]
    public void Truncated_png_is_refused()
    {
        byte[] png = File.ReadAllBytes(KitchenPng);
        AssertRefused("cut.png", png[..(png.Length / 2)], "truncated PNG");
    }

    [Fact]
    public void Png_missing_only_its_iend_chunk_is_refused()
    {
        Cv2.ImEncode(".png", RandomMat(8, 8, MatType.CV_8UC3), out byte[] png);
        AssertRefused("noiend.png", png[..^12], "truncated PNG", "IEND");
    }

    [Fact]
    public void Png_whose_header_claims_30000_by_30000_is_refused_before_decoding()
    {
        byte[] bomb = Png(PngChunk("IHDR", Ihdr(30000, 30000, 8, 2)), PngChunk("IDAT", Idat([new byte[16]])), PngChunk("IEND", []));
        AssertRefused("bomb.png", bomb, "30000x30000", "decompression-bomb");
    }

    [Fact]
    public void Png_over_the_megapixel_limit_is_refused_even_with_short_sides()
    {
        byte[] big = Png(PngChunk("IHDR", Ihdr(12000, 12000, 8, 0)), PngChunk("IDAT", Idat([new byte[16]])), PngChunk("IEND", []));
        AssertRefused("big.png", big, "144 megapixels", "limit of 100 megapixels");
    }

    [Fact]
    public void Limits_are_options()
    {
        Cv2.ImEncode(".png", RandomMat(40, 50, MatType.CV_8UC1), out byte[] png);
        var e = Assert.Throws<InputException>(() => ImageCodec.Decode(png, "small.png", new ImageLimits { MaxPixels = 1000 }));
        Assert.Contains("50x40", e.Message);
        using var ok = ImageCodec.Decode(png, "small.png", new ImageLimits { MaxPixels = 2000 });
        Assert.Equal(50, ok.Width);
    }

    [Fact]
    public void Jpeg_frame_header_size_is_checked_before_decoding()
    {
        var e = Assert.Throws<InputException>(() => ImageCodec.Decode(File.ReadAllBytes(DogJpg), "dog.jpg", new ImageLimits { MaxSide = 700 }));
        Assert.Contains("768x576", e.Message);
    }

    [Theory]
    [InlineData("anim.png", "GIF89a\u0001\0\u0001\0\0\0\0;", "GIF")]
    [InlineData("pic.jpg", "RIFF\u0010\0\0\0WEBPVP8 ", "WebP")]
    public void Other_formats_are_refused_naming_the_supported_ones(string name, string content, string format) =>
        AssertRefused(name, System.Text.Encoding.Latin1.GetBytes(content), $"{format} images are not supported", "PNG, JPEG");

    [Fact]
    public void Bmp_is_refused_naming_the_supported_formats()
    {
        Cv2.ImEncode(".bmp", RandomMat(4, 4, MatType.CV_8UC3), out byte[] bmp);
        AssertRefused("pic.png", bmp, "BMP images are not supported", "PNG, JPEG");
    }

    [Fact]
    public void Png_with_corrupt_image_data_is_refused()
    {
        byte[] bad = Png(PngChunk("IHDR", Ihdr(4, 4, 8, 2)), PngChunk("IDAT", [1, 2, 3, 4, 5]), PngChunk("IEND", []));
        AssertRefused("garbage.png", bad, "corrupt PNG");
    }

    [Fact]
    public void Missing_file_is_refused()
    {
        string p = Path.Combine(_dir, "nope.jpg");
        var e = Assert.Throws<InputException>(() => ImageCodec.Load(p));
        Assert.Contains("file not found", e.Message);
        Assert.Contains("nope.jpg", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void Directory_is_refused()
    {
        var e = Assert.Throws<InputException>(() => ImageCodec.Load(_dir));
        Assert.Contains("is a directory", e.Message);
    }
}
