using InterCoG.Imaging;
using InterCoG.Tests.Imaging;
using OpenCvSharp;

namespace InterCoG.Tests.Editing;

/// <summary>EXIF and ICC pieces carried from an input file into an edited output of the same format.</summary>
public class ImageMetadataTests
{
    private static readonly string Dog = ImagingTestData.DogJpg; // APP1 Exif + APP2 ICC_PROFILE

    [Fact]
    public void A_jpeg_output_carries_the_inputs_exif_and_icc_byte_for_byte()
    {
        byte[] input = File.ReadAllBytes(Dog);
        var meta = ImageMetadata.Read(input);
        Assert.Equal("jpeg", meta.Format);
        Assert.NotNull(meta.JpegIccProfile());
        using var img = ImageCodec.Decode(input, "dog.jpg");
        byte[] plain = ImageCodec.Encode(img.Bgr, "jpeg");
        Assert.False(ImageMetadata.Read(plain).Any); // the encoder alone drops them
        byte[] carried = meta.WriteInto(plain);
        var back = ImageMetadata.Read(carried);
        Assert.Equal(meta.Pieces.Count, back.Pieces.Count);
        Assert.Equal(meta.JpegIccProfile(), back.JpegIccProfile());
        // still a valid JPEG with the same pixels as without the metadata
        using var a = Cv2.ImDecode(plain, ImreadModes.Color);
        using var b = Cv2.ImDecode(carried, ImreadModes.Color);
        Assert.Equal(a.Size(), b.Size());
        using var diff = new Mat();
        Cv2.Absdiff(a, b, diff);
        Assert.Equal(0, Cv2.CountNonZero(diff.Reshape(1)));
        // writing twice does not duplicate the pieces
        Assert.Equal(meta.Pieces.Count, ImageMetadata.Read(meta.WriteInto(carried)).Pieces.Count);
    }

    [Fact]
    public void A_rotated_jpeg_input_gets_orientation_1_in_the_output()
    {
        byte[] rotated = ImagingTestData.JpegWithOrientation(File.ReadAllBytes(Dog), 6);
        var meta = ImageMetadata.Read(rotated);
        Assert.Equal(6, meta.Orientation());
        using var img = ImageCodec.Decode(rotated, "r.jpg");
        Assert.True(img.Height > img.Width, "decoded upright (turned on load)");
        byte[] output = meta.WriteInto(ImageCodec.Encode(img.Bgr, "jpeg"));
        Assert.Equal(1, ImageMetadata.Read(output).Orientation());
        using var again = ImageCodec.Decode(output, "o.jpg");
        Assert.Equal(img.Width, again.Width); // not turned a second time
        Assert.Equal(img.Height, again.Height);
    }

    [Fact]
    public void A_png_output_carries_exif_with_a_valid_crc_and_orientation_1()
    {
        using var src = new Mat(6, 9, MatType.CV_8UC3, new Scalar(10, 200, 30));
        byte[] png = ImagingTestData.PngWithOrientation(ImageCodec.Encode(src, "png"), 8);
        var meta = ImageMetadata.Read(png);
        Assert.Equal("png", meta.Format);
        Assert.Equal(8, meta.Orientation());
        using var img = ImageCodec.Decode(png, "o.png");
        byte[] output = meta.WriteInto(ImageCodec.Encode(img.Bgr, "png"));
        var back = ImageMetadata.Read(output);
        Assert.Equal(1, back.Orientation());
        var chunk = back.Pieces.Single();
        uint crc = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(chunk.AsSpan(chunk.Length - 4));
        Assert.Equal(ImageMetadata.Crc32(chunk.AsSpan(4, chunk.Length - 8)), crc);
        using var decoded = ImageCodec.Decode(output, "out.png");
        Assert.Equal(img.Width, decoded.Width);
    }

    [Fact]
    public void Crc32_matches_the_png_check_value_and_other_formats_are_left_alone()
    {
        Assert.Equal(0xCBF43926u, ImageMetadata.Crc32("123456789"u8));
        var meta = ImageMetadata.Read(File.ReadAllBytes(Dog));
        using var src = new Mat(4, 4, MatType.CV_8UC3, Scalar.All(0));
        byte[] png = ImageCodec.Encode(src, "png");
        Assert.Same(png, meta.WriteInto(png)); // JPEG pieces are not forced into a PNG
        Assert.False(ImageMetadata.Read([1, 2, 3]).Any);
    }

    [Fact]
    public void Save_with_metadata_writes_the_pieces_into_the_file()
    {
        string dir = TestSupport.TestPaths.TempDir("meta");
        string path = Path.Combine(dir, "out.jpg");
        using var img = ImageCodec.Load(Dog);
        ImageCodec.Save(img.Bgr, path, ImageMetadata.Read(File.ReadAllBytes(Dog)));
        Assert.Equal(ImageMetadata.Read(File.ReadAllBytes(Dog)).JpegIccProfile(), ImageMetadata.Read(File.ReadAllBytes(path)).JpegIccProfile());
    }
}
