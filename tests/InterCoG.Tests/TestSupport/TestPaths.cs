namespace InterCoG.Tests.TestSupport;

/// <summary>Where the tests find the repository, ../shared and the real photos.</summary>
public static class TestPaths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>INTERCOG_SHARED, else the repository's sibling ../shared, else /work/shared.</summary>
    public static string Shared { get; } =
        Environment.GetEnvironmentVariable("INTERCOG_SHARED") is { Length: > 0 } s ? s
        : Directory.Exists(Path.Combine(RepoRoot, "..", "shared")) ? Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"))
        : "/work/shared";

    public static string SharedModels => Path.Combine(Shared, "models");
    public static string RefCoco3ds => Path.Combine(Shared, "data", "refcoco-3ds");
    public static string VocInstances => Path.Combine(Shared, "data", "voc-instances");

    /// <summary>A photo of Debian's darknet package (installed by .ci/run), e.g. "horses.jpg".</summary>
    public static string Darknet(string name)
    {
        string p = Path.Combine("/usr/share/darknet/data", name);
        return File.Exists(p) ? p : InterCoG.Data.SamplePhotos.Ensure(name);
    }

    /// <summary>A fresh empty folder under the system temp folder.</summary>
    public static string TempDir(string tag)
    {
        string d = Path.Combine(Path.GetTempPath(), $"intercog-test-{tag}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(d);
        return d;
    }

    private static string FindRepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "InterCoG.slnx"))) return d.FullName;
        throw new InvalidOperationException("cannot find the repository root (InterCoG.slnx) above " + AppContext.BaseDirectory);
    }
}
