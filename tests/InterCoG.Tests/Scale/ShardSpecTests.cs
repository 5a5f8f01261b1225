using InterCoG.Sharding;

namespace InterCoG.Tests.Scale;

/// <summary><c>--shard</c>: "I/N", and "auto" from a Slurm array or a Kubernetes Indexed Job (pure, environment injected).</summary>
public sealed class ShardSpecTests
{
    private static Func<string, string?> Env(params (string Name, string Value)[] vars) =>
        name => vars.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void I_of_N_parses_and_owns_every_Nth_item()
    {
        var s = ShardSpec.Parse("1/3");
        Assert.Equal(new ShardSpec(1, 3), s);
        Assert.Equal([1, 4, 7], Enumerable.Range(0, 9).Where(s.Owns));
        Assert.Equal([(1, "b"), (4, "e")], s.Mine(["a", "b", "c", "d", "e"]).ToList());
        Assert.Equal("shard-0001-of-0003", s.FolderName);
        Assert.Equal(s, ShardSpec.FromFolderName("shard-0001-of-0003"));
        Assert.Null(ShardSpec.FromFolderName("shard-0003-of-0003"));
        Assert.Null(ShardSpec.FromFolderName("images"));
        foreach (string bad in new[] { "3/3", "-1/3", "1/0", "x", "1/2/3", "" })
            Assert.Contains("--shard", Assert.Throws<InputException>(() => ShardSpec.Parse(bad)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Auto_takes_a_slurm_array_task_relative_to_the_lowest_task_id()
    {
        Assert.Equal(new ShardSpec(2, 3), ShardSpec.Parse("auto", Env(("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_COUNT", "3"))));
        // --array=10-12: ids 10..12 are shards 0..2
        Assert.Equal(new ShardSpec(1, 3), ShardSpec.Parse("auto", Env(("SLURM_ARRAY_TASK_ID", "11"), ("SLURM_ARRAY_TASK_MIN", "10"), ("SLURM_ARRAY_TASK_COUNT", "3"))));
        // One task resubmitted alone (--array=1, so count 1 and min 1) keeps its place when the count is given.
        Assert.Equal(new ShardSpec(1, 3), ShardSpec.Parse("auto", Env(("SLURM_ARRAY_TASK_ID", "1"), ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_COUNT", "1"), ("INTERCOG_SHARD_COUNT", "3"))));
        var outside = Assert.Throws<InputException>(() => ShardSpec.Parse("auto", Env(("SLURM_ARRAY_TASK_ID", "3"), ("INTERCOG_SHARD_COUNT", "3"))));
        Assert.Contains("outside 0..2", outside.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Auto_takes_a_kubernetes_completion_index_with_the_count_from_intercog_shard_count()
    {
        Assert.Equal(new ShardSpec(4, 5), ShardSpec.Parse("auto", Env(("JOB_COMPLETION_INDEX", "4"), ("INTERCOG_SHARD_COUNT", "5"))));
        var noCount = Assert.Throws<InputException>(() => ShardSpec.Parse("auto", Env(("JOB_COMPLETION_INDEX", "4"))));
        Assert.Contains("INTERCOG_SHARD_COUNT", noCount.Message, StringComparison.Ordinal);
        Assert.Throws<InputException>(() => ShardSpec.Parse("auto", Env(("JOB_COMPLETION_INDEX", "x"), ("INTERCOG_SHARD_COUNT", "5"))));
    }

    [Fact]
    public void Auto_without_a_scheduler_is_one_line_naming_both_sources()
    {
        var e = Assert.Throws<InputException>(() => ShardSpec.Parse("auto", Env()));
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("SLURM_ARRAY_TASK_ID", e.Message, StringComparison.Ordinal);
        Assert.Contains("JOB_COMPLETION_INDEX", e.Message, StringComparison.Ordinal);
    }
}
