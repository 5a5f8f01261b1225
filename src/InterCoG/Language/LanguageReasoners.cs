namespace InterCoG.Language;

/// <summary>Where the language model is: a GGUF file (local) or an OpenAI-compatible server (HTTP).</summary>
public sealed record LanguageModelSettings
{
    /// <summary>GGUF file for <see cref="LlamaReasoner"/>; null: <see cref="LlamaReasoner.ModelEnvironmentVariable"/>.</summary>
    public string? ModelPath { get; init; }
    /// <summary>Server for <see cref="ChatCompletionsReasoner"/>; when set, it is used instead of a local file.</summary>
    public ChatServerOptions? Server { get; init; }
    /// <summary>Decoding settings.</summary>
    public LanguageReasonerOptions Options { get; init; } = new();
}

/// <summary>Creates the configured language reasoner. Local models are loaded once per (path, options) and kept for
/// the process (loading a real model takes seconds).</summary>
public static class LanguageReasoners
{
    private static readonly Dictionary<(string, LanguageReasonerOptions), LlamaReasoner> Loaded = [];
    private static readonly Lock Gate = new();

    /// <summary>The reasoner <paramref name="settings"/> describe. Throws <see cref="ModelMissingException"/> (exit 5)
    /// when neither a server nor a model file is configured, or the file is missing or corrupt.</summary>
    public static ILanguageReasoner Create(LanguageModelSettings settings)
    {
        if (settings.Server is { } server) return new ChatCompletionsReasoner(server, settings.Options);
        string? path = settings.ModelPath is { Length: > 0 } p ? p : Environment.GetEnvironmentVariable(LlamaReasoner.ModelEnvironmentVariable);
        if (string.IsNullOrEmpty(path))
            throw new ModelMissingException($"no language model configured: pass --llm-model PATH (a GGUF file), set {LlamaReasoner.ModelEnvironmentVariable}, or pass --llm-url URL of an OpenAI-compatible server (docs/llm.md).");
        string full = Path.GetFullPath(path);
        lock (Gate)
        {
            if (!Loaded.TryGetValue((full, settings.Options), out var reasoner))
                Loaded[(full, settings.Options)] = reasoner = new LlamaReasoner(full, settings.Options);
            return reasoner;
        }
    }
}
