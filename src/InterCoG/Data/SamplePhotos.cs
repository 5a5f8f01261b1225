using System.Diagnostics;

namespace InterCoG.Data;

/// <summary>Real sample photos for the demo, taken from Debian's <c>darknet</c> package (its data/*.jpg) and cached in
/// ~/.cache/intercog/samples (override: INTERCOG_CACHE). Fetched with <c>apt-get download</c> + <c>dpkg -x</c>,
/// which needs no root; an installed package's /usr/share/darknet/data is used when present.</summary>
public static class SamplePhotos
{
    public const string DebianPackage = "darknet";
    private const string InstalledFolder = "/usr/share/darknet/data";

    public static string CacheFolder =>
        Environment.GetEnvironmentVariable("INTERCOG_CACHE") is { Length: > 0 } c
            ? Path.Combine(c, "samples")
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "intercog", "samples");

    /// <summary>Path of the sample photo <paramref name="name"/> (e.g. "horses.jpg"), fetching it on first use.</summary>
    public static string Ensure(string name, IProgress<string>? log = null) => Ensure(name, log, CacheFolder, InstalledFolder);

    /// <summary><see cref="Ensure(string, IProgress{string})"/> with explicit cache and installed-package folders.</summary>
    internal static string Ensure(string name, IProgress<string>? log, string cacheFolder, string installedFolder)
    {
        if (name.Contains('/') || name.Contains('\\')) throw new ArgumentException($"bad sample name {name}");
        string cached = Path.Combine(cacheFolder, name);
        if (File.Exists(cached)) return cached;
        Directory.CreateDirectory(cacheFolder);
        string installed = Path.Combine(installedFolder, name);
        if (File.Exists(installed))
        {
            CopyAtomic(installed, cached);
            return cached;
        }
        log?.Report($"Fetching the sample photos from Debian's {DebianPackage} package (apt-get download)…");
        string temp = Path.Combine(Path.GetTempPath(), $"intercog-samples-{Environment.ProcessId}");
        Directory.CreateDirectory(temp);
        try
        {
            Run("apt-get", ["download", DebianPackage], temp);
            string deb = Directory.GetFiles(temp, "*.deb").FirstOrDefault()
                ?? throw new IOException($"apt-get download {DebianPackage} produced no .deb");
            string root = Path.Combine(temp, "root");
            Run("dpkg", ["-x", deb, root], temp);
            string data = Path.Combine(root, "usr", "share", "darknet", "data");
            foreach (var jpg in Directory.GetFiles(data, "*.jpg"))
                CopyAtomic(jpg, Path.Combine(cacheFolder, Path.GetFileName(jpg)));
        }
        finally
        {
            Directory.Delete(temp, true);
        }
        return File.Exists(cached) ? cached : throw new IOException($"sample photo {name} is not in Debian's {DebianPackage} package");
    }

    private static void CopyAtomic(string from, string to)
    {
        string temp = to + $".tmp-{Environment.ProcessId}";
        File.Copy(from, temp, true);
        File.Move(temp, to, true);
    }

    private static void Run(string exe, string[] args, string cwd)
    {
        var psi = new ProcessStartInfo(exe) { WorkingDirectory = cwd, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new IOException($"cannot start {exe}");
        string err = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new IOException($"{exe} {string.Join(' ', args)} failed (exit {p.ExitCode}): {err.Trim().Split('\n').LastOrDefault()}");
    }
}
