using InterCoG.Imaging;
using InterCoG.Tests.TestSupport;

namespace InterCoG.Tests.Cli;

/// <summary>`intercog edit` writes the input's EXIF and ICC profile into an output of the same format.</summary>
[Collection(ModelCollection.Name)]
public class MetadataCarryTests
{
    [Fact]
    public void An_edited_jpeg_keeps_the_inputs_icc_profile_and_exif()
    {
        string giraffes = TestPaths.Photo("giraffes.jpg");
        var input = ImageMetadata.Read(File.ReadAllBytes(giraffes));
        Assert.NotNull(input.JpegIccProfile()); // the photo carries APP1 Exif + APP2 ICC_PROFILE
        string dir = TestPaths.TempDir("metadata-carry");
        string output = Path.Combine(dir, "out.jpg");

        var r = CliRunner.Run("edit", giraffes, "blur the giraffe on the right", "-o", output);

        Assert.True(r.ExitCode == 0, r.Err);
        var carried = ImageMetadata.Read(File.ReadAllBytes(output));
        Assert.Equal(input.Pieces.Count, carried.Pieces.Count);
        Assert.Equal(input.JpegIccProfile(), carried.JpegIccProfile());
        Assert.Equal(1, carried.Orientation() ?? 1);
    }
}
