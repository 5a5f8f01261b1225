namespace InterCoG.Tests.TestSupport;

/// <summary>Where the tests find the repository, ../shared and the real photos (never a system path).</summary>
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

    public static string Coco128 => Path.Combine(Shared, "data", "coco128");

    /// <summary>A photo of ../shared/data/coco128/images, e.g. "000000000307.jpg".</summary>
    public static string Coco128Image(string file) => Path.Combine(Coco128, "images", file);

    /// <summary>The demo photo the tool ships (samples/horses.jpg, CC0): five horses, the rightmost a black one.</summary>
    public static string Horses => Path.Combine(RepoRoot, "samples", "horses.jpg");

    /// <summary>A small licensed photo committed under tests/photos (see its README), e.g. "dog.jpg", "giraffes.jpg".</summary>
    public static string Photo(string name) => Path.Combine(RepoRoot, "tests", "photos", name);

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
