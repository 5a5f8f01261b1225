using System.Globalization;
using System.Text.RegularExpressions;

namespace InterCoG.Sharding;

/// <summary>One task's share of a job split into <see cref="Count"/> shards: work item i (an image, a sentence's image)
/// belongs to shard i mod <see cref="Count"/>. Built from "I/N" or from a scheduler's environment ("auto").</summary>
public sealed partial record ShardSpec(int Index, int Count)
{
    /// <summary>Slurm array task id (set in every task of `sbatch --array`).</summary>
    public const string SlurmTaskId = "SLURM_ARRAY_TASK_ID";
    /// <summary>Number of tasks of the Slurm array.</summary>
    public const string SlurmTaskCount = "SLURM_ARRAY_TASK_COUNT";
    /// <summary>Lowest task id of the Slurm array (subtracted from the task id).</summary>
    public const string SlurmTaskMin = "SLURM_ARRAY_TASK_MIN";
    /// <summary>Kubernetes Indexed Job's completion index of the pod (0-based).</summary>
    public const string KubernetesIndex = "JOB_COMPLETION_INDEX";
    /// <summary>Number of shards; with Kubernetes it must equal the Job's completions. With Slurm it overrides the array's
    /// count and makes the task id the shard index as it is (how a single task of an array is resubmitted on its own).</summary>
    public const string CountVariable = "INTERCOG_SHARD_COUNT";

    /// <summary>The whole job in one shard.</summary>
    public static ShardSpec Whole { get; } = new(0, 1);

    /// <summary>Whether work item <paramref name="item"/> (0-based, in the job's fixed order) is this shard's.</summary>
    public bool Owns(int item) => item % Count == Index;

    /// <summary>The items of <paramref name="all"/> this shard owns, with their index in the whole job.</summary>
    public IEnumerable<(int Index, T Item)> Mine<T>(IEnumerable<T> all) => all.Select((x, i) => (i, x)).Where(t => Owns(t.i));

    /// <summary>"shard-IIII-of-NNNN": this shard's folder under a job's output folder.</summary>
    public string FolderName => string.Create(CultureInfo.InvariantCulture, $"shard-{Index:D4}-of-{Count:D4}");

    /// <summary>This shard's output folder under <paramref name="outDir"/>: OUT/shard-IIII-of-NNNN.</summary>
    public string FolderUnder(string outDir) => Path.Combine(outDir, FolderName);

    /// <summary>"I/N", as <c>--shard</c> takes it.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");

    /// <summary>Parse <c>--shard</c>: "I/N" (0 ≤ I &lt; N) or "auto" (<see cref="FromEnvironment"/> over the process's
    /// environment). Throws <see cref="InputException"/> with one line for anything else.</summary>
    public static ShardSpec Parse(string text, Func<string, string?>? environment = null)
    {
        if (string.Equals(text.Trim(), "auto", StringComparison.OrdinalIgnoreCase))
            return FromEnvironment(environment ?? Environment.GetEnvironmentVariable);
        var parts = text.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int i) &&
            int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1 && i < n)
            return new ShardSpec(i, n);
        throw new InputException($"--shard must be I/N with 0 <= I < N, or auto, got '{text}'");
    }

    /// <summary>Index and count from a scheduler: Slurm's array (index = SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN,
    /// count = SLURM_ARRAY_TASK_COUNT; with INTERCOG_SHARD_COUNT set, index = the task id and count = that value), else a
    /// Kubernetes Indexed Job (index = JOB_COMPLETION_INDEX, count = INTERCOG_SHARD_COUNT). Throws
    /// <see cref="InputException"/> (one line) when neither is present or the values are inconsistent.</summary>
    public static ShardSpec FromEnvironment(Func<string, string?> environment)
    {
        string? Get(string name) => environment(name) is { } v && v.Trim().Length > 0 ? v.Trim() : null;
        int Number(string name, string value) =>
            int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n)
                ? n : throw new InputException($"--shard auto: {name}={value} is not a non-negative whole number");
        string? count = Get(CountVariable);
        if (Get(SlurmTaskId) is { } taskId)
        {
            int id = Number(SlurmTaskId, taskId);
            if (count is not null) return Checked(id, Number(CountVariable, count), $"{SlurmTaskId} with {CountVariable}");
            string taskCount = Get(SlurmTaskCount)
                ?? throw new InputException($"--shard auto: {SlurmTaskId} is set but {SlurmTaskCount} is not (Slurm 18.08 or later sets it), and no {CountVariable}");
            int min = Get(SlurmTaskMin) is { } m ? Number(SlurmTaskMin, m) : 0;
            return Checked(id - min, Number(SlurmTaskCount, taskCount), $"{SlurmTaskId} − {SlurmTaskMin} of {SlurmTaskCount}");
        }
        if (Get(KubernetesIndex) is { } index)
        {
            if (count is null) throw new InputException($"--shard auto: {KubernetesIndex} is set but {CountVariable} is not (set it to the Job's completions)");
            return Checked(Number(KubernetesIndex, index), Number(CountVariable, count), $"{KubernetesIndex} of {CountVariable}");
        }
        throw new InputException($"--shard auto: no scheduler found ({SlurmTaskId} of a Slurm array, or {KubernetesIndex} of a Kubernetes Indexed Job with {CountVariable}); give --shard I/N instead");
    }

    private static ShardSpec Checked(int index, int count, string source)
    {
        if (count < 1) throw new InputException($"--shard auto: shard count from {source} is {count}; it must be at least 1");
        if (index < 0 || index >= count) throw new InputException($"--shard auto: shard index {index} from {source} is outside 0..{count - 1}");
        return new ShardSpec(index, count);
    }

    /// <summary>The shard a folder name "shard-IIII-of-NNNN" stands for, or null for any other name.</summary>
    public static ShardSpec? FromFolderName(string name)
    {
        var m = FolderPattern().Match(name);
        if (!m.Success) return null;
        int i = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), n = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        return n >= 1 && i < n ? new ShardSpec(i, n) : null;
    }

    [GeneratedRegex(@"^shard-(\d{4,})-of-(\d{4,})$")]
    private static partial Regex FolderPattern();
}

/// <summary>The shard folders of one job's output folder, checked to be exactly shards 0..N−1 of one N.</summary>
public static class ShardFolders
{
    /// <summary>The folders OUT/shard-IIII-of-NNNN in index order. Throws <see cref="InputException"/> naming what is wrong:
    /// no shard folder, folders of different counts, or a missing shard (with the folder it should be).</summary>
    public static IReadOnlyList<(ShardSpec Shard, string Dir)> Find(string outDir)
    {
        if (!Directory.Exists(outDir)) throw new InputException($"{outDir} does not exist");
        var found = Directory.EnumerateDirectories(outDir)
            .Select(d => (Shard: ShardSpec.FromFolderName(Path.GetFileName(d)), Dir: d))
            .Where(t => t.Shard is not null)
            .Select(t => (Shard: t.Shard!, t.Dir))
            .OrderBy(t => t.Shard.Count).ThenBy(t => t.Shard.Index).ToList();
        if (found.Count == 0) throw new InputException($"{outDir} holds no shard folder (shard-IIII-of-NNNN); run the sharded job with --out {outDir} first");
        var counts = found.Select(f => f.Shard.Count).Distinct().ToList();
        if (counts.Count > 1)
            throw new InputException($"{outDir} holds shard folders of {string.Join(" and ", counts)} shards; keep the folders of one run only");
        int n = counts[0];
        for (int i = 0; i < n; i++)
            if (!found.Any(f => f.Shard.Index == i))
            {
                var missing = new ShardSpec(i, n);
                throw new InputException($"shard {missing} is missing: no {missing.FolderUnder(outDir)}; run task {i} again (it resumes) before merging");
            }
        return found;
    }
}
