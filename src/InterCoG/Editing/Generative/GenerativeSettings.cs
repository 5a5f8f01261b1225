using System.Globalization;

namespace InterCoG.Editing.Generative;

/// <summary>Which protocol the generative server speaks.</summary>
public enum GenerativeKind
{
    /// <summary>The AUTOMATIC1111 WebUI API (also Forge, SD.Next): <c>POST /sdapi/v1/img2img</c>.</summary>
    A1111,
    /// <summary>An OpenAI-compatible Images API (OpenAI, LocalAI, gateways): <c>POST /v1/images/edits</c>.</summary>
    OpenAi,
}

/// <summary>Where the generative server is and how to reach it: what <c>--gen-backend</c>, <c>--gen-url</c>,
/// <c>--gen-key-env</c>, <c>--gen-timeout-s</c> and <c>--gen-model</c> set (or INTERCOG_GEN_BACKEND / INTERCOG_GEN_URL).
/// The API key itself is never held here: only the name of the environment variable that holds it.</summary>
public sealed record GenerativeSettings
{
    /// <summary>Environment variable naming the backend ("a1111" or "openai") when no flag does.</summary>
    public const string BackendVariable = "INTERCOG_GEN_BACKEND";
    /// <summary>Environment variable holding the server's base URL when no flag does.</summary>
    public const string UrlVariable = "INTERCOG_GEN_URL";
    /// <summary>Default name of the environment variable holding the API key (unset or empty: no credentials sent).</summary>
    public const string DefaultKeyVariable = "INTERCOG_GEN_KEY";

    /// <summary>The protocol.</summary>
    public required GenerativeKind Kind { get; init; }
    /// <summary>Base URL of the server, e.g. "http://127.0.0.1:7860" (a1111) or "https://api.openai.com" (openai);
    /// a "/v1" or "/sdapi/v1" suffix is accepted.</summary>
    public required Uri Url { get; init; }
    /// <summary>Environment variable whose value is the API key; null: send none. For a1111 a value "user:password" is
    /// sent as HTTP Basic (the WebUI's --api-auth), any other value as a Bearer token; for openai always Bearer.</summary>
    public string? KeyVariable { get; init; } = DefaultKeyVariable;
    /// <summary>Longest one request may take, in seconds (generation on a busy GPU can take minutes).</summary>
    public double TimeoutSeconds { get; init; } = 300;
    /// <summary>openai: the request's "model" (default gpt-image-1); a1111: a checkpoint title to switch to through
    /// override_settings (default: none, the WebUI's loaded model).</summary>
    public string? Model { get; init; }
    /// <summary>Extra attempts where a retry is safe: the connection was refused (nothing reached the server), or the
    /// server answered 503; a health-check GET also after a timeout or any 5xx. Never for a generation that timed out.</summary>
    public int Retries { get; init; } = 2;
    /// <summary>Wait before the first retry, in milliseconds; doubled for each further one.</summary>
    public int BackoffMs { get; init; } = 500;

    /// <summary>"a1111" or "openai".</summary>
    public string KindName => Name(Kind);

    /// <summary>The model the request names: <see cref="Model"/>, else gpt-image-1 for openai, else null.</summary>
    public string? EffectiveModel => Model ?? (Kind == GenerativeKind.OpenAi ? "gpt-image-1" : null);

    /// <summary>One line for messages and traces: kind, URL, model; never the key.</summary>
    public string Describe() => $"{KindName} at {Url}" + (EffectiveModel is { } m ? $" (model {m})" : "");

    /// <summary>"a1111" or "openai" for <paramref name="kind"/>.</summary>
    public static string Name(GenerativeKind kind) => kind == GenerativeKind.A1111 ? "a1111" : "openai";

    /// <summary>Parses "a1111" (also "automatic1111", "webui", "forge", "sdnext") or "openai"; throws <see cref="InputException"/>
    /// naming <paramref name="source"/> otherwise.</summary>
    public static GenerativeKind ParseKind(string value, string source = "--gen-backend") =>
        value.Trim().ToLowerInvariant() switch
        {
            "a1111" or "automatic1111" or "webui" or "forge" or "sdnext" => GenerativeKind.A1111,
            "openai" => GenerativeKind.OpenAi,
            _ => throw new InputException($"{source} must be a1111 or openai, got '{value}'"),
        };

    /// <summary>Checks an http(s) base URL; throws <see cref="InputException"/> naming <paramref name="source"/>.</summary>
    public static Uri ParseUrl(string value, string source = "--gen-url")
    {
        if (!Uri.TryCreate(value.Trim(), UriKind.Absolute, out var u) || (u.Scheme != Uri.UriSchemeHttp && u.Scheme != Uri.UriSchemeHttps) || string.IsNullOrEmpty(u.Host))
            throw new InputException($"{source} must be an http(s) URL such as http://127.0.0.1:7860, got '{value}'");
        if (!string.IsNullOrEmpty(u.UserInfo))
            throw new InputException($"{source} must not carry credentials; put the key in an environment variable and name it with --gen-key-env");
        return u;
    }

    /// <summary>The settings from the flags given (null = not given) and, for what they leave open, the environment
    /// (<see cref="BackendVariable"/>, <see cref="UrlVariable"/>). Null when neither names a backend nor a URL (then the
    /// generative operations end unsupported, exit 7); throws <see cref="InputException"/> (exit 2) for a backend without
    /// a URL or the reverse, an unknown backend, a bad URL, a non-positive timeout or a blank key variable name.</summary>
    public static GenerativeSettings? Resolve(string? backend, string? url, string? keyVariable = null, double? timeoutSeconds = null,
        string? model = null, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        string? b = Blank(backend) ?? Blank(environment(BackendVariable));
        string? u = Blank(url) ?? Blank(environment(UrlVariable));
        string bSource = Blank(backend) is null ? "$" + BackendVariable : "--gen-backend";
        string uSource = Blank(url) is null ? "$" + UrlVariable : "--gen-url";
        if (b is null && u is null)
        {
            if (keyVariable is not null || timeoutSeconds is not null || model is not null)
                throw new InputException("--gen-key-env, --gen-timeout-s and --gen-model need a backend: add --gen-backend a1111|openai --gen-url URL");
            return null;
        }
        if (b is null) throw new InputException($"{uSource} is set but no backend: add --gen-backend a1111|openai (or set ${BackendVariable})");
        if (u is null) throw new InputException($"{bSource} is {b} but no server: add --gen-url URL (or set ${UrlVariable}), e.g. http://127.0.0.1:7860");
        var s = new GenerativeSettings { Kind = ParseKind(b, bSource), Url = ParseUrl(u, uSource) };
        if (keyVariable is not null)
        {
            if (string.IsNullOrWhiteSpace(keyVariable) || keyVariable.Contains('='))
                throw new InputException($"--gen-key-env takes the NAME of an environment variable (e.g. OPENAI_API_KEY), never the key itself");
            s = s with { KeyVariable = keyVariable.Trim() };
        }
        if (timeoutSeconds is double t)
            s = t > 0 && double.IsFinite(t) ? s with { TimeoutSeconds = t }
                : throw new InputException($"--gen-timeout-s must be a positive number of seconds, got {t.ToString(CultureInfo.InvariantCulture)}");
        if (Blank(model) is { } m) s = s with { Model = m };
        return s;
    }

    /// <summary>A request's own choice (the API's and the studio's gen_backend / gen_url / gen_model fields) over the
    /// server's <paramref name="configured"/> settings. "none" turns the generator off for the request. A URL other than
    /// the configured one must be a loopback address (the server never calls hosts a web page names), and the key goes
    /// only to the configured server's origin. Throws <see cref="InputException"/> for a refused or malformed value.</summary>
    public static GenerativeSettings? ForRequest(GenerativeSettings? configured, string? backend, string? url, string? model)
    {
        if (Blank(backend) is { } b && b.Equals("none", StringComparison.OrdinalIgnoreCase)) return null;
        if (Blank(backend) is null && Blank(url) is null && Blank(model) is null) return configured;
        var kind = Blank(backend) is { } kb ? ParseKind(kb, "gen_backend") : configured?.Kind
            ?? throw new InputException("gen_url was given without gen_backend (a1111 or openai), and the server has no backend configured");
        Uri target;
        if (Blank(url) is { } u)
        {
            target = ParseUrl(u, "gen_url");
            bool sameOrigin = configured is not null && SameOrigin(configured.Url, target);
            if (!sameOrigin && !target.IsLoopback)
                throw new InputException($"gen_url {target.GetLeftPart(UriPartial.Authority)} is not allowed: a request may name a loopback server or the one the studio was started with (--gen-url)");
        }
        else target = configured?.Url ?? throw new InputException("gen_backend was given without gen_url, and the server has no generative URL configured");
        var s = configured is not null ? configured with { Kind = kind, Url = target } : new GenerativeSettings { Kind = kind, Url = target, KeyVariable = null };
        if (configured is null || !SameOrigin(configured.Url, target)) s = s with { KeyVariable = null };
        if (Blank(model) is { } m) s = s with { Model = m };
        else if (configured is not null && kind != configured.Kind) s = s with { Model = null };
        return s;
    }

    private static bool SameOrigin(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase) && string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase) && a.Port == b.Port;

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
