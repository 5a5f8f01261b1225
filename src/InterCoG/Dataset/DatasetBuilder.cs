using System.Diagnostics;
using System.Formats.Tar;
using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using InterCoG.Data;
using InterCoG.Imaging;

namespace InterCoG.Dataset;

/// <summary>Where a build stands, reported after each committed chunk.</summary>
public sealed record DatasetProgress(int ImagesDone, int ImagesTotal, int Samples, int ChunksDone, int ChunksTotal, double Seconds);

/// <summary>What a build did: samples and images of this shard, chunks committed now and found committed before.</summary>
public sealed record DatasetBuildResult(int Samples, int Images, int Chunks, int ResumedChunks, double Seconds);

/// <summary>The progress journal (progress.json): the shard's fingerprint and the chunks committed so far.</summary>
public sealed record DatasetJournal(string Fingerprint, int ChunksTotal, List<int> Committed, List<int> SamplesPerChunk, bool Complete)
{
    /// <summary>Fingerprint of the whole build (inputs and options, the shard index left out): equal in every shard of
    /// one build, which is how a merge knows its shards belong together. Null in journals written before it existed.</summary>
    public string? Build { get; init; }

    /// <summary>This shard's index (0 when unsharded).</summary>
    public int ShardIndex { get; init; }

    /// <summary>Number of shards of the build (1 when unsharded).</summary>
    public int ShardCount { get; init; } = 1;
}

/// <summary>Builds a dataset folder: images are split into shards (image i → shard i mod N) and each shard's images
/// into chunks; a chunk's images run in parallel, its samples are written in image order as files, one WebDataset tar
/// (shards/SSSofNNN-CCCCC.tar) and one manifest part (parts/CCCCCC.jsonl, written last, atomically: the commit). A
/// rerun after a crash skips committed chunks and redoes the rest; manifest.jsonl is the parts joined at the end.
/// Output is byte-identical for the same instances, images and options, whatever the thread timing.</summary>
public static class DatasetBuilder
{
    /// <summary>Files of a finished build, relative to its folder.</summary>
    public const string ManifestFile = "manifest.jsonl";
    /// <summary>The progress journal, relative to the build folder.</summary>
    public const string JournalFile = "progress.json";

    private static readonly string[] Folders = ["images", "masks", "edited", "shards", "parts"];

    // Fixed tar metadata so archives are byte-identical: 2020-01-01 UTC, owner 0:0, mode 0644.
    private static readonly DateTimeOffset TarTime = new(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Build (or resume) the dataset of <paramref name="coco"/>'s images under <paramref name="imagesDir"/> into
    /// <paramref name="outDir"/>. Throws <see cref="InputException"/> when the folder holds another build or other files.</summary>
    public static DatasetBuildResult Build(CocoDataset coco, string imagesDir, string outDir, DatasetOptions options,
        IProgress<DatasetProgress>? progress = null, CancellationToken cancel = default)
    {
        options.Validate();
        if (!Directory.Exists(imagesDir)) throw new InputException($"images folder not found: {imagesDir}");
        var sw = Stopwatch.StartNew();
        var mine = Enumerable.Range(0, coco.Images.Count).Where(i => i % options.ShardCount == options.ShardIndex).ToList();
        var chunks = mine.Chunk(options.ChunkImages).ToList();
        string fingerprint = Fingerprint(coco, options);
        string journalPath = Path.Combine(outDir, JournalFile);

        var journal = OpenJournal(outDir, journalPath, fingerprint, chunks.Count) with
        {
            Build = Fingerprint(coco, options with { ShardIndex = 0 }), ShardIndex = options.ShardIndex, ShardCount = options.ShardCount,
        };
        if (journal.Complete)
            return new DatasetBuildResult(journal.SamplesPerChunk.Sum(), mine.Count, chunks.Count, journal.Committed.Count, sw.Elapsed.TotalSeconds);
        foreach (string f in Folders) Directory.CreateDirectory(Path.Combine(outDir, f));
        RemoveTemporaries(outDir);

        int resumed = journal.Committed.Count, total = journal.SamplesPerChunk.Sum();
        int imagesDone = journal.Committed.Sum(c => chunks[c].Length);
        var factory = new SampleFactory(coco, imagesDir, options);
        int lastChunk = -1;
        for (int c = 0; c < chunks.Count; c++)
        {
            cancel.ThrowIfCancellationRequested();
            if (options.MaxSamples is int cap && total >= cap) break;
            lastChunk = c;
            if (journal.Committed.Contains(c)) continue;
            var results = new ImageSamples[chunks[c].Length];
            try
            {
                Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = options.Threads, CancellationToken = cancel },
                    i => results[i] = factory.Build(chunks[c][i]));
            }
            catch (AggregateException e) when (e.InnerExceptions.Count > 0)
            {
                // Report the first image's own error (an unreadable image: InputException, exit 2), not the wrapper.
                ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            }
            var samples = results.SelectMany(r => r.Samples.Select(s => (r, s))).ToList();
            if (options.MaxSamples is int max && total + samples.Count > max) samples = samples.Take(max - total).ToList();
            Commit(outDir, options, c, samples);
            total += samples.Count;
            imagesDone += chunks[c].Length;
            journal.Committed.Add(c);
            journal.SamplesPerChunk.Add(samples.Count);
            OutputFiles.WriteTextAtomic(journalPath, JsonSerializer.Serialize(journal, JournalJson));
            progress?.Report(new DatasetProgress(imagesDone, mine.Count, total, journal.Committed.Count, chunks.Count, sw.Elapsed.TotalSeconds));
        }

        // Join the parts in chunk order into the manifest.
        var manifest = new MemoryStream();
        for (int c = 0; c <= lastChunk; c++)
        {
            byte[] part = File.ReadAllBytes(PartPath(outDir, c));
            manifest.Write(part);
        }
        OutputFiles.WriteAtomic(Path.Combine(outDir, ManifestFile), manifest.ToArray());
        journal = journal with { Complete = true };
        OutputFiles.WriteTextAtomic(journalPath, JsonSerializer.Serialize(journal, JournalJson));
        return new DatasetBuildResult(total, mine.Count, chunks.Count, resumed, sw.Elapsed.TotalSeconds);
    }

    private static readonly JsonSerializerOptions JournalJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    /// <summary>Path of chunk <paramref name="chunk"/>'s manifest part (its existence marks the chunk committed).</summary>
    public static string PartPath(string outDir, int chunk) => Path.Combine(outDir, "parts", $"{chunk.ToString("D6", CultureInfo.InvariantCulture)}.jsonl");

    /// <summary>Name of a chunk's tar in shards/: "SSSofNNN-CCCCC.tar" (shard index, shard count, chunk).</summary>
    public static string TarName(DatasetOptions o, int chunk) =>
        string.Create(CultureInfo.InvariantCulture, $"{o.ShardIndex:D3}of{o.ShardCount:D3}-{chunk:D5}.tar");

    // Journal of an earlier run with the same fingerprint (committed = chunks whose part exists), or a new one.
    /// <summary>The journal of the build in <paramref name="outDir"/>, or null when it has none. Throws
    /// <see cref="InputException"/> when it cannot be read.</summary>
    public static DatasetJournal? ReadJournal(string outDir)
    {
        string path = Path.Combine(outDir, JournalFile);
        if (!File.Exists(path)) return null;
        try { return JsonSerializer.Deserialize<DatasetJournal>(File.ReadAllText(path), JournalJson); }
        catch (JsonException e) { throw new InputException($"{path}: unreadable progress journal ({e.Message})", e); }
    }

    private static DatasetJournal OpenJournal(string outDir, string journalPath, string fingerprint, int chunkCount)
    {
        if (File.Exists(journalPath))
        {
            DatasetJournal? old;
            try { old = JsonSerializer.Deserialize<DatasetJournal>(File.ReadAllText(journalPath), JournalJson); }
            catch (JsonException e) { throw new InputException($"{journalPath}: unreadable progress journal ({e.Message})", e); }
            if (old is null || old.Fingerprint != fingerprint)
                throw new InputException($"{outDir} holds a build with other inputs or options; use an empty folder (or the same arguments to resume)");
            // A chunk is committed exactly when its part exists (written last); the journal's list is rebuilt from the parts.
            var committed = Enumerable.Range(0, chunkCount).Where(c => File.Exists(PartPath(outDir, c))).ToList();
            var counts = committed.Select(c => File.ReadLines(PartPath(outDir, c)).Count(l => l.Length > 0)).ToList();
            return old with { Committed = committed, SamplesPerChunk = counts, Complete = old.Complete && File.Exists(Path.Combine(outDir, ManifestFile)) };
        }
        if (Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any())
            throw new InputException($"{outDir} is not empty and holds no dataset build ({JournalFile}); use an empty folder");
        Directory.CreateDirectory(outDir);
        var journal = new DatasetJournal(fingerprint, chunkCount, [], [], false);
        OutputFiles.WriteTextAtomic(journalPath, JsonSerializer.Serialize(journal, JournalJson));
        return journal;
    }

    // What the output depends on: the instances file's bytes and every option but the thread count.
    private static string Fingerprint(CocoDataset coco, DatasetOptions o)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"images={coco.Images.Count};anns={coco.Annotations.Count};ann-ids={string.Join(",", coco.Annotations.Select(a => a.Id))};");
        sb.Append(CultureInfo.InvariantCulture, $"files={string.Join("|", coco.Images.Select(i => i.FileName))};");
        sb.Append(JsonSerializer.Serialize(o with { Threads = 1 }));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }

    private static void RemoveTemporaries(string outDir)
    {
        foreach (string f in Folders)
            foreach (string tmp in Directory.EnumerateFiles(Path.Combine(outDir, f), ".*.tmp"))
                File.Delete(tmp);
        foreach (string tmp in Directory.EnumerateFiles(outDir, ".*.tmp")) File.Delete(tmp);
    }

    // Files first (atomic each), then the tar, then the part: a chunk counts only once its part exists.
    private static void Commit(string outDir, DatasetOptions o, int chunk, List<(ImageSamples Image, BuiltSample Sample)> samples)
    {
        foreach (var image in samples.Select(s => s.Image).Distinct())
            WriteFile(Path.Combine(outDir, image.ImageFile), image.SourceBytes);
        var part = new StringBuilder();
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Ustar, leaveOpen: true))
        {
            foreach (var (image, s) in samples)
            {
                var d = s.Sample;
                WriteFile(Path.Combine(outDir, d.MaskImage), s.MaskPng);
                if (s.EditedPng is not null && d.EditedImage is not null) WriteFile(Path.Combine(outDir, d.EditedImage), s.EditedPng);
                string line = d.ToJsonLine();
                part.Append(line).Append('\n');
                Add(writer, $"{d.Id}.src{Path.GetExtension(image.ImageFile)}", image.SourceBytes);
                if (s.EditedPng is not null) Add(writer, $"{d.Id}.edited.png", s.EditedPng);
                Add(writer, $"{d.Id}.mask.png", s.MaskPng);
                Add(writer, $"{d.Id}.json", Encoding.UTF8.GetBytes(line));
            }
        }
        // A chunk without samples (images where no target qualified) gets no tar: an empty file is not a valid archive.
        if (samples.Count > 0) WriteFile(Path.Combine(outDir, "shards", TarName(o, chunk)), tar.GetBuffer().AsSpan(0, (int)tar.Length));
        OutputFiles.WriteTextAtomic(PartPath(outDir, chunk), part.ToString());
    }

    // A sample file or tar: written to a temporary name and renamed, so a killed build never leaves a torn file under
    // the real name. Not flushed to disk (only the part and the journal are): a killed process loses nothing the page
    // cache holds; after a power loss, delete the last part before resuming.
    private static void WriteFile(string path, ReadOnlySpan<byte> data)
    {
        string temp = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None)) fs.Write(data);
        File.Move(temp, path, overwrite: true);
    }

    private static void Add(TarWriter writer, string name, byte[] data)
    {
        var entry = new UstarTarEntry(TarEntryType.RegularFile, name)
        {
            DataStream = new MemoryStream(data, writable: false),
            ModificationTime = TarTime,
            Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
            Uid = 0, Gid = 0, UserName = "", GroupName = "",
        };
        writer.WriteEntry(entry);
    }
}
