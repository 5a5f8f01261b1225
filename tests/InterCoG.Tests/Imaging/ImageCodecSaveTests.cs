using Xunit;
using InterCoG.Imaging;
using OpenCvSharp;
using static InterCoG.Tests.Imaging.ImagingTestData;

namespace InterCoG.Tests.Imaging;

public sealed class ImageCodecSaveTests : IDisposable
{
    private readonly string _dir = NewTempDir();

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Save_replaces_an_existing_file_and_leaves_no_temporary_file()
    {
        string p = Path.Combine(_dir, "out.png");
        File.WriteAllText(p, "old contents");
        using var m = RandomMat(20, 30, MatType.CV_8UC3);
        ImageCodec.Save(m, p);

        Assert.Equal([p], Directory.GetFiles(_dir));
        using var back = ImageCodec.Load(p);
        Assert.Equal(0, CountDifferent(m, back.Original));
    }

    [Fact]
    public void Same_pixels_give_the_same_bytes()
    {
        using var m = RandomMat(64, 64, MatType.CV_16UC4);
        string a = Path.Combine(_dir, "a.png"), b = Path.Combine(_dir, "b.png");
        ImageCodec.Save(m, a);
        ImageCodec.Save(m, b);
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
        string ja = Path.Combine(_dir, "a.jpg"), jb = Path.Combine(_dir, "b.jpg");
        ImageCodec.Save(m, ja);
        ImageCodec.Save(m, jb);
        Assert.Equal(File.ReadAllBytes(ja), File.ReadAllBytes(jb));
    }

    [Fact]
    public void Jpeg_gets_8_bit_bgr_from_16_bit_rgba()
    {
        using var m = new Mat(16, 16, MatType.CV_16UC4, new Scalar(257 * 10, 257 * 120, 257 * 240, 1000));
        string p = Path.Combine(_dir, "x.jpeg");
        ImageCodec.Save(m, p);
        using var back = ImageCodec.Load(p);
        Assert.Equal(MatType.CV_8UC3, back.Original.Type());
        var px = back.Bgr.At<Vec3b>(8, 8);
        Assert.InRange(px.Item0, 6, 14);
        Assert.InRange(px.Item2, 236, 244);
    }

    [Fact]
    public void Jpeg_quality_is_an_option()
    {
        using var img = ImageCodec.Load(DogJpg);
        string lo = Path.Combine(_dir, "lo.jpg"), hi = Path.Combine(_dir, "hi.jpg");
        ImageCodec.Save(img.Bgr, lo, new SaveOptions { JpegQuality = 40 });
        ImageCodec.Save(img.Bgr, hi);
        Assert.True(new FileInfo(lo).Length < new FileInfo(hi).Length);
    }

    [Fact]
    public void Missing_folder_is_refused()
    {
        using var m = RandomMat(4, 4, MatType.CV_8UC3);
        string p = Path.Combine(_dir, "no-such-dir", "out.png");
        var e = Assert.Throws<InputException>(() => ImageCodec.Save(m, p));
        Assert.Contains("does not exist", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    [Theory]
    [InlineData("out.bmp")]
    [InlineData("out.webp")]
    [InlineData("out")]
    public void Unknown_output_extension_is_refused(string name)
    {
        using var m = RandomMat(4, 4, MatType.CV_8UC3);
        var e = Assert.Throws<InputException>(() => ImageCodec.Save(m, Path.Combine(_dir, name)));
        Assert.Contains(".png, .jpg, .jpeg", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void Output_equal_to_input_is_refused_also_through_another_spelling_or_a_link()
    {
        string input = Path.Combine(_dir, "in.jpg");
        File.Copy(DogJpg, input);
        var e = Assert.Throws<InputException>(() => ImageCodec.EnsureWritableOutput(Path.Combine(_dir, ".", "in.jpg"), input));
        Assert.Contains("overwrite the input", e.Message);
        string link = Path.Combine(_dir, "link.jpg");
        File.CreateSymbolicLink(link, input);
        Assert.Throws<InputException>(() => ImageCodec.EnsureWritableOutput(link, input));
        ImageCodec.EnsureWritableOutput(Path.Combine(_dir, "out.jpg"), input);
        Assert.Throws<InputException>(() => ImageCodec.EnsureWritableOutput(Path.Combine(_dir, "missing", "out.jpg"), input));
        Assert.Throws<InputException>(() => ImageCodec.EnsureWritableOutput(Path.Combine(_dir, "out.gif"), input));
    }
}
