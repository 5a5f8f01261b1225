using InterCoG.Models;
using InterCoG.Models.Onnx;

namespace InterCoG.Editing;

/// <summary>The fills a removal can use, by <see cref="FillMethod"/>: the OpenCV ones always, MI-GAN when its model
/// file is given. Each inpainter is created on first use and then reused, so the MI-GAN ONNX session is created once
/// per registry (one per engine, one engine per process) and only when a removal needs it. Thread-safe.</summary>
public sealed class FillRegistry : IDisposable
{
    private readonly RemoveOptions _options;
    private readonly string? _miGanModel;
    private readonly OnnxSessionOptions? _sessions;
    private readonly Lock _gate = new();
    private readonly Dictionary<FillMethod, IInpainter> _made = [];

    /// <summary>A registry with the fill settings of <paramref name="options"/>; <paramref name="miGanModel"/> is the path
    /// of the MI-GAN pipeline (<see cref="ModelCatalog.MiGan"/>), or null when it is not installed; its session runs on
    /// <paramref name="sessions"/>' device (null: INTERCOG_DEVICE or auto).</summary>
    public FillRegistry(RemoveOptions? options = null, string? miGanModel = null, OnnxSessionOptions? sessions = null)
    {
        _options = options ?? new RemoveOptions();
        _miGanModel = miGanModel;
        _sessions = sessions;
    }

    /// <summary>The registry for the models in <paramref name="store"/>: MI-GAN when it is installed and verified.</summary>
    public static FillRegistry FromStore(ModelStore store, RemoveOptions? options = null, OnnxSessionOptions? sessions = null) =>
        new(options, store.Check(store.Spec(ModelCatalog.MiGan)) == ModelState.Ok ? store.PathOf(ModelCatalog.MiGan) : null, sessions);

    /// <summary>Where the fills that ran a model ran ("cpu" or "cuda:N"); "cpu" when none has (the OpenCV fills).</summary>
    public string Provider
    {
        get { lock (_gate) return _made.Values.OfType<IRunsOnProvider>().Select(m => m.Provider).FirstOrDefault() ?? "cpu"; }
    }

    /// <summary>The fill used when none is asked for: MI-GAN when its model is there, else Telea.</summary>
    public FillMethod Default => _miGanModel is not null ? FillMethod.MiGan : FillMethod.Telea;

    /// <summary>Whether <paramref name="method"/> can run here (MI-GAN needs its model).</summary>
    public bool IsAvailable(FillMethod method) => method != FillMethod.MiGan || _miGanModel is not null;

    /// <summary>The inpainter for <paramref name="method"/>, created on first use. Throws <see cref="ModelMissingException"/>
    /// (exit 5) for MI-GAN without its model.</summary>
    public IInpainter Get(FillMethod method)
    {
        lock (_gate)
        {
            if (_made.TryGetValue(method, out var made)) return made;
            IInpainter inpainter = method switch
            {
                FillMethod.MiGan => new MiGanInpainter(_miGanModel ?? throw new ModelMissingException(
                    $"the MI-GAN fill needs the model {ModelCatalog.MiGan}; run `{ModelStore.InstallCommand}` (offline: `{ModelStore.InstallCommand} --from DIR`), or choose another fill ({string.Join(", ", FillMethods.Names.Skip(1))})"), _options.MiGan, _sessions),
                FillMethod.Telea => new TeleaInpainter(_options.Telea),
                FillMethod.Patch => new PatchInpainter(_options.Patch),
                FillMethod.ShiftMap or FillMethod.Fsr => new XPhotoInpainter(method, _options.Telea),
                _ => throw new ArgumentOutOfRangeException(nameof(method), method, "unknown fill"),
            };
            _made[method] = inpainter;
            return inpainter;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var i in _made.Values) (i as IDisposable)?.Dispose();
            _made.Clear();
        }
    }
}
