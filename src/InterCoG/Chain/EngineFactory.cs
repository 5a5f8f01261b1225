using InterCoG.Editing;
using InterCoG.Models;
using InterCoG.Perception;
using InterCoG.Perception.Segmentation;

namespace InterCoG.Chain;

/// <summary>Builds the default engine from installed models: YOLOX-nano with multi-scale tiles, IS-Net (rewritten
/// for a smaller input) with the GrabCut fallback, and the classic OpenCV edit backend. Model sessions are created
/// once per models folder and shared (ONNX Runtime sessions are safe to run from several threads).</summary>
public static class EngineFactory
{
    private static readonly Dictionary<string, InterCoGEngine> Engines = [];
    private static readonly Lock Gate = new();

    /// <summary>The engine for the default models folder (INTERCOG_MODELS or ~/.cache/intercog/models), created on first use.
    /// Throws <see cref="ModelMissingException"/> (exit 5) when a model is missing.</summary>
    public static InterCoGEngine Shared()
    {
        var store = ModelStore.Default;
        lock (Gate)
        {
            if (!Engines.TryGetValue(store.Folder, out var engine))
                Engines[store.Folder] = engine = Create(store);
            return engine;
        }
    }

    /// <summary>A new engine over the models in <paramref name="store"/>.</summary>
    public static InterCoGEngine Create(ModelStore store, EngineOptions? options = null, DetectorOptions? detector = null, SegmenterOptions? segmenter = null)
    {
        segmenter ??= new SegmenterOptions();
        var det = CreateDetector(store, detector);
        string isnetPath = store.RequirePath(ModelCatalog.IsNetAt(segmenter.Resolution));
        var seg = new AutoSegmenter(new IsNetSegmenter(isnetPath, segmenter), new GrabCutSegmenter(segmenter));
        return new InterCoGEngine(det, seg, new ClassicEditBackend(), options);
    }

    /// <summary>The default detector: YOLOX-nano, with SAHI-style tiles unless <see cref="DetectorOptions.Tiling"/> is off.</summary>
    public static IDetector CreateDetector(ModelStore store, DetectorOptions? options = null)
    {
        options ??= new DetectorOptions();
        var yolox = new YoloxDetector(store.RequirePath(ModelCatalog.YoloxNano), options);
        return options.Tiling ? new TiledDetector(yolox, options) : yolox;
    }
}
