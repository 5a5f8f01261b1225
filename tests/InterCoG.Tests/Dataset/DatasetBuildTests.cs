using System.Diagnostics;
using System.Formats.Tar;
using System.Text.Json;
using InterCoG.Chain;
using InterCoG.Data;
using InterCoG.Dataset;
using InterCoG.Imaging;
using InterCoG.Tests.TestSupport;
using OpenCvSharp;
using InterCoG.Tracing;

namespace InterCoG.Tests.Dataset;

public class DatasetBuildTests
{
    private static DatasetSource Kitchen => DatasetSource.Kitchen;

    [Fact]
    public void Same_arguments_give_byte_identical_output_whatever_the_thread_count()
    {
        string root = TestPaths.TempDir("ds-det");
        try
        {
            var coco = CocoDataset.Load(Kitchen.Instances);
            var o = new DatasetOptions { Edits = false, ChunkImages = 2, Seed = 3, TargetsPerImage = 4 };
            DatasetBuilder.Build(coco, Kitchen.Images, Path.Combine(root, "a"), o with { Threads = 1 });
            DatasetBuilder.Build(coco, Kitchen.Images, Path.Combine(root, "b"), o with { Threads = 4 });
            AssertSameTree(Path.Combine(root, "a"), Path.Combine(root, "b"));
            Assert.Equal(3, Directory.GetFiles(Path.Combine(root, "a", "shards"), "*.tar").Length);
            // Another seed draws other samples.
            DatasetBuilder.Build(coco, Kitchen.Images, Path.Combine(root, "c"), o with { Seed = 4 });
            Assert.NotEqual(File.ReadAllBytes(Path.Combine(root, "a", "manifest.jsonl")), File.ReadAllBytes(Path.Combine(root, "c", "manifest.jsonl")));
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void Shards_split_the_images_and_merge_back_into_the_unsharded_manifest()
    {
        string root = TestPaths.TempDir("ds-shard");
        try
        {
            var coco = CocoDataset.Load(Kitchen.Instances);
            var o = new DatasetOptions { Edits = false, ChunkImages = 2, TargetsPerImage = 4 };
            string full = Path.Combine(root, "full"), s0 = Path.Combine(root, "s0"), s1 = Path.Combine(root, "s1"), merged = Path.Combine(root, "merged");
            DatasetBuilder.Build(coco, Kitchen.Images, full, o);
            var r0 = DatasetBuilder.Build(coco, Kitchen.Images, s0, o with { ShardIndex = 0, ShardCount = 2 });
            var r1 = DatasetBuilder.Build(coco, Kitchen.Images, s1, o with { ShardIndex = 1, ShardCount = 2 });
            Assert.Equal(3, r0.Images);
            Assert.Equal(2, r1.Images);
            var img0 = DatasetInspector.ReadManifest(s0).Select(s => s.ImageId).ToHashSet();
            var img1 = DatasetInspector.ReadManifest(s1).Select(s => s.ImageId).ToHashSet();
            Assert.Empty(img0.Intersect(img1));

            var cli = CliRunner.Run("dataset", "merge", merged, s0, s1);
            Assert.Equal(0, cli.ExitCode);
            Assert.Equal(File.ReadAllBytes(Path.Combine(full, "manifest.jsonl")), File.ReadAllBytes(Path.Combine(merged, "manifest.jsonl")));
            Assert.Equal(TarEntries(full), TarEntries(merged));
            foreach (var s in DatasetInspector.ReadManifest(merged))
                Assert.Equal(File.ReadAllBytes(Path.Combine(full, s.MaskImage)), File.ReadAllBytes(Path.Combine(merged, s.MaskImage)));

            // Merging a shard twice is refused, and nothing is written.
            string again = Path.Combine(root, "again");
            var dup = CliRunner.Run("dataset", "merge", again, s0, s0);
            Assert.Equal(ExitCodes.BadInput, dup.ExitCode);
            Assert.Contains("more than one shard", dup.Err, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(again, "manifest.jsonl")));
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void Edited_images_change_only_their_region_and_tars_hold_every_file_of_a_sample()
    {
        string root = TestPaths.TempDir("ds-edit");
        try
        {
            var src = DatasetSource.Voc;
            var coco = CocoDataset.Load(src.Instances);
            var r = DatasetBuilder.Build(coco, src.Images, root, new DatasetOptions { TargetsPerImage = 6, SamplesPerTarget = 1 });
            var samples = DatasetInspector.ReadManifest(root);
            Assert.Equal(r.Samples, samples.Count);
            Assert.True(samples.Count >= 10);
            int feather = new DatasetOptions().FeatherPx;
            foreach (var s in samples)
            {
                using var before = ImageCodec.Load(Path.Combine(root, s.Image));
                using var after = ImageCodec.Load(Path.Combine(root, s.EditedImage!));
                Assert.Equal(before.Width, after.Width);
                var edit = s.Chain.Single(c => c.Stage == Stages.Edit);
                using var region = edit.Mask!.Decode();
                using var mask = Cv2.ImRead(Path.Combine(root, s.MaskImage), ImreadModes.Grayscale);
                if (s.Operation == "cutout")
                {
                    using var alpha = after.Original.ExtractChannel(3);
                    Assert.Equal(0, Cv2.Norm(alpha, mask, NormTypes.L1));
                    continue;
                }
                // Everything farther than the feather band from the edited region is bit-identical to the source.
                using var band = new Mat();
                Cv2.Dilate(region, band, Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(2 * feather + 3, 2 * feather + 3)));
                using var diff = new Mat();
                Cv2.Absdiff(before.Original, after.Original, diff);
                using var changed = diff.CvtColor(ColorConversionCodes.BGR2GRAY);
                using var outside = new Mat();
                Cv2.BitwiseNot(band, outside);
                using var changedOutside = new Mat();
                Cv2.BitwiseAnd(changed, outside, changedOutside);
                Assert.Equal(0, Cv2.CountNonZero(changedOutside));
                Assert.True(Cv2.CountNonZero(changed) > 0, $"{s.Id} ({s.Operation}) changed nothing");
            }
            // One tar per chunk, four files per sample under one key, the json equal to the manifest line.
            var entries = TarEntries(root);
            Assert.Equal(samples.Count * 4, entries.Count);
            foreach (var s in samples)
            {
                Assert.Equal(File.ReadAllBytes(Path.Combine(root, s.EditedImage!)), entries[$"{s.Id}.edited.png"]);
                Assert.Equal(File.ReadAllBytes(Path.Combine(root, s.Image)), entries[$"{s.Id}.src.jpg"]);
                var json = JsonDocument.Parse(entries[$"{s.Id}.json"]).RootElement;
                Assert.Equal(s.Instruction, json.GetProperty("instruction").GetString());
            }
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void A_build_killed_after_its_first_chunk_resumes_to_the_uninterrupted_output()
    {
        string root = TestPaths.TempDir("ds-kill");
        try
        {
            string killed = Path.Combine(root, "killed"), whole = Path.Combine(root, "whole");
            string[] Args(string outDir) => ["dataset", "build", "--instances", Kitchen.Instances, "--images", Kitchen.Images, "--out", outDir,
                "--chunk", "1", "--threads", "1", "--operations", "brighten,desaturate", "--samples", "40"];

            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add(CliDll());
            foreach (string a in Args(killed)) psi.ArgumentList.Add(a);
            using (var child = Process.Start(psi)!)
            {
                child.OutputDataReceived += (_, _) => { };
                child.ErrorDataReceived += (_, _) => { };
                child.BeginOutputReadLine();
                child.BeginErrorReadLine();
                string firstPart = DatasetBuilder.PartPath(killed, 0);
                var sw = Stopwatch.StartNew();
                while (!File.Exists(firstPart) && !child.HasExited && sw.Elapsed < TimeSpan.FromMinutes(3)) Thread.Sleep(5);
                Assert.True(File.Exists(firstPart), "the child never committed its first chunk");
                child.Kill(entireProcessTree: true);
                child.WaitForExit();
            }
            Assert.False(File.Exists(Path.Combine(killed, "manifest.jsonl")), "the build finished before it was killed");
            int committedAtKill = Directory.GetFiles(Path.Combine(killed, "parts"), "*.jsonl").Length;
            Assert.Equal(1, committedAtKill); // the second chunk (an image of about 24 samples with edits) takes far longer than the kill

            var resumed = CliRunner.Run(Args(killed));
            Assert.Equal(0, resumed.ExitCode);
            Assert.Contains($"({committedAtKill} resumed)", resumed.Out, StringComparison.Ordinal);
            var uninterrupted = CliRunner.Run(Args(whole));
            Assert.Equal(0, uninterrupted.ExitCode);
            AssertSameTree(whole, killed);
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void Build_refuses_a_folder_of_another_build_or_of_other_files_and_a_bad_shard()
    {
        string root = TestPaths.TempDir("ds-refuse");
        try
        {
            string outDir = Path.Combine(root, "out");
            string[] baseArgs = ["dataset", "build", "--instances", DatasetSource.Voc.Instances, "--out", outDir, "--no-edits"];
            Assert.Equal(0, CliRunner.Run(baseArgs).ExitCode);
            var other = CliRunner.Run([.. baseArgs, "--seed", "9"]);
            Assert.Equal(ExitCodes.BadInput, other.ExitCode);
            Assert.Contains("other inputs or options", other.Err, StringComparison.Ordinal);
            var rerun = CliRunner.Run(baseArgs);
            Assert.Equal(0, rerun.ExitCode);

            string stray = Path.Combine(root, "stray");
            Directory.CreateDirectory(stray);
            File.WriteAllText(Path.Combine(stray, "notes.txt"), "mine");
            var refused = CliRunner.Run("dataset", "build", "--instances", DatasetSource.Voc.Instances, "--out", stray);
            Assert.Equal(ExitCodes.BadInput, refused.ExitCode);
            Assert.Equal(["notes.txt"], Directory.GetFileSystemEntries(stray).Select(Path.GetFileName));

            var shard = CliRunner.Run("dataset", "build", "--instances", DatasetSource.Voc.Instances, "--out", Path.Combine(root, "x"), "--shard", "2/2");
            Assert.Equal(ExitCodes.BadInput, shard.ExitCode);
            Assert.Contains("--shard", shard.Err, StringComparison.Ordinal);
            var op = CliRunner.Run("dataset", "build", "--instances", DatasetSource.Voc.Instances, "--out", Path.Combine(root, "y"), "--operations", "recolor,move");
            Assert.Equal(ExitCodes.BadInput, op.ExitCode);
            Assert.Contains("'move'", op.Err, StringComparison.Ordinal);
            Assert.False(Directory.Exists(Path.Combine(root, "y")));
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void A_missing_image_is_a_clear_input_error()
    {
        string root = TestPaths.TempDir("ds-missing");
        try
        {
            var doc = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(DatasetSource.Voc.Instances))!;
            doc["images"]![1]!["file_name"] = "JPEGImages/not-there.jpg";
            string instances = Path.Combine(root, "instances.json");
            File.WriteAllText(instances, doc.ToJsonString());
            var r = CliRunner.Run("dataset", "build", "--instances", instances, "--images", DatasetSource.Voc.Images, "--out", Path.Combine(root, "out"), "--no-edits");
            Assert.Equal(ExitCodes.BadInput, r.ExitCode);
            Assert.Contains("not-there.jpg", r.Err, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(root, "out", "manifest.jsonl")));
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void Inspect_counts_by_relation_operation_and_difficulty_and_writes_a_contact_sheet()
    {
        string root = TestPaths.TempDir("ds-inspect");
        try
        {
            Assert.Equal(0, CliRunner.Run("dataset", "build", "--instances", DatasetSource.Voc.Instances, "--out", root, "--samples", "9", "--seed", "1").ExitCode);
            var samples = DatasetInspector.ReadManifest(root);
            Assert.Equal(9, samples.Count);
            var r = CliRunner.Run("dataset", "inspect", root, "--count", "5");
            Assert.Equal(0, r.ExitCode);
            Assert.StartsWith("9 samples from ", r.Out, StringComparison.Ordinal);
            foreach (var g in samples.GroupBy(s => s.Relation)) Assert.Contains($"{g.Key} {g.Count()}", r.Out, StringComparison.Ordinal);
            foreach (var g in samples.GroupBy(s => s.Operation)) Assert.Contains($"{g.Key} {g.Count()}", r.Out, StringComparison.Ordinal);
            string html = File.ReadAllText(Path.Combine(root, "inspect", "index.html"));
            Assert.Equal(5, html.Split("class=\"s\"").Length - 1);
            string first = html;
            // Same seed, same sheet; every thumbnail it links exists.
            Assert.Equal(0, CliRunner.Run("dataset", "inspect", root, "--count", "5").ExitCode);
            Assert.Equal(first, File.ReadAllText(Path.Combine(root, "inspect", "index.html")));
            foreach (var src in html.Split("src=\"").Skip(1).Select(p => p[..p.IndexOf('"')]))
                Assert.True(File.Exists(Path.Combine(root, "inspect", src)), src);
        }
        finally { Directory.Delete(root, true); }
    }

    private static string CliDll()
    {
        string here = typeof(InterCoG.Cli.CliApp).Assembly.Location;
        if (File.Exists(Path.ChangeExtension(here, ".runtimeconfig.json"))) return here;
        return Path.Combine(TestPaths.RepoRoot, "src", "InterCoG.Cli", "bin", "Release", "net10.0", "linux-x64", "InterCoG.Cli.dll");
    }

    private static Dictionary<string, byte[]> TarEntries(string dir)
    {
        var d = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (string tar in Directory.GetFiles(Path.Combine(dir, "shards"), "*.tar").Order(StringComparer.Ordinal))
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

    private static void AssertSameTree(string expected, string actual)
    {
        static List<string> Files(string d) => Directory.GetFiles(d, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(d, f)).Order(StringComparer.Ordinal).ToList();
        var e = Files(expected);
        Assert.Equal(e, Files(actual));
        foreach (string f in e)
            Assert.True(File.ReadAllBytes(Path.Combine(expected, f)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(actual, f))), $"{f} differs");
    }
}
