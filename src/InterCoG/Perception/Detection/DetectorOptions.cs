namespace InterCoG.Perception;

/// <summary>Which detector model the engine runs: <see cref="Fast"/> YOLOX-nano at 416 (bundled), <see cref="Accurate"/>
/// YOLOX-s at 640 from OpenCV's model zoo (optional: <c>intercog models install yolox-s</c>).</summary>
public enum DetectorProfile
{
    /// <summary>YOLOX-nano, 416×416 (the default).</summary>
    Fast,
    /// <summary>YOLOX-s, 640×640.</summary>
    Accurate,
}

/// <summary>Settings shared by the single-pass detectors and the tiling wrapper.</summary>
public sealed record DetectorOptions
{
    /// <summary>Fast (YOLOX-nano) or accurate (YOLOX-s at 640); user detectors run beside either.</summary>
    public DetectorProfile Profile { get; init; } = DetectorProfile.Fast;

    /// <summary>Model input side in pixels; 0 = read it from the model (416 for YOLOX-nano, 640 for YOLOv8 exports).</summary>
    public int InputSize { get; init; }

    /// <summary>Lowest kept score (objectness × class score, 0..1). Low on purpose: reasoning reads probabilities. On the
    /// RefCOCO-3DS scenes (2×2+3×3 tiles) 0.02 finds 57 %/40 % of the referred objects (kitchen/livingroom) against
    /// 51 %/29 % at 0.05, at the cost of about twice the boxes (100–150 a cluttered 640×480 image).</summary>
    public float MinScore { get; init; } = 0.02f;

    /// <summary>Per-class non-maximum suppression: a box overlapping a higher-scoring box of its class by at least this IoU is dropped.</summary>
    public float NmsIou { get; init; } = 0.5f;

    /// <summary>Across passes (full image, tiles, detectors) a box covered by a higher-scoring box of its class by
    /// at least this intersection-over-smaller-area is treated as the same object.</summary>
    public float MergeIos { get; init; } = 0.8f;

    /// <summary>The IoS rule applies only when the smaller box has at least this fraction of the larger box's area
    /// (a piece of one object, not a small object lying on a large one).</summary>
    public float MergeMinAreaRatio { get; init; } = 0.25f;

    /// <summary>Run overlapping tiles as well as the full image (SAHI-style slicing).</summary>
    public bool Tiling { get; init; } = true;

    /// <summary>Tile grids (columns = rows = n) run besides the full-image pass. [2, 3] is 14 passes; [2, 3, 4] (30 passes,
    /// about twice the time) finds 7–8 points more of the small referred objects of RefCOCO-3DS.</summary>
    public int[] TileGrids { get; init; } = [2, 3];

    /// <summary>Overlap of neighbouring tiles as a fraction of the tile size, 0..0.5.</summary>
    public float TileOverlap { get; init; } = 0.25f;

    /// <summary>A tile box within this many image pixels of a tile edge that is not an image edge counts as cut by the tile.</summary>
    public float TileEdgePx { get; init; } = 3f;

    /// <summary>A cut tile box is dropped when a full-image box of its class covers it by this intersection-over-smaller-area.</summary>
    public float CutBoxIos { get; init; } = 0.6f;

    /// <summary>The merged box's class probabilities are the element-wise maximum over the boxes it absorbed (true)
    /// or the kept box's own vector (false).</summary>
    public bool MaxMergeClassProbs { get; init; }

    /// <summary>ONNX Runtime intra-op threads per session.</summary>
    public int Threads { get; init; } = 2;

    /// <summary>Most boxes kept per image after merging (highest scores first).</summary>
    public int MaxDetections { get; init; } = 300;

    /// <summary>Paths of user-supplied Ultralytics YOLOv8/YOLO11 ONNX exports (input 1×3×S×S, output 1×84×N) run beside
    /// YOLOX-nano and merged with it (see docs/detectors.md). Null (the default) reads the list from the environment
    /// variable INTERCOG_DETECTORS (<c>EngineFactory.DetectorsVariable</c>); an empty list means YOLOX-nano alone,
    /// whatever the environment says. Such weights are never bundled or installed: the user brings them.</summary>
    public IReadOnlyList<string>? ExtraModels { get; init; }
}
