using InterCoG.Imaging;
using OpenCvSharp;

namespace InterCoG.Perception.Segmentation;

/// <summary>Runs IS-Net and keeps its mask when the quality check passes (fill of the box, leak into the crop
/// border, fragmentation, contrast of the probability map; thresholds in <see cref="SegmenterOptions"/>); otherwise
/// falls back to GrabCut. The result's Method is "isnet-S" or "grabcut (isnet-S rejected: …)"; the full reports
/// come from <see cref="SegmentWithReport"/>. Holds no per-call state, so it is safe to share between threads.</summary>
public sealed class AutoSegmenter(IsNetSegmenter isNet, GrabCutSegmenter grabCut) : ISegmenter, Models.Onnx.IRunsOnProvider
{
    /// <inheritdoc />
    public string Name => $"auto ({isNet.Name}, grabcut fallback)";

    /// <inheritdoc />
    public string Provider => isNet.Provider;

    /// <inheritdoc />
    public MaskResult Segment(Mat bgr, Box box) => SegmentWithReport(bgr, box).Result;

    /// <summary>The chosen mask plus the report of the IS-Net check (and of GrabCut when it ran).</summary>
    public AutoSegmentationOutcome SegmentWithReport(Mat bgr, Box box)
    {
        var first = isNet.SegmentWithReport(bgr, box);
        if (first.Report.Accepted) return new AutoSegmentationOutcome(first.Result, first.Report, null);
        first.Result.Dispose();
        var fallback = grabCut.SegmentWithReport(bgr, box);
        var labelled = fallback.Result with { Method = $"grabcut ({first.Report})" };
        return new AutoSegmentationOutcome(labelled, first.Report, fallback.Report);
    }
}

/// <summary>What <see cref="AutoSegmenter"/> did: the mask it returns, the IS-Net report that decided, and the
/// GrabCut report when it fell back (null otherwise).</summary>
public sealed record AutoSegmentationOutcome(MaskResult Result, SegmentationReport IsNetReport, SegmentationReport? GrabCutReport)
{
    /// <summary>Short text for the trace, e.g. "isnet-512 accepted (quality 0.91)".</summary>
    public string Summary => GrabCutReport == null ? IsNetReport.ToString() : $"{IsNetReport}; fell back to grabcut (quality {GrabCutReport.Score:F2})";
}
