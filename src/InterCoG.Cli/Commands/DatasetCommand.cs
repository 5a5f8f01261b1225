using System.CommandLine;
using System.Globalization;
using InterCoG.Data;
using InterCoG.Dataset;
using Spectre.Console;
using InterCoG.Programs;
using InterCoG.Sharding;

namespace InterCoG.Cli.Commands;

/// <summary><c>dataset build | inspect | merge</c>: the grounding-edit data engine (logic in <see cref="DatasetBuilder"/>,
/// <see cref="DatasetInspector"/> and <see cref="DatasetMerger"/>).</summary>
public static class DatasetCommand
{
    /// <summary>The <c>dataset</c> command with its three subcommands.</summary>
    public static Command Build(CliContext ctx)
    {
        var cmd = new Command("dataset", "Grounding-oriented edit samples with checked referring expressions, chains, masks and edited images.");
        cmd.Subcommands.Add(BuildCommand(ctx));
        cmd.Subcommands.Add(Inspect(ctx));
        cmd.Subcommands.Add(Merge(ctx));
        return cmd;
    }

    private static Command BuildCommand(CliContext ctx)
    {
        var instances = new Option<string>("--instances") { Description = "COCO instances JSON (polygons or RLE).", Required = true };
        var images = new Option<string?>("--images") { Description = "Folder the image file names are relative to (default: the instances file's folder)." };
        var output = new Option<string>("--out") { Description = "Output folder (new or empty; the same arguments resume an interrupted build). With --shard the shard builds into OUT/shard-IIII-of-NNNN.", Required = true };
        var samples = new Option<int?>("--samples") { Description = "Most samples this shard writes (default: all the images give)." };
        var seed = new Option<int?>("--seed") { Description = "Seed of every random choice (default 0)." };
        var shard = new Option<string?>("--shard") { Description = "I/N: build shard I (0-based) of N; image i goes to shard i mod N. auto: I and N from a Slurm array (SLURM_ARRAY_TASK_ID) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX + INTERCOG_SHARD_COUNT)." };
        var operations = new Option<string?>("--operations") { Description = "Comma-separated operations (default: " + string.Join(",", DatasetOptions.DefaultOperations) + ")." };
        var noEdits = new Option<bool>("--no-edits") { Description = "Skip the edited images (expressions, masks and chains only)." };
        var chunk = new Option<int?>("--chunk") { Description = "Images per committed chunk (default 8)." };
        var threads = new Option<int?>("--threads") { Description = "Worker threads (default: all cores; output does not depend on it)." };
        var cmd = new Command("build", "Build (or resume) a dataset: manifest.jsonl, images, masks, edited images and WebDataset tar shards.")
        { instances, images, output, samples, seed, shard, operations, noEdits, chunk, threads };
        cmd.SetAction(pr =>
        {
            var o = new DatasetOptions();
            if (pr.GetValue(samples) is int n) o = o with { MaxSamples = n };
            if (pr.GetValue(seed) is int s) o = o with { Seed = s };
            var spec = pr.GetValue(shard) is string sh ? ShardSpec.Parse(sh) : null;
            if (spec is not null) o = o with { ShardIndex = spec.Index, ShardCount = spec.Count };
            if (pr.GetValue(operations) is string ops)
                o = o with { Operations = ops.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(x => x.ToLowerInvariant()).ToArray() };
            if (pr.GetValue(noEdits)) o = o with { Edits = false };
            if (pr.GetValue(chunk) is int c) o = o with { ChunkImages = c };
            if (pr.GetValue(threads) is int t) o = o with { Threads = t };
            o.Validate();
            var coco = CocoDataset.Load(pr.GetValue(instances)!);
            string imagesDir = pr.GetValue(images) ?? coco.Root, outDir = spec?.FolderUnder(pr.GetValue(output)!) ?? pr.GetValue(output)!;
            var result = RunWithProgress(ctx, (progress, cancel) => DatasetBuilder.Build(coco, imagesDir, outDir, o, progress, cancel));
            ctx.Out.WriteLine(string.Format(CultureInfo.InvariantCulture,
                "{0} samples from {1} images in {2} chunks ({3} resumed) in {4:0.0} s ({5:0.0} samples/s) -> {6}",
                result.Samples, result.Images, result.Chunks, result.ResumedChunks, result.Seconds,
                result.Seconds > 0 ? result.Samples / result.Seconds : 0, Path.Combine(outDir, DatasetBuilder.ManifestFile)));
            return 0;
        });
        return cmd;
    }

    private static Command Inspect(CliContext ctx)
    {
        var dir = new Argument<string>("DIR") { Description = "A finished dataset folder." };
        var count = new Option<int?>("--count") { Description = "Samples on the contact sheet (default 24)." };
        var seed = new Option<int?>("--seed") { Description = "Seed of the contact sheet's draw (default 0)." };
        var cmd = new Command("inspect", "Print counts by relation type, operation and difficulty; write DIR/inspect/index.html.") { dir, count, seed };
        cmd.SetAction(pr =>
        {
            string d = pr.GetValue(dir)!;
            ctx.Out.Write(DatasetInspector.Format(DatasetInspector.Summarize(DatasetInspector.ReadManifest(d))));
            string html = DatasetInspector.WriteContactSheet(d, pr.GetValue(count) ?? 24, pr.GetValue(seed) ?? 0);
            ctx.Out.WriteLine($"contact sheet: {html}");
            return 0;
        });
        return cmd;
    }

    private static Command Merge(CliContext ctx)
    {
        var output = new Argument<string>("OUT") { Description = "Alone: the --out folder of a sharded build (its shard-IIII-of-NNNN folders are checked complete and merged into it). With SHARD_DIRs: a new folder for the merged dataset." };
        var shards = new Argument<string[]>("SHARD_DIR") { Description = "Finished shard folders (optional).", Arity = ArgumentArity.ZeroOrMore };
        var cmd = new Command("merge", "Join finished shard builds into one dataset (samples in id order; the manifest equals the unsharded build's).") { output, shards };
        cmd.SetAction(pr =>
        {
            var dirs = pr.GetValue(shards) ?? [];
            int n = dirs.Length == 0 ? DatasetMerger.MergeShards(pr.GetValue(output)!) : DatasetMerger.Merge(pr.GetValue(output)!, dirs);
            ctx.Out.WriteLine($"{n} samples -> {Path.Combine(pr.GetValue(output)!, DatasetBuilder.ManifestFile)}");
            return 0;
        });
        return cmd;
    }

    // A Spectre.Console bar (rate, ETA) when stderr is a terminal; one plain line per chunk otherwise.
    private static DatasetBuildResult RunWithProgress(CliContext ctx, Func<IProgress<DatasetProgress>, CancellationToken, DatasetBuildResult> run)
    {
        using var cancel = new CancellationTokenSource();
        bool terminal = ReferenceEquals(ctx.Err, Console.Error) && !Console.IsErrorRedirected;
        if (!terminal)
            return run(new TerminalProgress.Immediate<DatasetProgress>(p => ctx.Err.WriteLine(Line(p))), cancel.Token);
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(pc =>
            {
                var task = pc.AddTask("images", maxValue: 1);
                return run(new TerminalProgress.Immediate<DatasetProgress>(p =>
                {
                    task.MaxValue = Math.Max(1, p.ImagesTotal);
                    task.Value = p.ImagesDone;
                    task.Description = Markup.Escape(Line(p));
                }), cancel.Token);
            });
    }

    private static string Line(DatasetProgress p) => string.Format(CultureInfo.InvariantCulture,
        "chunk {0}/{1}: {2}/{3} images, {4} samples, {5:0.0} samples/s", p.ChunksDone, p.ChunksTotal, p.ImagesDone, p.ImagesTotal, p.Samples,
        p.Seconds > 0 ? p.Samples / p.Seconds : 0);
}
