using OpenCvSharp;

namespace InterCoG.Perception;

/// <summary>Slicing-aided detection (after Akyon et al., "Slicing Aided Hyper Inference", 2022): a full-image pass plus
/// overlapping n×n tile grids, each tile letterboxed to the network input, merged by <see cref="DetectionMerger"/>.
/// With Tiling off it is the inner detector's single pass.</summary>
public sealed class TiledDetector(ISinglePassDetector inner, DetectorOptions? options = null) : IDetector, Models.Onnx.IRunsOnProvider
{
    /// <summary>Settings (tile grids, overlap, merge thresholds).</summary>
    public DetectorOptions Options { get; } = options ?? new DetectorOptions();

    /// <summary>The wrapped single-pass detector.</summary>
    public ISinglePassDetector Inner { get; } = inner;

    /// <inheritdoc />
    public string Provider => (Inner as Models.Onnx.IRunsOnProvider)?.Provider ?? "cpu";

    /// <inheritdoc />
    public string Name => Options.Tiling && Options.TileGrids.Length > 0
        ? $"{Inner.Name}, tiles {string.Join("+", Options.TileGrids.Select(n => $"{n}×{n}"))}"
        : Inner.Name;

    /// <summary>Regions run for a <paramref name="width"/>×<paramref name="height"/> image: the full image first, then each grid's tiles.</summary>
    public IReadOnlyList<Rect> Regions(int width, int height)
    {
        var regions = new List<Rect> { new(0, 0, width, height) };
        if (Options.Tiling)
            foreach (int n in Options.TileGrids.Where(n => n > 1))
                regions.AddRange(TileLayout.Grid(width, height, n, Options.TileOverlap));
        return regions;
    }

    /// <inheritdoc />
    public IReadOnlyList<Detection> Detect(Mat bgr)
    {
        int w = bgr.Cols, h = bgr.Rows;
        var regions = Regions(w, h);
        var all = new List<SourcedDetection>();
        for (int r = 0; r < regions.Count; r++)
            foreach (var d in Inner.DetectRegion(bgr, regions[r]))
                all.Add(new SourcedDetection(d, r, r > 0 && DetectionMerger.IsCutByTile(d.Box, regions[r], w, h, Options.TileEdgePx)));
        return regions.Count == 1 ? all.Select(s => s.Detection).ToList() : DetectionMerger.Merge(all, Options);
    }
}
