using InterCoG.Data;
using InterCoG.Tests.TestSupport;

namespace InterCoG.Tests.Data;

public sealed class SamplePhotosTests
{
    [Fact]
    public void Without_the_installed_package_the_photo_is_fetched_from_the_debian_package_into_the_cache()
    {
        string cache = TestPaths.TempDir("samples");
        string path = SamplePhotos.Ensure("horses.jpg", null, cache, Path.Combine(cache, "no-such-folder"));
        Assert.Equal(Path.Combine(cache, "horses.jpg"), path);
        Assert.Equal(File.ReadAllBytes(TestPaths.Darknet("horses.jpg")), File.ReadAllBytes(path));
        Assert.True(File.Exists(Path.Combine(cache, "dog.jpg")));
        Assert.Empty(Directory.GetFiles(cache, "*.tmp-*"));
    }

    [Fact]
    public void A_sample_name_that_is_a_path_is_refused()
    {
        string cache = TestPaths.TempDir("samples");
        Assert.Throws<ArgumentException>(() => SamplePhotos.Ensure("../etc/passwd", null, cache, "/usr/share/darknet/data"));
        Assert.Empty(Directory.GetFileSystemEntries(cache));
    }
}
