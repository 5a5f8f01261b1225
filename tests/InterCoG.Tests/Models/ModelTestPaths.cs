using Xunit;
namespace InterCoG.Tests.Models;

/// <summary>Locations the model tests need: the repository root and the shared assets folder.</summary>
internal static class ModelTestPaths
{
    /// <summary>The folder holding InterCoG.slnx, found by walking up from the test binaries.</summary>
    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir != null && !File.Exists(Path.Combine(dir.FullName, "InterCoG.slnx"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("InterCoG.slnx not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>INTERCOG_SHARED, else &lt;repo&gt;/../shared, else /work/shared.</summary>
    public static string Shared
    {
        get
        {
            string? env = Environment.GetEnvironmentVariable("INTERCOG_SHARED");
            if (!string.IsNullOrWhiteSpace(env)) return env;
            string sibling = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));
            return Directory.Exists(sibling) ? sibling : "/work/shared";
        }
    }

    public static string SharedModels => Path.Combine(Shared, "models");

    public static string DarknetPhoto(string name) => Path.Combine("/usr/share/darknet/data", name);
}
