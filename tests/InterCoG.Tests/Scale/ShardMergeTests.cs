using System.Formats.Tar;
using System.Text.Json;
using InterCoG.Bench;
using InterCoG.Data;
using InterCoG.Dataset;
using InterCoG.Editing;
using InterCoG.Sharding;
using InterCoG.Tests.Dataset;
using InterCoG.Tests.TestSupport;

namespace InterCoG.Tests.Scale;

/// <summary>Sharded runs written into OUT/shard-IIII-of-NNNN and merged back: the dataset's manifest and files equal the
/// unsharded build's byte for byte, a bench's merged figures equal one process's; a missing, unfinished or foreign shard
/// is refused with the shard named.</summary>
public sealed class ShardMergeTests
{
    private static DatasetSource Voc => DatasetSource.Voc;

    private static string[] Build(string outDir, params string[] extra) =>
        ["dataset", "build", "--instances", Voc.Instances, "--images", Voc.Images, "--out", outDir, "--no-edits", "--chunk", "1",
         "--operations", "brighten,desaturate", .. extra];

    [Fact]
    public void Three_shards_in_one_out_folder_merge_into_it_byte_identical_to_the_unsharded_build()
    {
        string root = TestPaths.TempDir("shard-merge");
        try
        {
            string full = Path.Combine(root, "full"), run = Path.Combine(root, "run");
            Assert.Equal(0, CliRunner.Run(Build(full)).ExitCode);
            for (int i = 0; i < 3; i++)
            {
                var r = CliRunner.Run(Build(run, "--shard", $"{i}/3"));
                Assert.Equal(0, r.ExitCode);
                Assert.Contains($"shard-000{i}-of-0003", r.Out, StringComparison.Ordinal);
            }
            Assert.Equal(["shard-0000-of-0003", "shard-0001-of-0003", "shard-0002-of-0003"],
                Directory.GetDirectories(run).Select(Path.GetFileName).Order(StringComparer.Ordinal));

            var merged = CliRunner.Run("dataset", "merge", run);
            Assert.Equal(0, merged.ExitCode);
            Assert.Equal(File.ReadAllBytes(Path.Combine(full, "manifest.jsonl")), File.ReadAllBytes(Path.Combine(run, "manifest.jsonl")));
            foreach (string folder in new[] { "images", "masks" })
                AssertSameFiles(Path.Combine(full, folder), Path.Combine(run, folder));
            Assert.Equal(TarEntries(full), TarEntries(run));
            // A rerun of the merge (a retried merge job) writes the same bytes.
            Assert.Equal(0, CliRunner.Run("dataset", "merge", run).ExitCode);
            Assert.Equal(File.ReadAllBytes(Path.Combine(full, "manifest.jsonl")), File.ReadAllBytes(Path.Combine(run, "manifest.jsonl")));

            // A shard folder gone: refused, naming it, and the earlier merged manifest is not left to pass for a new one.
            Directory.Move(Path.Combine(run, "shard-0001-of-0003"), Path.Combine(root, "aside"));
            var missing = CliRunner.Run("dataset", "merge", run);
            Assert.Equal(ExitCodes.BadInput, missing.ExitCode);
            Assert.Single(missing.ErrLines);
            Assert.Contains("shard 1/3 is missing", missing.Err, StringComparison.Ordinal);
            Assert.Contains("shard-0001-of-0003", missing.Err, StringComparison.Ordinal);

            // Unfinished: the shard's journal is not complete (a task killed mid-run).
            Directory.Move(Path.Combine(root, "aside"), Path.Combine(run, "shard-0001-of-0003"));
            string journal = Path.Combine(run, "shard-0001-of-0003", DatasetBuilder.JournalFile);
            string saved = File.ReadAllText(journal);
            File.WriteAllText(journal, saved.Replace("\"complete\": true", "\"complete\": false", StringComparison.Ordinal));
            var unfinished = CliRunner.Run("dataset", "merge", run);
            Assert.Equal(ExitCodes.BadInput, unfinished.ExitCode);
            Assert.Contains("shard 1/3 is unfinished", unfinished.Err, StringComparison.Ordinal);
            File.WriteAllText(journal, saved);

            // Foreign: shard 2 rebuilt with another seed belongs to another build.
            Directory.Delete(Path.Combine(run, "shard-0002-of-0003"), true);
            Assert.Equal(0, CliRunner.Run(Build(run, "--shard", "2/3", "--seed", "9")).ExitCode);
            var foreign = CliRunner.Run("dataset", "merge", run);
            Assert.Equal(ExitCodes.BadInput, foreign.ExitCode);
            Assert.Contains("shard 2/3", foreign.Err, StringComparison.Ordinal);
            Assert.Contains("another build", foreign.Err, StringComparison.Ordinal);
            // A refused merge writes nothing: OUT still holds the earlier merge of the earlier shards.
            Assert.Equal(File.ReadAllBytes(Path.Combine(full, "manifest.jsonl")), File.ReadAllBytes(Path.Combine(run, "manifest.jsonl")));
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void A_grounding_bench_run_as_three_shards_merges_into_the_figures_of_one_run()
    {
        string root = TestPaths.TempDir("bench-merge");
        try
        {
            var k = Path.Combine(TestPaths.RefCoco3ds, "kitchen");
            string[] Args(params string[] extra) =>
                ["bench", "grounding", "--instances", Path.Combine(k, "instances.json"), "--refs", Path.Combine(k, "refs.json"),
                 "--images", Path.Combine(k, "images"), "--oracle-boxes", .. extra];
            var whole = CliRunner.Run(Args("--json", Path.Combine(root, "whole.json")));
            Assert.Equal(0, whole.ExitCode);
            string run = Path.Combine(root, "run");
            for (int i = 0; i < 3; i++) Assert.Equal(0, CliRunner.Run(Args("--shard", $"{i}/3", "--out", run)).ExitCode);
            var merged = CliRunner.Run("bench", "merge", run, "--json", Path.Combine(root, "merged.json"));
            Assert.Equal(0, merged.ExitCode);
            // The printed figures are the same but for the timings (ms/sentence).
            Assert.Equal(WithoutTimes(whole.Out), WithoutTimes(merged.Out));
            using var a = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "whole.json")));
            using var b = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "merged.json")));
            foreach (string key in new[] { "n", "acc50", "miou", "mask_iou", "parsed", "ambiguous", "not_found", "by_relation", "by_distractors", "by_size", "outcomes_by_relation" })
                Assert.Equal(a.RootElement.GetProperty(key).GetRawText(), b.RootElement.GetProperty(key).GetRawText());
            Assert.Equal(a.RootElement.GetProperty("items").GetArrayLength(), b.RootElement.GetProperty("items").GetArrayLength());

            // A shard of another run (other --min-prob) is refused, naming it.
            Directory.Delete(Path.Combine(run, "shard-0002-of-0003"), true);
            Assert.Equal(0, CliRunner.Run(Args("--shard", "2/3", "--out", run, "--min-prob", "0.5")).ExitCode);
            var foreign = CliRunner.Run("bench", "merge", run);
            Assert.Equal(ExitCodes.BadInput, foreign.ExitCode);
            Assert.Contains("shard 2/3", foreign.Err, StringComparison.Ordinal);
            Assert.Contains("another run", foreign.Err, StringComparison.Ordinal);
            // No shard result in a shard folder: unfinished.
            File.Delete(Path.Combine(run, "shard-0000-of-0003", BenchShards.FileName));
            Assert.Contains("shard 0/3 is unfinished", CliRunner.Run("bench", "merge", run).Err, StringComparison.Ordinal);
            // --shard without --out is a usage error.
            Assert.Equal(ExitCodes.BadInput, CliRunner.Run(Args("--shard", "0/3")).ExitCode);
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void Edit_bench_units_from_two_shards_summarize_to_the_scores_of_one_pass()
    {
        var sets = new List<(string, string)> { (DatasetSource.Voc.Instances, DatasetSource.Voc.Images) };
        string[] ops = ["recolor", "blur"];
        var backend = new ClassicEditBackend();
        var whole = EditBench.RunUnits(sets, ops, backend, null, ShardSpec.Whole);
        var parts = EditBench.RunUnits(sets, ops, backend, null, new ShardSpec(0, 2))
            .Concat(EditBench.RunUnits(sets, ops, backend, null, new ShardSpec(1, 2))).OrderBy(u => u.Index).ToList();
        Assert.Equal(whole.Select(u => u.Index), parts.Select(u => u.Index));
        Assert.Equal(EditBench.UnitCount(sets), whole.Count);
        // Through the shard file format and back, as bench merge reads it.
        var roundTrip = parts.Select(u => JsonSerializer.Deserialize<EditUnit>(JsonSerializer.Serialize(u.Unit, BenchShards.Json), BenchShards.Json)!).ToList();
        var a = EditBench.Summarize(ops, false, whole.Select(u => u.Unit));
        var b = EditBench.Summarize(ops, false, roundTrip);
        Assert.Equal(a.Select(s => s with { MedianMs = 0 }), b.Select(s => s with { MedianMs = 0 }));
        Assert.True(a[0].Edits > 0);
        Assert.Throws<InputException>(() => EditBench.RunUnits(sets, ops, backend, null, new ShardSpec(0, 2), new EditBenchOptions { Limit = 2 }));
    }

    private static string WithoutTimes(string text) =>
        System.Text.RegularExpressions.Regex.Replace(text, @"[0-9.]+ ms/sentence", "… ms/sentence");

    private static void AssertSameFiles(string expected, string actual)
    {
        var names = Directory.GetFiles(expected).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(names, Directory.GetFiles(actual).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList());
        foreach (string? n in names)
            Assert.True(File.ReadAllBytes(Path.Combine(expected, n!)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(actual, n!))), $"{n} differs");
    }

    private static Dictionary<string, byte[]> TarEntries(string dir)
    {
        var d = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (string tar in Directory.GetFiles(Path.Combine(dir, "shards"), "*.tar"))
        {
            using var reader = new TarReader(File.OpenRead(tar));
            while (reader.GetNextEntry() is { } e)
            {
                using var ms = new MemoryStream();
                e.DataStream?.CopyTo(ms);
                d.Add(e.Name, ms.ToArray());
            }
        }
        return d;
    }
}
