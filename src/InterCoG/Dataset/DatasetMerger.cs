using System.Text;
using InterCoG.Imaging;

namespace InterCoG.Dataset;

/// <summary>Joins finished shard builds of one instances file into one dataset: samples ordered by id (image number,
/// then sample number, so the manifest equals that of an unsharded build), their files copied, every tar kept.</summary>
public static class DatasetMerger
{
    /// <summary>Merge <paramref name="shardDirs"/> into the empty (or new) folder <paramref name="outDir"/>; returns the
    /// number of samples. Throws <see cref="InputException"/> for an unfinished shard, a repeated sample id or tar name.</summary>
    public static int Merge(string outDir, IReadOnlyList<string> shardDirs)
    {
        if (shardDirs.Count == 0) throw new InputException("merge needs at least one shard folder");
        if (Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any())
            throw new InputException($"{outDir} is not empty; merge writes into a new folder");
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
            File.Copy(Path.Combine(dir, rel), Path.Combine(outDir, rel), overwrite: false);
        }
        var text = new StringBuilder();
        foreach (var (dir, s, line) in all.OrderBy(s => s.Sample.Id, StringComparer.Ordinal))
        {
            Copy(dir, s.Image);
            Copy(dir, s.MaskImage);
            Copy(dir, s.EditedImage);
            text.Append(line).Append('\n');
        }
        foreach (string tar in tars) File.Copy(tar, Path.Combine(outDir, "shards", Path.GetFileName(tar)), overwrite: false);
        OutputFiles.WriteTextAtomic(Path.Combine(outDir, DatasetBuilder.ManifestFile), text.ToString());
        return all.Count;
    }
}
