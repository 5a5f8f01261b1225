using InterCoG.Editing;
using InterCoG.Models;
using InterCoG.Models.Onnx;
using InterCoG.Perception;
using InterCoG.Perception.Segmentation;

namespace InterCoG.Chain;

/// <summary>Builds the default engine from installed models: YOLOX-nano (or YOLOX-s with <see cref="DetectorProfile.Accurate"/>) with multi-scale tiles, IS-Net (rewritten
/// for a smaller input) with the GrabCut fallback, and the classic OpenCV edit backend whose removals fill with MI-GAN
/// when it is installed (its session created on the first removal), else Telea. Model sessions are created
/// once per models folder (and user detector list) and shared (ONNX Runtime sessions are safe to run from several threads).</summary>
public static class EngineFactory
{
    private static readonly Dictionary<string, InterCoGEngine> Engines = [];
    private static readonly Lock Gate = new();

    /// <summary>Environment variable listing user-supplied Ultralytics YOLOv8/YOLO11 ONNX exports to run beside
    /// YOLOX-nano, separated by <see cref="Path.PathSeparator"/> (':' on Linux and macOS, ';' on Windows).</summary>
    public const string DetectorsVariable = "INTERCOG_DETECTORS";

    /// <summary>The engine for the default models folder (INTERCOG_MODELS or ~/.cache/intercog/models) with the user
    /// detectors of INTERCOG_DETECTORS, created on first use. Throws <see cref="ModelMissingException"/> (exit 5) when a
    /// model is missing.</summary>
    public static InterCoGEngine Shared() => Shared(null);

    /// <summary>The engine for the default models folder with the user detectors <paramref name="detectorModels"/>
    /// (null: INTERCOG_DETECTORS; empty: YOLOX-nano alone), created on first use and cached per folder and detector
    /// list. Throws <see cref="InputException"/> (exit 2) naming a user detector file that does not exist.</summary>
    public static InterCoGEngine Shared(IReadOnlyList<string>? detectorModels) => Shared(detectorModels, DetectorProfile.Fast, null);

    /// <summary>As <see cref="Shared(IReadOnlyList{string})"/>, with the detector <paramref name="profile"/> and the
    /// session options (device; null: INTERCOG_DEVICE or auto); cached per folder, detector list, profile and device.</summary>
    public static InterCoGEngine Shared(IReadOnlyList<string>? detectorModels, DetectorProfile profile, OnnxSessionOptions? sessions)
    {
        var store = ModelStore.Default;
        var extras = UserDetectorModels(detectorModels);
        sessions ??= new OnnxSessionOptions();
        string key = string.Join('\n', [store.Folder, profile.ToString(), sessions.Device.ToString(), .. extras]);
        lock (Gate)
        {
            if (!Engines.TryGetValue(key, out var engine))
                Engines[key] = engine = Create(store, detector: new DetectorOptions { ExtraModels = extras, Profile = profile }, sessions: sessions);
            return engine;
        }
    }

    /// <summary>A new engine over the models in <paramref name="store"/>; every ONNX session on <paramref name="sessions"/>'
    /// device (null: INTERCOG_DEVICE or auto).</summary>
    public static InterCoGEngine Create(ModelStore store, EngineOptions? options = null, DetectorOptions? detector = null, SegmenterOptions? segmenter = null,
        OnnxSessionOptions? sessions = null)
    {
        segmenter ??= new SegmenterOptions();
        var det = CreateDetector(store, detector, sessions);
        string isnetPath = store.RequirePath(ModelCatalog.IsNetAt(segmenter.Resolution));
        var seg = new AutoSegmenter(new IsNetSegmenter(isnetPath, segmenter, sessions), new GrabCutSegmenter(segmenter));
        return new InterCoGEngine(det, seg, new ClassicEditBackend(null, FillRegistry.FromStore(store, sessions: sessions)), options);
    }

    /// <summary>The file and name of the profile's detector in <paramref name="store"/>: fast = YOLOX-nano; accurate =
    /// YOLOX-s (the float file, else the int8 one). Throws <see cref="ModelMissingException"/> (exit 5, one line saying
    /// how to install it) when the profile's model is not installed.</summary>
    public static (string Path, string Model) DetectorModel(ModelStore store, DetectorProfile profile)
    {
        if (profile == DetectorProfile.Fast) return (store.RequirePath(ModelCatalog.YoloxNano), "yolox-nano");
        foreach (var (file, model) in new[] { (ModelCatalog.YoloxS, "yolox-s"), (ModelCatalog.YoloxSInt8, "yolox-s-int8") })
            if (store.Catalogue.FirstOrDefault(m => m.Name == file) is { } spec && store.Check(spec) == ModelState.Ok)
                return (store.PathOf(file), model);
        throw new ModelMissingException(
            $"--profile accurate needs YOLOX-s ({ModelCatalog.YoloxS}, optional, not installed in {store.Folder}); run `{ModelStore.InstallCommand} yolox-s` (offline: `{ModelStore.InstallCommand} yolox-s --from DIR` with the file)");
    }

    /// <summary>The default detector: YOLOX-nano, with SAHI-style tiles unless <see cref="DetectorOptions.Tiling"/> is off;
    /// with user detectors (<see cref="DetectorOptions.ExtraModels"/>, or INTERCOG_DETECTORS when that is null) a
    /// <see cref="UnionDetector"/> of YOLOX-nano and each of them, tiled alike. Throws <see cref="InputException"/>
    /// (exit 2) for a user model file that does not exist and <see cref="ModelFormatException"/> for one that is not an
    /// Ultralytics detection export; either before any session is kept.</summary>
    public static IDetector CreateDetector(ModelStore store, DetectorOptions? options = null, OnnxSessionOptions? sessions = null)
    {
        options ??= new DetectorOptions();
        var extras = UserDetectorModels(options.ExtraModels);
        var (path, model) = DetectorModel(store, options.Profile);
        var yolox = new YoloxDetector(path, options, sessions, model);
        IDetector primary = options.Tiling ? new TiledDetector(yolox, options) : yolox;
        if (extras.Count == 0) return primary;

        var detectors = new List<IDetector> { primary };
        var owned = new List<IDisposable> { yolox };
        try
        {
            foreach (string userPath in extras)
            {
                var user = LoadUserDetector(userPath, options, sessions);
                owned.Add(user);
                detectors.Add(options.Tiling ? new TiledDetector(user, options) : user);
            }
        }
        catch
        {
            foreach (var s in owned) s.Dispose();
            throw;
        }
        return new UnionDetector(detectors, options);
    }

    /// <summary>The user detector list: <paramref name="explicitList"/> when not null, else <see cref="DetectorsVariable"/>
    /// parsed by <see cref="ParseDetectorList"/>; as absolute paths in the given order, duplicates dropped. Throws
    /// <see cref="InputException"/> (exit 2) naming the first path that is not an existing file.</summary>
    public static IReadOnlyList<string> UserDetectorModels(IReadOnlyList<string>? explicitList = null)
    {
        var list = explicitList ?? DetectorsFromEnvironment();
        var full = new List<string>();
        foreach (string p in list)
        {
            if (string.IsNullOrWhiteSpace(p)) throw new InputException("user detector model path is empty");
            string path = Path.GetFullPath(p);
            if (!File.Exists(path))
                throw new InputException($"user detector model {p} does not exist" + (Directory.Exists(path) ? " (it is a folder)" : "")
                    + $" (from --detector-model or ${DetectorsVariable})");
            if (!full.Contains(path, StringComparer.Ordinal)) full.Add(path);
        }
        return full;
    }

    /// <summary>Split a <see cref="DetectorsVariable"/> value on <see cref="Path.PathSeparator"/>, trimming blanks and
    /// dropping empty entries; null or blank gives an empty list. Paths are returned as written (not checked).</summary>
    public static IReadOnlyList<string> ParseDetectorList(string? value) =>
        string.IsNullOrWhiteSpace(value) ? [] : value.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Each user detector path (<paramref name="explicitList"/>, else INTERCOG_DETECTORS) with whether it exists, its
    /// size and sha256 (lower-case hex), for listing; unlike <see cref="UserDetectorModels"/> it never throws for a missing file.</summary>
    public static IReadOnlyList<UserModelInfo> DescribeUserDetectors(IReadOnlyList<string>? explicitList = null)
    {
        var list = explicitList ?? DetectorsFromEnvironment();
        var rows = new List<UserModelInfo>();
        foreach (string p in list.Where(p => !string.IsNullOrWhiteSpace(p)))
        {
            string path = Path.GetFullPath(p);
            rows.Add(File.Exists(path)
                ? new UserModelInfo(path, true, new FileInfo(path).Length, ModelStore.Sha256Of(path))
                : new UserModelInfo(path, false, 0, null));
        }
        return rows;
    }

    private static IReadOnlyList<string> DetectorsFromEnvironment() => ParseDetectorList(Environment.GetEnvironmentVariable(DetectorsVariable));

    /// <summary>Load one user-supplied Ultralytics YOLOv8/YOLO11 ONNX export (single pass, input size read from the
    /// model: <see cref="DetectorOptions.InputSize"/> applies to YOLOX-nano only). Throws <see cref="ModelFormatException"/>
    /// naming the file when it is not an ONNX model or not that export layout.</summary>
    public static UltralyticsDetector LoadUserDetector(string path, DetectorOptions? options = null, OnnxSessionOptions? sessions = null)
    {
        options = (options ?? new DetectorOptions()) with { InputSize = 0 };
        if (!File.Exists(path)) throw new InputException($"user detector model {path} does not exist");
        try { return new UltralyticsDetector(path, options, sessions); }
        catch (ModelMissingException e) // the file exists, so ONNX Runtime could not read it
        {
            throw new ModelFormatException($"user detector {path} is not a readable ONNX model: {(e.InnerException ?? e).Message}", e);
        }
        catch (ModelFormatException e)
        {
            throw new ModelFormatException(
                $"user detector {path} is not an Ultralytics YOLOv8/YOLO11 detection export (expected input [1,3,S,S] and "
                + $"output [1,84,N]: boxes cx,cy,w,h then 80 COCO class scores, no NMS); {e.Message}", e);
        }
    }
}

/// <summary>A user-supplied model file as listed by <see cref="EngineFactory.DescribeUserDetectors"/>: absolute path,
/// whether it exists, size in bytes (0 when missing) and sha256 as lower-case hex (null when missing).</summary>
public sealed record UserModelInfo(string Path, bool Present, long SizeBytes, string? Sha256);
