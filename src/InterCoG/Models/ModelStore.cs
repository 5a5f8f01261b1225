using System.Globalization;
using System.Security.Cryptography;

namespace InterCoG.Models;

/// <summary>State of one catalogued model in a models folder.</summary>
public enum ModelState
{
    /// <summary>Present, right size, sha256 verified (now or at install, per its stamp).</summary>
    Ok,
    /// <summary>No file.</summary>
    Missing,
    /// <summary>A file is there but its size or sha256 is wrong.</summary>
    Corrupt,
}

/// <summary>One row of <see cref="ModelStore.List"/>: name, full path, state, size on disk (bytes, 0 when
/// missing), whether the sha256 matched, licence, source, short name and whether it is optional.</summary>
public sealed record ModelInfo(string Name, string Path, ModelState State, long SizeBytes, bool Sha256Ok, string Licence, string Source,
    string Key = "", bool Optional = false)
{
    public bool Present => State != ModelState.Missing;

    /// <summary>The catalogue's pinned size of the official file, in bytes.</summary>
    public long ExpectedBytes { get; init; }

    /// <summary>The catalogue's pinned sha256 of the official file (lower-case hex).</summary>
    public string Sha256 { get; init; } = "";
}

/// <summary>The folder installed models live in (INTERCOG_MODELS, else ~/.cache/intercog/models) and the checks
/// that a model there is the catalogued file. The sha256 is verified at install and recorded in a stamp file
/// "&lt;name&gt;.sha256" (hash, size, mtime); at run time only existence, size and the stamp are checked, and the
/// file is hashed again only when its size or mtime no longer match the stamp.</summary>
public sealed class ModelStore
{
    /// <summary>The command that installs models, named in every "missing" message.</summary>
    public const string InstallCommand = "./intercog models install";

    /// <summary>Environment variable that overrides the models folder.</summary>
    public const string FolderVariable = "INTERCOG_MODELS";

    private readonly IReadOnlyList<ModelSpec> _catalogue;

    /// <summary>A store over <paramref name="folder"/> (need not exist yet) with the given catalogue
    /// (default <see cref="ModelCatalog.All"/>).</summary>
    public ModelStore(string folder, IReadOnlyList<ModelSpec>? catalogue = null)
    {
        Folder = System.IO.Path.GetFullPath(folder);
        _catalogue = catalogue ?? ModelCatalog.All;
    }

    /// <summary>The store at <see cref="DefaultFolder"/>.</summary>
    public static ModelStore Default => new(DefaultFolder());

    /// <summary>INTERCOG_MODELS if set and non-empty, else ~/.cache/intercog/models.</summary>
    public static string DefaultFolder()
    {
        string? env = Environment.GetEnvironmentVariable(FolderVariable);
        if (!string.IsNullOrWhiteSpace(env)) return env;
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return System.IO.Path.Combine(home, ".cache", "intercog", "models");
    }

    /// <summary>Absolute path of the models folder.</summary>
    public string Folder { get; }

    /// <summary>The catalogue this store checks against.</summary>
    public IReadOnlyList<ModelSpec> Catalogue => _catalogue;

    /// <summary>Where <paramref name="modelName"/> lives in this store (whether or not it is there).</summary>
    public string PathOf(string modelName) => System.IO.Path.Combine(Folder, modelName);

    /// <summary>Path of a present, verified model; throws <see cref="ModelMissingException"/> (exit 5) whose message
    /// names the install command when it is missing or corrupt.</summary>
    public string RequirePath(string modelName)
    {
        var spec = Spec(modelName);
        string path = PathOf(spec.Name);
        var state = Check(spec);
        if (state == ModelState.Ok) return path;
        string what = state == ModelState.Missing ? "is missing" : "is corrupt (wrong size or sha256)";
        string command = spec.Optional ? $"{InstallCommand} {spec.ShortName}" : InstallCommand;
        throw new ModelMissingException(
            $"model {spec.Name} {what} at {path}; run `{command}` (offline: `{command} --from DIR` with a folder holding the files)");
    }

    /// <summary>Every catalogued model with its state in this folder.</summary>
    public IReadOnlyList<ModelInfo> List() =>
        _catalogue.Select(spec =>
        {
            string path = PathOf(spec.Name);
            var state = Check(spec);
            long size = File.Exists(path) ? new FileInfo(path).Length : 0;
            return new ModelInfo(spec.Name, path, state, size, state == ModelState.Ok, spec.Licence, spec.Source, spec.ShortName, spec.Optional)
            {
                ExpectedBytes = spec.SizeBytes, Sha256 = spec.Sha256,
            };
        }).ToList();

    /// <summary>State of one model: size and stamp first, a full sha256 only when the stamp is stale. A file that is any
    /// known export of the model (<see cref="ModelSpec.Exports"/>) is <see cref="ModelState.Ok"/>.</summary>
    public ModelState Check(ModelSpec spec)
    {
        string path = PathOf(spec.Name);
        var file = new FileInfo(path);
        if (!file.Exists) return ModelState.Missing;
        if (!spec.HasSize(file.Length)) return ModelState.Corrupt;
        var stamp = ReadStamp(spec.Name);
        if (stamp is { } s && s.Size == file.Length && s.MtimeTicks == file.LastWriteTimeUtc.Ticks && spec.Match(file.Length, s.Sha256) is not null)
            return ModelState.Ok;
        string sha = Sha256Of(path);
        if (spec.Match(file.Length, sha) is null) return ModelState.Corrupt;
        TryWriteStamp(spec.Name, sha);
        return ModelState.Ok;
    }

    /// <summary>The spec of <paramref name="modelName"/> in this store's catalogue.</summary>
    public ModelSpec Spec(string modelName) =>
        ModelCatalog.Find(_catalogue, modelName) ?? throw ModelCatalog.UnknownModel(_catalogue, modelName);

    /// <summary>Lower-case hex sha256 of a file.</summary>
    public static string Sha256Of(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Convert.ToHexStringLower(SHA256.HashData(fs));
    }

    internal string StampPath(string modelName) => PathOf(modelName) + ".sha256";

    /// <summary>Record that <paramref name="modelName"/> was verified to have <paramref name="sha256"/>:
    /// one line "sha256 size mtime-ticks".</summary>
    internal void WriteStamp(string modelName, string sha256)
    {
        var file = new FileInfo(PathOf(modelName));
        string text = string.Create(CultureInfo.InvariantCulture, $"{sha256} {file.Length} {file.LastWriteTimeUtc.Ticks}\n");
        File.WriteAllText(StampPath(modelName), text);
    }

    private void TryWriteStamp(string modelName, string sha256)
    {
        try { WriteStamp(modelName, sha256); }
        catch (IOException) { /* read-only folder: verification still holds for this run */ }
        catch (UnauthorizedAccessException) { }
    }

    private (string Sha256, long Size, long MtimeTicks)? ReadStamp(string modelName)
    {
        string path = StampPath(modelName);
        if (!File.Exists(path)) return null;
        string[] parts = File.ReadAllText(path).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 3
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long size)
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out long ticks))
            return null;
        return (parts[0], size, ticks);
    }
}
