namespace InterCoG.Editing.Generative;

/// <summary>Builds the generative backend for <see cref="GenerativeSettings"/>: a <see cref="GenerativeEditBackend"/> over
/// an <see cref="A1111Client"/> or an <see cref="OpenAiImagesClient"/>. Backends are kept per settings, so a server (or a
/// studio answering many requests) reuses one HTTP client and checks the WebUI's health once.</summary>
public static class GenerativeBackends
{
    private static readonly Dictionary<(GenerativeSettings, GenerativeOptions), GenerativeEditBackend> Cache = [];
    private static readonly Lock Gate = new();

    /// <summary>A new backend for <paramref name="settings"/> (nothing is sent until the first edit).</summary>
    public static GenerativeEditBackend Create(GenerativeSettings settings, GenerativeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        options ??= new GenerativeOptions();
        IInpaintServer server = settings.Kind switch
        {
            GenerativeKind.A1111 => new A1111Client(settings, options.A1111),
            _ => new OpenAiImagesClient(settings, options.OpenAi),
        };
        return new GenerativeEditBackend(server, options);
    }

    /// <summary>The backend for <paramref name="settings"/>, created on first use and kept.</summary>
    public static GenerativeEditBackend Shared(GenerativeSettings settings, GenerativeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        options ??= Default;
        lock (Gate)
        {
            if (!Cache.TryGetValue((settings, options), out var backend))
                Cache[(settings, options)] = backend = Create(settings, options);
            return backend;
        }
    }

    private static readonly GenerativeOptions Default = new();
}
