using Xunit;
using InterCoG.Imaging;
using OpenCvSharp;
using static InterCoG.Tests.Imaging.ImagingTestData;

namespace InterCoG.Tests.Imaging;

public class ImageCodecDecodeTests
{
    private static byte[] EncodePng(Mat m)
    {
        Cv2.ImEncode(".png", m, out byte[] png);
        return png;
    }

    [Theory]
    [InlineData(8, 1)]
    [InlineData(16, 1)]
    [InlineData(8, 3)]
    [InlineData(16, 3)]
    [InlineData(8, 4)]
    [InlineData(16, 4)]
    public void Png_decodes_with_its_depth_and_channels_kept(int bits, int channels)
    {
        var type = MatType.MakeType(bits == 16 ? MatType.CV_16U : MatType.CV_8U, channels);
        using var src = RandomMat(37, 53, type);
        using var img = ImageCodec.Decode(EncodePng(src), "gen.png");

        Assert.Equal("png", img.Format);
        Assert.Equal(type, img.Original.Type());
        Assert.Equal(0, CountDifferent(src, img.Original));
        Assert.Equal(MatType.CV_8UC3, img.Bgr.Type());
        Assert.Equal((53, 37), (img.Width, img.Height));

        // Working copy: round(v/257) for 16-bit, alpha dropped, gray replicated.
        using var blue = new Mat();
        Cv2.ExtractChannel(src, blue, 0);
        int expected = bits == 16 ? (int)Math.Round(blue.At<ushort>(5, 7) / 257.0) : blue.At<byte>(5, 7);
        Assert.Equal(expected, img.Bgr.At<Vec3b>(5, 7).Item0);
        if (channels == 1) Assert.Equal(img.Bgr.At<Vec3b>(5, 7).Item0, img.Bgr.At<Vec3b>(5, 7).Item2);
    }

    [Fact]
    public void Sixteen_bit_values_are_divided_by_257_with_rounding()
    {
        using var src = new Mat(1, 4, MatType.CV_16UC1);
        ushort[] values = [0, 128, 129, 65535];
        for (int i = 0; i < 4; i++) src.Set(0, i, values[i]);
        using var img = ImageCodec.Decode(EncodePng(src), "ramp.png");
        Assert.Equal([0, 0, 1, 255], Enumerable.Range(0, 4).Select(i => (int)img.Bgr.At<Vec3b>(0, i).Item1));
    }

    [Fact]
    public void Palette_png_written_by_hand_decodes_to_its_palette_colours()
    {
        byte[] plte = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30];
        byte[][] rows = [[0, 1, 2, 3], [3, 2, 1, 0], [1, 1, 3, 3]];
        byte[] png = Png(PngChunk("IHDR", Ihdr(4, 3, 8, 3)), PngChunk("PLTE", plte), PngChunk("IDAT", Idat(rows)), PngChunk("IEND", []));

        using var img = ImageCodec.Decode(png, "palette.png");
        Assert.Equal(MatType.CV_8UC3, img.Original.Type());
        for (int y = 0; y < 3; y++)
            for (int x = 0; x < 4; x++)
            {
                int i = rows[y][x];
                Assert.Equal(new Vec3b(plte[3 * i + 2], plte[3 * i + 1], plte[3 * i]), img.Bgr.At<Vec3b>(y, x));
            }
    }

    [Fact]
    public void Gray_alpha_png_written_by_hand_decodes_to_bgra_with_its_alpha()
    {
        byte[][] rows = [[10, 255, 200, 0], [90, 128, 250, 7]];   // (gray, alpha) pairs
        byte[] png = Png(PngChunk("IHDR", Ihdr(2, 2, 8, 4)), PngChunk("IDAT", Idat(rows)), PngChunk("IEND", []));

        using var img = ImageCodec.Decode(png, "ga.png");
        Assert.Equal(4, img.Original.Channels());
        Assert.Equal(new Vec4b(200, 200, 200, 0), img.Original.At<Vec4b>(0, 1));
        Assert.Equal(new Vec4b(250, 250, 250, 7), img.Original.At<Vec4b>(1, 1));
        Assert.Equal(new Vec3b(10, 10, 10), img.Bgr.At<Vec3b>(0, 0));   // alpha dropped, not composited
    }

    [Fact]
    public void Real_16_bit_rgba_png_round_trips_bit_exact_through_save()
    {
        string dir = NewTempDir();
        using var a = ImageCodec.Load(KitchenPng);
        Assert.Equal(MatType.CV_16UC4, a.Original.Type());
        string outPath = Path.Combine(dir, "copy.png");
        ImageCodec.Save(a.Original, outPath);
        using var b = ImageCodec.Load(outPath);

        Assert.Equal(MatType.CV_16UC4, b.Original.Type());
        Assert.Equal(0, CountDifferent(a.Original, b.Original));
        Assert.Equal(64, a.Sha256.Length);
        Directory.Delete(dir, true);
    }

    [Fact]
    public void Sha256_is_of_the_file_bytes()
    {
        using var img = ImageCodec.Load(DogJpg);
        string expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(DogJpg)));
        Assert.Equal(expected, img.Sha256);
        Assert.Equal("jpeg", img.Format);
    }

    [Theory]
    [InlineData(1)] [InlineData(2)] [InlineData(3)] [InlineData(4)]
    [InlineData(5)] [InlineData(6)] [InlineData(7)] [InlineData(8)]
    public void Png_exif_orientation_maps_every_pixel_as_the_exif_table_says(int orientation)
    {
        using var stored = RandomMat(5, 7, MatType.CV_8UC3, seed: orientation);
        using var img = ImageCodec.Decode(PngWithOrientation(EncodePng(stored), orientation), "o.png");
        int h = stored.Rows, w = stored.Cols;
        bool swap = orientation >= 5;
        Assert.Equal(swap ? (h, w) : (w, h), (img.Width, img.Height));
        for (int r = 0; r < img.Height; r++)
            for (int c = 0; c < img.Width; c++)
            {
                // EXIF: which stored pixel is displayed at row r, column c.
                (int sr, int sc) = orientation switch
                {
                    1 => (r, c),
                    2 => (r, w - 1 - c),
                    3 => (h - 1 - r, w - 1 - c),
                    4 => (h - 1 - r, c),
                    5 => (c, r),
                    6 => (h - 1 - c, r),
                    7 => (h - 1 - c, w - 1 - r),
                    _ => (c, w - 1 - r),
                };
                Assert.Equal(stored.At<Vec3b>(sr, sc), img.Original.At<Vec3b>(r, c));
            }
    }

    [Fact]
    public void Jpeg_with_exif_orientation_6_is_rotated_clockwise()
    {
        byte[] plain = JpegWithOrientation(File.ReadAllBytes(DogJpg), 1);
        byte[] rotated = JpegWithOrientation(File.ReadAllBytes(DogJpg), 6);
        using var upright = ImageCodec.Decode(plain, "dog1.jpg");
        using var img = ImageCodec.Decode(rotated, "dog6.jpg");

        Assert.Equal((576, 768), (img.Width, img.Height));
        using var expected = new Mat();
        Cv2.Rotate(upright.Original, expected, RotateFlags.Rotate90Clockwise);
        Assert.Equal(0, CountDifferent(expected, img.Original));
        Assert.Equal(0, CountDifferent(expected, img.Bgr));
    }

    [Fact]
    public void Load_never_writes_to_the_input_file()
    {
        string dir = NewTempDir();
        string p = Path.Combine(dir, "dog.jpg");
        File.Copy(DogJpg, p);
        var before = File.GetLastWriteTimeUtc(p);
        File.SetAttributes(p, FileAttributes.ReadOnly);
        using (ImageCodec.Load(p)) { }
        Assert.Equal(before, File.GetLastWriteTimeUtc(p));
        Assert.Single(Directory.GetFiles(dir));
        File.SetAttributes(p, FileAttributes.Normal);
        Directory.Delete(dir, true);
    }
}
