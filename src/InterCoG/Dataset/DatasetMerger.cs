using System.Text;
using InterCoG.Imaging;
using InterCoG.Sharding;

namespace InterCoG.Dataset;

/// <summary>Joins finished shard builds of one instances file into one dataset: samples ordered by id (image number,
/// then sample number, so the manifest equals that of an unsharded build byte for byte), their files copied, every tar kept.</summary>
public static class DatasetMerger
{
    /// <summary>Merge <paramref name="shardDirs"/> into the empty (or new) folder <paramref name="outDir"/>; returns the
    /// number of samples. Throws <see cref="InputException"/> for an unfinished shard, a repeated sample id or tar name.</summary>
    public static int Merge(string outDir, IReadOnlyList<string> shardDirs)
    {
        if (shardDirs.Count == 0) throw new InputException("merge needs at least one shard folder");
        if (Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any())
            throw new InputException($"{outDir} is not empty; merge writes into a new folder");
        return Join(outDir, shardDirs);
    }

    /// <summary>Merge the shard folders OUT/shard-IIII-of-NNNN of one sharded build (<c>--shard</c> with <c>--out OUT</c>)
    /// into OUT itself, after proving the build complete: shards 0..N−1 all present, each finished (its journal complete),
    /// all of one build (same fingerprint of inputs and options). Throws <see cref="InputException"/> naming the missing,
    /// unfinished or mismatched shard, before writing anything. Rerunning it rewrites the same bytes.</summary>
    public static int MergeShards(string outDir)
    {
        if (File.Exists(Path.Combine(outDir, DatasetBuilder.JournalFile)))
            throw new InputException($"{outDir} is a build itself, not the --out folder of a sharded build");
        var shards = ShardFolders.Find(outDir);
        string? build = null;
        ShardSpec? first = null;
        foreach (var (shard, dir) in shards)
        {
            var journal = DatasetBuilder.ReadJournal(dir)
                ?? throw new InputException($"shard {shard} has not started: {dir} has no {DatasetBuilder.JournalFile}; run task {shard.Index} again");
            if (!journal.Complete || !File.Exists(Path.Combine(dir, DatasetBuilder.ManifestFile)))
                throw new InputException($"shard {shard} is unfinished ({journal.Committed.Count} of {journal.ChunksTotal} chunks committed in {dir}); run task {shard.Index} again with the same arguments (it resumes)");
            if (journal.Build is null || journal.ShardIndex != shard.Index || journal.ShardCount != shard.Count)
                throw new InputException($"{dir} does not hold shard {shard} of a build (its journal says shard {journal.ShardIndex}/{journal.ShardCount})");
            if (build is null) { build = journal.Build; first = shard; }
            else if (journal.Build != build)
                throw new InputException($"shard {shard} ({dir}) belongs to another build than shard {first} (other inputs or options); rebuild it with the same arguments");
        }
        // A half-written earlier merge must not pass for a finished one: the manifest goes first and comes back last.
        File.Delete(Path.Combine(outDir, DatasetBuilder.ManifestFile));
        return Join(outDir, shards.Select(s => s.Dir).ToList());
    }

    private static int Join(string outDir, IReadOnlyList<string> shardDirs)
    {
        var all = new List<(string Dir, DatasetSample Sample, string Line)>();
        foreach (string dir in shardDirs)
        {
            string manifest = Path.Combine(dir, DatasetBuilder.ManifestFile);
            if (!File.Exists(manifest)) throw new InputException($"{dir}: no {DatasetBuilder.ManifestFile}; finish (resume) that shard's build first");
            foreach (string line in File.ReadLines(manifest).Where(l => l.Length > 0))
                all.Add((dir, DatasetSample.FromJsonLine(line), line));
        }
        var duplicate = all.GroupBy(s => s.Sample.Id).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InputException($"sample {duplicate.Key} is in more than one shard ({string.Join(", ", duplicate.Select(d => d.Dir))}); were these shards of one build?");
        var tars = shardDirs.SelectMany(d => Directory.Exists(Path.Combine(d, "shards")) ? Directory.GetFiles(Path.Combine(d, "shards"), "*.tar") : [])
            .Order(StringComparer.Ordinal).ToList();
        var tarClash = tars.GroupBy(Path.GetFileName).FirstOrDefault(g => g.Count() > 1);
        if (tarClash is not null) throw new InputException($"tar {tarClash.Key} is in more than one shard folder");

        foreach (string f in new[] { "images", "masks", "edited", "shards" }) Directory.CreateDirectory(Path.Combine(outDir, f));
        var copied = new HashSet<string>(StringComparer.Ordinal);
        void Copy(string dir, string? rel)
        {
            if (rel is null || !copied.Add(rel)) return;
            File.Copy(Path.Combine(dir, rel), Path.Combine(outDir, rel), overwrite: true);
        }
        var text = new StringBuilder();
        foreach (var (dir, s, line) in all.OrderBy(s => s.Sample.Id, StringComparer.Ordinal))
        {
            Copy(dir, s.Image);
            Copy(dir, s.MaskImage);
            Copy(dir, s.EditedImage);
            text.Append(line).Append('\n');
        }
        foreach (string tar in tars) File.Copy(tar, Path.Combine(outDir, "shards", Path.GetFileName(tar)), overwrite: true);
        OutputFiles.WriteTextAtomic(Path.Combine(outDir, DatasetBuilder.ManifestFile), text.ToString());
        return all.Count;
    }
}
