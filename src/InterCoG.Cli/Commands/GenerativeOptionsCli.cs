using System.CommandLine;
using InterCoG.Editing.Generative;

namespace InterCoG.Cli.Commands;

/// <summary><c>--gen-backend a1111|openai --gen-url URL [--gen-key-env VAR] [--gen-timeout-s S] [--gen-model NAME]</c>:
/// the generative server of edit and serve. Only the flags the user set are forwarded; what they leave open comes from
/// INTERCOG_GEN_BACKEND / INTERCOG_GEN_URL, the rest from <see cref="GenerativeSettings"/>' defaults.</summary>
internal sealed class GenerativeOptionsCli
{
    private readonly Option<string?> _backend = new("--gen-backend")
    {
        Description = $"Generative server for replace, add, material, content, text, pose, style and background: a1111 (AUTOMATIC1111/Forge/SD.Next WebUI API) or openai (OpenAI-compatible Images edits). Default: ${GenerativeSettings.BackendVariable}.",
    };
    private readonly Option<string?> _url = new("--gen-url") { Description = $"The server's base URL, e.g. http://127.0.0.1:7860 (default: ${GenerativeSettings.UrlVariable})." };
    private readonly Option<string?> _keyEnv = new("--gen-key-env") { Description = $"NAME of the environment variable holding the server's key (default {GenerativeSettings.DefaultKeyVariable}); a1111: \"user:password\" of --api-auth." };
    private readonly Option<double?> _timeout = new("--gen-timeout-s") { Description = "Seconds one request to the server may take (default 300)." };
    private readonly Option<string?> _model = new("--gen-model") { Description = "openai: the request's model (default gpt-image-1; dall-e-2 takes square sizes); a1111: a checkpoint to switch to." };

    public static GenerativeOptionsCli AddTo(Command cmd)
    {
        var o = new GenerativeOptionsCli();
        foreach (var opt in new Option[] { o._backend, o._url, o._keyEnv, o._timeout, o._model }) cmd.Options.Add(opt);
        return o;
    }

    /// <summary>The settings given (flags, then the environment), or null when no backend is configured.</summary>
    public GenerativeSettings? Read(ParseResult pr) =>
        GenerativeSettings.Resolve(pr.GetValue(_backend), pr.GetValue(_url), pr.GetValue(_keyEnv), pr.GetValue(_timeout), pr.GetValue(_model));
}
