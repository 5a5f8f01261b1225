using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using InterCoG.Imaging;

namespace InterCoG.Sharding;

/// <summary>One work unit of a bench (an image, with everything measured on it), by its index in the whole run's fixed
/// order. <see cref="Data"/> is the bench's own record, serialised.</summary>
public sealed record BenchUnit(int Index, JsonElement Data);

/// <summary>A shard's result file (OUT/shard-IIII-of-NNNN/bench.json): which bench, which shard, the run's fingerprint
/// (bench, settings and input files; equal in every shard of one run), how many units the whole run has, the run's
/// settings (echoed in the merged JSON) and this shard's units. Units hold raw measurements, never averages, so a merge
/// recomputes every figure over all units exactly as one process would.</summary>
public sealed record BenchShardFile(string Bench, int Format, int ShardIndex, int ShardCount, string Fingerprint, int UnitsTotal,
    JsonElement Settings, IReadOnlyList<BenchUnit> Units);

/// <summary>Every unit of a sharded bench run in the run's order, with its settings, after <see cref="BenchShards.Read"/>
/// proved the run complete.</summary>
public sealed record BenchShardSet(string Bench, int ShardCount, string Fingerprint, JsonElement Settings, IReadOnlyList<BenchUnit> Units)
{
    /// <summary>The units' data as <typeparamref name="T"/>, in the run's order.</summary>
    public IReadOnlyList<T> Data<T>() => Units.Select(u => u.Data.Deserialize<T>(BenchShards.Json)!).ToList();

    /// <summary>The settings as <typeparamref name="T"/>.</summary>
    public T SettingsAs<T>() => Settings.Deserialize<T>(BenchShards.Json)!;
}

/// <summary>The shard-result format every bench loop writes with <c>--shard</c> and <c>bench merge</c> reads: a bench runs
/// the units it owns (<see cref="ShardSpec.Mine"/>), writes them with <see cref="Write"/>, and the merge gets them all
/// back, in order, from <see cref="Read"/>, which refuses a missing shard, a shard of another run or bench, or a unit
/// missing or repeated.</summary>
public static class BenchShards
{
    /// <summary>File name of a shard's result inside its folder.</summary>
    public const string FileName = "bench.json";

    /// <summary>Version of the file layout.</summary>
    public const int Format = 1;

    /// <summary>JSON of shard files: snake_case, ∞ and NaN as strings, every float written round-trippable.</summary>
    public static JsonSerializerOptions Json { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>Fingerprint of a run: sha256 over the bench's name, its settings (as JSON) and the bytes of its input
    /// files (instances, refs …). Paths themselves are left out, so nodes may mount the data elsewhere.</summary>
    public static string Fingerprint(string bench, object settings, IEnumerable<string> inputFiles)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes(bench + "\n" + JsonSerializer.Serialize(settings, Json) + "\n"));
        foreach (string f in inputFiles) sha.AppendData(Convert.FromHexString(Models.ModelStore.Sha256Of(f)));
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>Write shard <paramref name="shard"/>'s units into OUT/shard-IIII-of-NNNN/bench.json (atomically); returns
    /// the file's path. <paramref name="units"/>: (index in the whole run, the bench's record).</summary>
    public static string Write<T>(string outDir, ShardSpec shard, string bench, string fingerprint, int unitsTotal, object settings,
        IEnumerable<(int Index, T Data)> units)
    {
        string dir = shard.FolderUnder(outDir);
        Directory.CreateDirectory(dir);
        var file = new BenchShardFile(bench, Format, shard.Index, shard.Count, fingerprint, unitsTotal,
            JsonSerializer.SerializeToElement(settings, Json),
            units.Select(u => new BenchUnit(u.Index, JsonSerializer.SerializeToElement(u.Data, Json))).ToList());
        string path = Path.Combine(dir, FileName);
        OutputFiles.WriteTextAtomic(path, JsonSerializer.Serialize(file, Json) + "\n");
        return path;
    }

    /// <summary>Read every shard of the bench run in <paramref name="outDir"/> and prove it complete: shards 0..N−1 present
    /// with a result file, one bench, one fingerprint, and units 0..total−1 each exactly once. Throws
    /// <see cref="InputException"/> naming the first shard (folder) at fault.</summary>
    public static BenchShardSet Read(string outDir)
    {
        var folders = ShardFolders.Find(outDir);
        var files = new List<(ShardSpec Shard, string Dir, BenchShardFile File)>();
        foreach (var (shard, dir) in folders)
        {
            string path = Path.Combine(dir, FileName);
            if (!File.Exists(path))
                throw new InputException($"shard {shard} is unfinished: {path} does not exist; run task {shard.Index} again");
            BenchShardFile? file;
            try { file = JsonSerializer.Deserialize<BenchShardFile>(File.ReadAllText(path), Json); }
            catch (JsonException e) { throw new InputException($"{path}: not a bench shard result ({e.Message})", e); }
            if (file is null || file.Format != Format || file.ShardIndex != shard.Index || file.ShardCount != shard.Count)
                throw new InputException($"{path} is not the result of shard {shard} (format {file?.Format}, shard {file?.ShardIndex}/{file?.ShardCount})");
            files.Add((shard, dir, file));
        }
        var head = files[0];
        foreach (var (shard, dir, file) in files.Skip(1))
        {
            if (file.Bench != head.File.Bench)
                throw new InputException($"shard {shard} ({dir}) is a '{file.Bench}' bench, shard {head.Shard} a '{head.File.Bench}' bench");
            if (file.Fingerprint != head.File.Fingerprint || file.UnitsTotal != head.File.UnitsTotal)
                throw new InputException($"shard {shard} ({dir}) belongs to another run than shard {head.Shard} (other inputs or options); run it again with the same arguments");
        }
        int total = head.File.UnitsTotal;
        var units = new BenchUnit?[total];
        foreach (var (shard, dir, file) in files)
            foreach (var u in file.Units)
            {
                if (u.Index < 0 || u.Index >= total || u.Index % shard.Count != shard.Index)
                    throw new InputException($"shard {shard} ({dir}) holds unit {u.Index}, which is not its own");
                if (units[u.Index] is not null) throw new InputException($"unit {u.Index} is twice in shard {shard} ({dir})");
                units[u.Index] = u;
            }
        for (int i = 0; i < total; i++)
            if (units[i] is null)
            {
                var owner = files.First(f => f.Shard.Owns(i));
                throw new InputException($"shard {owner.Shard} ({owner.Dir}) lacks unit {i}; run task {owner.Shard.Index} again");
            }
        return new BenchShardSet(head.File.Bench, head.Shard.Count, head.File.Fingerprint, head.File.Settings, units.Select(u => u!).ToList());
    }
}
