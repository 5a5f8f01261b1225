using System.Diagnostics;

namespace InterCoG.Cli;

/// <summary>The system libraries the native runtimes this tool ships (OpenCV, ONNX Runtime) link against, the Debian
/// package of each, and what to do when one is missing: name the package in one line, or — for the demo, when the
/// tool runs as root or with password-less sudo — install it through apt.</summary>
public static class NativeDependencies
{
    /// <summary>Native libraries of this tool whose dependencies are checked, with the component they belong to.</summary>
    private static readonly (string File, string Component)[] Shipped =
    [
        ("libOpenCvSharpExtern.so", "OpenCV"),
        ("libonnxruntime.so", "ONNX Runtime"),
    ];

    /// <summary>Debian/Ubuntu package that provides each shared object the shipped natives link against (beyond libc).</summary>
    public static IReadOnlyDictionary<string, string> PackageOf { get; } = new Dictionary<string, string>
    {
        ["libgtk-3.so.0"] = "libgtk-3-0",
        ["libgdk-3.so.0"] = "libgtk-3-0",
        ["libfreetype.so.6"] = "libfreetype6",
        ["libharfbuzz.so.0"] = "libharfbuzz0b",
        ["libpangocairo-1.0.so.0"] = "libpangocairo-1.0-0",
        ["libpango-1.0.so.0"] = "libpango-1.0-0",
        ["libatk-1.0.so.0"] = "libatk1.0-0",
        ["libcairo-gobject.so.2"] = "libcairo-gobject2",
        ["libcairo.so.2"] = "libcairo2",
        ["libgdk_pixbuf-2.0.so.0"] = "libgdk-pixbuf-2.0-0",
        ["libgio-2.0.so.0"] = "libglib2.0-0",
        ["libgobject-2.0.so.0"] = "libglib2.0-0",
        ["libglib-2.0.so.0"] = "libglib2.0-0",
        ["libdrm.so.2"] = "libdrm2",
        ["libatomic.so.1"] = "libatomic1",
        ["libX11.so.6"] = "libx11-6",
        ["libstdc++.so.6"] = "libstdc++6",
        ["libgcc_s.so.1"] = "libgcc-s1",
        ["libgomp.so.1"] = "libgomp1",
    };

    /// <summary>The shared objects <c>ldd</c> reports "not found" for the shipped natives found under
    /// <paramref name="folder"/> (default: the tool's folder), in order of first appearance.</summary>
    public static IReadOnlyList<string> Missing(string? folder = null)
    {
        var missing = new List<string>();
        foreach (var (file, _) in Shipped)
        {
            string? path = Locate(folder ?? AppContext.BaseDirectory, file);
            if (path is null) continue;
            string? output = RunQuiet("ldd", [path]);
            if (output is null) return missing; // no ldd: nothing to say up front; the load error will say it
            foreach (string so in ParseLdd(output))
                if (!missing.Contains(so)) missing.Add(so);
        }
        return missing;
    }

    /// <summary>The sonames marked "=> not found" in <c>ldd</c> output.</summary>
    public static IEnumerable<string> ParseLdd(string lddOutput) =>
        lddOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => l.EndsWith("=> not found", StringComparison.Ordinal))
            .Select(l => l[..l.IndexOf(' ', StringComparison.Ordinal)]);

    /// <summary>The packages that provide <paramref name="sonames"/> (unknown ones are left out), without duplicates.</summary>
    public static IReadOnlyList<string> PackagesFor(IEnumerable<string> sonames) =>
        [.. sonames.Select(s => PackageOf.GetValueOrDefault(s)).OfType<string>().Distinct()];

    /// <summary>One line that says what is missing and the command that installs it.</summary>
    public static string Advice(IReadOnlyList<string> sonames)
    {
        var packages = PackagesFor(sonames);
        string what = string.Join(", ", sonames);
        return packages.Count > 0
            ? $"the native image/model runtimes need {what}, which this system lacks; install it with: sudo apt-get install {string.Join(' ', packages)}"
            : $"the native image/model runtimes need {what}, which this system lacks; install the package that provides it";
    }

    /// <summary>True for the exceptions .NET raises when a native library (or one of its dependencies) cannot be loaded,
    /// directly or as the cause of a failed type initialiser.</summary>
    public static bool IsLoadFailure(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
            if (x is DllNotFoundException or BadImageFormatException or EntryPointNotFoundException) return true;
        return false;
    }

    /// <summary>One line for a native load failure: the missing sonames and their packages when <c>ldd</c> can tell,
    /// else the soname named in the loader's message, else the loader's first line.</summary>
    public static string Describe(Exception e, string? folder = null)
    {
        var missing = Missing(folder);
        if (missing.Count > 0) return Advice(missing);
        string message = Innermost(e).Message;
        var named = PackageOf.Keys.Where(so => message.Contains(so, StringComparison.Ordinal)).ToList();
        if (named.Count > 0) return Advice(named);
        return "a native library could not be loaded: " + message.Split('\n')[0].Trim();
    }

    /// <summary>Whether this process may run apt-get: as root, or through password-less sudo.</summary>
    public static string[]? AptPrefix()
    {
        if (Environment.UserName == "root" || RunQuiet("id", ["-u"])?.Trim() == "0") return [];
        return RunQuiet("sudo", ["-n", "true"]) is not null ? ["sudo", "-n"] : null;
    }

    /// <summary>Install <paramref name="packages"/> through apt (`apt-get update` first); true when apt-get succeeded.</summary>
    public static bool AptInstall(IReadOnlyList<string> packages, string[] prefix, Action<string> log)
    {
        log($"installing {string.Join(' ', packages)} with apt-get …");
        string[] apt = [.. prefix, "apt-get"];
        RunQuiet(apt[0], [.. apt[1..], "update", "-qq"], TimeSpan.FromMinutes(5));
        return RunQuiet(apt[0], [.. apt[1..], "install", "-y", "-qq", .. packages], TimeSpan.FromMinutes(10), ("DEBIAN_FRONTEND", "noninteractive")) is not null;
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }

    private static string? Locate(string folder, string file)
    {
        foreach (string candidate in new[] { Path.Combine(folder, file), Path.Combine(folder, "runtimes", "linux-x64", "native", file) })
            if (File.Exists(candidate)) return candidate;
        return null;
    }

    /// <summary>Run a program; its stdout when it exits 0, else null (also when it cannot start or times out).</summary>
    private static string? RunQuiet(string exe, string[] args, TimeSpan? timeout = null, (string Name, string Value)? env = null)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (string a in args) psi.ArgumentList.Add(a);
        if (env is { } v) psi.Environment[v.Name] = v.Value;
        try
        {
            using var p = Process.Start(psi);
            if (p is null) return null;
            p.StandardInput.Close();
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(timeout ?? TimeSpan.FromSeconds(20)))
            {
                p.Kill(entireProcessTree: true);
                return null;
            }
            return p.ExitCode == 0 ? stdout.Result : null;
        }
        catch (System.ComponentModel.Win32Exception) { return null; }
    }
}
