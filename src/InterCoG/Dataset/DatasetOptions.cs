using InterCoG.Reasoning;
using Ops = InterCoG.Programs.Operations;
using InterCoG.Programs;

namespace InterCoG.Dataset;

/// <summary>Settings of a dataset build. Output is a pure function of these, the instances file and the images
/// (byte-identical for the same values), except <see cref="Threads"/>, which changes only the speed.</summary>
public sealed record DatasetOptions
{
    /// <summary>Most samples this shard writes (null: every sample the images give).</summary>
    public int? MaxSamples { get; init; }

    /// <summary>Seed of every random choice (targets, phrasings, verbs, operations); mixed with each image's id.</summary>
    public int Seed { get; init; }

    /// <summary>This shard's index, 0 ≤ <see cref="ShardIndex"/> &lt; <see cref="ShardCount"/>: image number i of the
    /// instances file belongs to shard i mod <see cref="ShardCount"/>.</summary>
    public int ShardIndex { get; init; }

    /// <summary>Number of shards the images are split into (1: all of them).</summary>
    public int ShardCount { get; init; } = 1;

    /// <summary>Operations the instructions ask for, drawn uniformly per sample (canonical names, see <see cref="Ops"/>).</summary>
    public IReadOnlyList<string> Operations { get; init; } = DefaultOperations;

    /// <summary>Write the ground-truth edited image of each sample (false: instruction, expression, mask and chain only).</summary>
    public bool Edits { get; init; } = true;

    /// <summary>Images per chunk: the unit of parallel work, of commit (one tar shard and one manifest part) and of resumption.</summary>
    public int ChunkImages { get; init; } = 8;

    /// <summary>Worker threads for the images of a chunk (≥ 1); output does not depend on it.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Most targets drawn per image (hard ones first, see <see cref="DatasetOptions.DistractorWeight"/>).</summary>
    public int TargetsPerImage { get; init; } = 12;

    /// <summary>Samples per target, each with a different relation type where the target allows it.</summary>
    public int SamplesPerTarget { get; init; } = 2;

    /// <summary>Targets whose mask covers fewer pixels than this are skipped (too small to edit or to see).</summary>
    public double MinTargetAreaPx { get; init; } = 200;

    /// <summary>Targets whose box covers more than this fraction (0..1] of the image are skipped (nothing to locate).</summary>
    public double MaxTargetAreaFraction { get; init; } = 0.6;

    /// <summary>Target draw weight added per same-class distractor (weight = 1 + this × distractors + small bonus).</summary>
    public double DistractorWeight { get; init; } = 2;

    /// <summary>Target draw weight added when the target's box is under <see cref="SmallAreaFraction"/> of the image.</summary>
    public double SmallTargetWeight { get; init; } = 2;

    /// <summary>"Small" target: box area below this fraction (0..1) of the image area.</summary>
    public double SmallAreaFraction { get; init; } = 0.01;

    /// <summary>Most other checked phrasings of the target recorded with each sample (one per relation type).</summary>
    public int MaxAlternatives { get; init; } = 4;

    /// <summary>Objects nearest the target (by centre distance) tried as anchors of relations.</summary>
    public int MaxAnchors { get; init; } = 4;

    /// <summary>Categories never named by a colour (a colour word on a person reads as skin, not clothes).</summary>
    public IReadOnlyList<string> NoColorCategories { get; init; } = ["person"];

    /// <summary>"the nearest / farthest X" only when the target's ground contact leads every other X by at least this
    /// log distance ratio (0.1 ≈ 10 % nearer); the engine's own tie margin is looser and lets size decide.</summary>
    public double MinDepthLead { get; init; } = 0.1;

    /// <summary>Feather band (pixels) of the compositor when the edited image is put back into the source.</summary>
    public int FeatherPx { get; init; } = 8;

    /// <summary>Parser and grounding margins used to filter the expressions (the same engine the chain runs).</summary>
    public ReasoningOptions Reasoning { get; init; } = new();

    /// <summary>The deterministic operations the classic backend applies, in the order the CLI lists them.</summary>
    public static readonly string[] DefaultOperations =
    [
        Ops.Recolor, Ops.Remove, Ops.Blur, Ops.Pixelate,
        Ops.Brighten, Ops.Darken, Ops.Desaturate, Ops.Flip,
        Ops.Cutout,
    ];

    /// <summary>Throws <see cref="InputException"/> naming the first setting out of range; returns this.</summary>
    public DatasetOptions Validate()
    {
        if (ShardCount < 1) throw new InputException($"shard count must be at least 1, got {ShardCount}");
        if (ShardIndex < 0 || ShardIndex >= ShardCount) throw new InputException($"shard index must be in 0..{ShardCount - 1}, got {ShardIndex}");
        if (MaxSamples is < 0) throw new InputException($"--samples must be at least 0, got {MaxSamples}");
        if (ChunkImages < 1) throw new InputException($"chunk size must be at least 1 image, got {ChunkImages}");
        if (Threads < 1) throw new InputException($"threads must be at least 1, got {Threads}");
        if (TargetsPerImage < 1 || SamplesPerTarget < 1) throw new InputException("targets per image and samples per target must be at least 1");
        if (Operations.Count == 0) throw new InputException("no operations given");
        foreach (string op in Operations)
            if (!DefaultOperations.Contains(op))
                throw new InputException($"operation '{op}' is not one the data engine can edit deterministically (known: {string.Join(", ", DefaultOperations)})");
        Reasoning.Validate();
        return this;
    }
}
