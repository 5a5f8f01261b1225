using System.CommandLine;
using InterCoG.Sharding;

namespace InterCoG.Cli.Commands;

/// <summary><c>bench merge OUT</c>: proves a sharded bench run complete (<see cref="BenchShards.Read"/>) and prints the
/// figures, table and JSON the unsharded run prints, recomputed over every unit. A bench that loops over images joins by
/// writing its units with <see cref="BenchShardRun.Write"/> and adding one line to <see cref="Mergers"/>.</summary>
public static class BenchMergeCommand
{
    /// <summary>Bench name (as written in bench.json) → what prints its merged result (the set, --json, --html).</summary>
    internal static readonly IReadOnlyDictionary<string, Action<CliContext, BenchShardSet, string?, string?>> Mergers =
        new Dictionary<string, Action<CliContext, BenchShardSet, string?, string?>>
        {
            ["grounding"] = BenchGroundingCommand.Merge,
            ["detect"] = (ctx, set, json, _) => BenchCommand.MergeDetect(ctx, set, json),
            ["edit"] = BenchEditCommand.Merge,
        };

    /// <summary>The <c>merge</c> subcommand of <c>bench</c>.</summary>
    public static Command Build(CliContext ctx)
    {
        var dir = new Argument<string>("OUT") { Description = "The --out folder of a sharded bench run (its shard-IIII-of-NNNN folders)." };
        var json = new Option<string?>("--json") { Description = "Write the merged result as JSON to this file ('-' for stdout), as the bench itself does." };
        var html = new Option<string?>("--html") { Description = "Write the bench's HTML report to this file (benches that have one)." };
        var cmd = new Command("merge", "Join the shards of a bench run (--shard … --out OUT): refuses a missing or foreign shard, then prints the same figures as one unsharded run.") { dir, json, html };
        cmd.SetAction(pr =>
        {
            var set = BenchShards.Read(pr.GetValue(dir)!);
            if (!Mergers.TryGetValue(set.Bench, out var merge))
                throw new InputException($"bench merge: '{set.Bench}' shards cannot be merged by this version (known: {string.Join(", ", Mergers.Keys)})");
            ctx.Err.WriteLine($"{set.Bench}: {set.ShardCount} shards, {set.Units.Count} units, complete");
            merge(ctx, set, pr.GetValue(json), pr.GetValue(html));
            return 0;
        });
        return cmd;
    }
}
