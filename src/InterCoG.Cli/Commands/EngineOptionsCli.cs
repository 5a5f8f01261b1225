using System.CommandLine;
using InterCoG.Models.Onnx;
using InterCoG.Perception;
using InterCoG.Sharding;

namespace InterCoG.Cli.Commands;

/// <summary><c>--device auto|cpu|cuda[:N]</c> and <c>--profile fast|accurate</c>, shared by every command that runs
/// models. Absent, the device comes from INTERCOG_DEVICE (else auto) and the profile is fast: the library's defaults.</summary>
internal sealed class EngineOptionsCli
{
    private readonly Option<string?> _device = new("--device")
    {
        Description = $"Where the ONNX models run: auto (CUDA when this build has it and a GPU answers, else CPU), cpu, cuda or cuda:N (default: ${ExecutionDevice.Variable}, else auto).",
    };
    private readonly Option<string?> _profile = new("--profile")
    {
        Description = "Detector: fast (YOLOX-nano 416, the default) or accurate (YOLOX-s 640 from OpenCV's model zoo; `intercog models install yolox-s`).",
    };

    public static EngineOptionsCli AddTo(Command cmd)
    {
        var o = new EngineOptionsCli();
        cmd.Options.Add(o._device);
        cmd.Options.Add(o._profile);
        return o;
    }

    /// <summary>The session options: the device given, else the library's default (INTERCOG_DEVICE, else auto).</summary>
    public OnnxSessionOptions Sessions(ParseResult pr) =>
        pr.GetValue(_device) is string d ? new OnnxSessionOptions { Device = ExecutionDevice.Parse(d) } : new OnnxSessionOptions();

    /// <summary>The detector profile given (default fast).</summary>
    public DetectorProfile Profile(ParseResult pr) => pr.GetValue(_profile) switch
    {
        null => DetectorProfile.Fast,
        string p when p.Equals("fast", StringComparison.OrdinalIgnoreCase) => DetectorProfile.Fast,
        string p when p.Equals("accurate", StringComparison.OrdinalIgnoreCase) => DetectorProfile.Accurate,
        string p => throw new InputException($"--profile must be fast or accurate, got '{p}'"),
    };

    /// <summary>Default detector options with the profile given.</summary>
    public DetectorOptions Detector(ParseResult pr) => new() { Profile = Profile(pr) };
}

/// <summary><c>--shard I/N|auto</c> and <c>--out OUT</c> of the benches that loop over images: the shard runs its share
/// and writes OUT/shard-IIII-of-NNNN/bench.json for <c>bench merge OUT</c>.</summary>
internal sealed class BenchShardOptions
{
    private readonly Option<string?> _shard = new("--shard")
    {
        Description = "I/N: run shard I (0-based) of N (image i goes to shard i mod N); auto: from a Slurm array or a Kubernetes Indexed Job. Needs --out; `intercog bench merge OUT` joins the shards.",
    };
    private readonly Option<string?> _out = new("--out") { Description = "With --shard: the run's folder; this shard writes OUT/shard-IIII-of-NNNN/bench.json." };

    public static BenchShardOptions AddTo(Command cmd)
    {
        var o = new BenchShardOptions();
        cmd.Options.Add(o._shard);
        cmd.Options.Add(o._out);
        return o;
    }

    /// <summary>The shard and its run folder, or null for an unsharded run. Throws <see cref="InputException"/> for one of
    /// the two options without the other.</summary>
    public BenchShardRun? Read(ParseResult pr)
    {
        string? shard = pr.GetValue(_shard), outDir = pr.GetValue(_out);
        if (shard is null && outDir is null) return null;
        if (shard is null) throw new InputException("--out is the folder of a sharded run; give --shard I/N or --shard auto with it");
        if (outDir is null) throw new InputException("--shard needs --out OUT (every shard writes OUT/shard-IIII-of-NNNN/bench.json)");
        return new BenchShardRun(ShardSpec.Parse(shard), outDir);
    }
}

/// <summary>A sharded bench run: this task's shard and the run's folder.</summary>
internal sealed record BenchShardRun(ShardSpec Shard, string OutDir)
{
    /// <summary>Write this shard's units (see <see cref="BenchShards.Write"/>) and say where on stderr.</summary>
    public void Write<T>(CliContext ctx, string bench, object settings, IEnumerable<string> inputFiles, int unitsTotal, IEnumerable<(int Index, T Data)> units)
    {
        var list = units.ToList();
        string path = BenchShards.Write(OutDir, Shard, bench, BenchShards.Fingerprint(bench, settings, inputFiles), unitsTotal, settings, list);
        ctx.Err.WriteLine($"shard {Shard}: {list.Count} of {unitsTotal} units -> {path} (the figures below are this shard's; `intercog bench merge {OutDir}` joins the shards)");
    }
}
