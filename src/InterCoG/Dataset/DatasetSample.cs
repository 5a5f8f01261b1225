using System.Text.Json;
using System.Text.Json.Serialization;
using InterCoG.Tracing;
using InterCoG.Programs;

namespace InterCoG.Dataset;

/// <summary>The referred object of a sample: its annotation id, category and box (XYXY pixels, COCO box converted).</summary>
public sealed record SampleTarget(long AnnId, int EntityId, string Category, float[] Xyxy);

/// <summary>Compressed COCO RLE as pycocotools writes it: size = [height, width], counts = the compressed string.</summary>
public sealed record CompressedRle(int[] Size, string Counts);

/// <summary>Why a target is hard: same-class distractors, relative size, salience, clutter.</summary>
/// <param name="Level">"easy", "medium" or "hard" (see <see cref="SampleFactory.Level"/>).</param>
/// <param name="Distractors">Other objects of the target's class in the image.</param>
/// <param name="Objects">Objects in the scene (annotations in the detector's vocabulary).</param>
/// <param name="RelativeArea">Target box area / image area (0..1).</param>
/// <param name="MaskFraction">Target mask pixels / image pixels (0..1).</param>
/// <param name="AreaRank">1 = the largest object of the scene.</param>
/// <param name="CentreOffset">Distance of the box centre from the image centre / half the diagonal (0 centre .. 1 corner).</param>
/// <param name="Size">COCO size class of the box: small, medium, large.</param>
/// <param name="ReasoningSteps">Narrowing steps the grounding took (the "reason" steps of the chain).</param>
public sealed record SampleDifficulty(string Level, int Distractors, int Objects, double RelativeArea, double MaskFraction, int AreaRank,
    double CentreOffset, string Size, int ReasoningSteps);

/// <summary>Another checked phrasing of the same target (for augmentation).</summary>
public sealed record AltPhrasing(string Text, string Relation);

/// <summary>One line of manifest.jsonl. Paths are relative to the dataset folder.</summary>
public sealed record DatasetSample
{
    /// <summary>Key shared by the sample's files: "IIIIII-KK" (image number in the instances file, sample number in it).</summary>
    public required string Id { get; init; }
    /// <summary>The source image, copied into images/.</summary>
    public required string Image { get; init; }
    /// <summary>The image's file name in the instances file.</summary>
    public required string SourceFile { get; init; }
    public required int ImageId { get; init; }
    public required int Width { get; init; }
    public required int Height { get; init; }
    /// <summary>The edit instruction ("make the second cup from the left red").</summary>
    public required string Instruction { get; init; }
    /// <summary>The referring expression inside it ("the second cup from the left").</summary>
    public required string Expression { get; init; }
    public required string Operation { get; init; }
    public required Dictionary<string, string> Arguments { get; init; }
    /// <summary>Relation type, see <see cref="ExpressionGenerator.Types"/>.</summary>
    public required string Relation { get; init; }
    /// <summary>The precise relation ("left_of", "ordinal_right", "largest" …).</summary>
    public required string RelationKind { get; init; }
    public required bool Nested { get; init; }
    /// <summary>Annotation ids of the anchors the expression names.</summary>
    public required long[] AnchorAnnIds { get; init; }
    public required SampleTarget Target { get; init; }
    /// <summary>Target mask from the annotation (polygon or RLE), compressed COCO RLE.</summary>
    public required CompressedRle Mask { get; init; }
    /// <summary>The mask as an 8-bit PNG (255 inside).</summary>
    public required string MaskImage { get; init; }
    /// <summary>The ground-truth edited image (PNG), or null without edits (written as null, not left out).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? EditedImage { get; init; }
    /// <summary>The explicit instruction naming the object by id and box (Rewriter).</summary>
    public required string Rewritten { get; init; }
    public required SampleDifficulty Difficulty { get; init; }
    /// <summary>Other checked phrasings of the same target.</summary>
    public required AltPhrasing[] Alternatives { get; init; }
    /// <summary>The interleaved chain in the trace format: reason, detect, reason…, ground (with mask), rewrite, edit.</summary>
    public required List<TraceStep> Chain { get; init; }

    /// <summary>Compact JSON (one line, snake_case, nulls written) with the trace's conventions.</summary>
    public static JsonSerializerOptions LineOptions { get; } = new(ChainTrace.JsonOptions)
    {
        WriteIndented = false,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>One manifest line (no newline).</summary>
    public string ToJsonLine() => JsonSerializer.Serialize(this, LineOptions);

    /// <summary>Read one manifest line; throws <see cref="InputException"/> when it is not a sample.</summary>
    public static DatasetSample FromJsonLine(string line)
    {
        try
        {
            return JsonSerializer.Deserialize<DatasetSample>(line, LineOptions) ?? throw new InputException("empty manifest line");
        }
        catch (JsonException e)
        {
            throw new InputException($"malformed manifest line: {e.Message}", e);
        }
    }
}
