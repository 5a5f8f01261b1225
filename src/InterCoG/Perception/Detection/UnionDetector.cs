using OpenCvSharp;

namespace InterCoG.Perception;

/// <summary>Runs several detectors on the same image and merges their boxes with <see cref="DetectionMerger"/>
/// (per-class NMS across detectors; the IoS rule joins one object's boxes from different detectors).</summary>
public sealed class UnionDetector(IReadOnlyList<IDetector> detectors, DetectorOptions? options = null) : IDetector, Models.Onnx.IRunsOnProvider
{
    /// <summary>Merge thresholds.</summary>
    public DetectorOptions Options { get; } = options ?? new DetectorOptions();

    /// <summary>The detectors, in the order they run (index = merge source).</summary>
    public IReadOnlyList<IDetector> Detectors { get; } = detectors.Count > 0 ? detectors : throw new ArgumentException("no detectors", nameof(detectors));

    /// <inheritdoc />
    public string Name => "union(" + string.Join(" + ", Detectors.Select(d => d.Name)) + ")";

    /// <inheritdoc />
    public string Provider => string.Join("+", Detectors.Select(d => (d as Models.Onnx.IRunsOnProvider)?.Provider ?? "cpu").Distinct());

    /// <inheritdoc />
    public IReadOnlyList<Detection> Detect(Mat bgr)
    {
        var all = new List<SourcedDetection>();
        for (int i = 0; i < Detectors.Count; i++)
            foreach (var d in Detectors[i].Detect(bgr))
                all.Add(new SourcedDetection(d, i));
        return DetectionMerger.Merge(all, Options);
    }
}
