using System.Diagnostics;
using System.Text;
using InterCoG.Perception;
using LLama;
using LLama.Common;
using LLama.Exceptions;
using LLama.Native;
using LLama.Sampling;

namespace InterCoG.Language;

/// <summary>A local GGUF language model run by llama.cpp (LLamaSharp, CPU backend), decoding under the GBNF grammar of
/// <see cref="ProgramGrammar"/> so that every answer it completes is a well-formed program. Weights are loaded once;
/// each call builds a fresh context (stateless, so one call cannot influence the next).</summary>
public sealed class LlamaReasoner : ILanguageReasoner, IDisposable
{
    /// <summary>Environment variable naming the default GGUF file.</summary>
    public const string ModelEnvironmentVariable = "INTERCOG_LLM_MODEL";

    private static readonly Lock NativeGate = new();
    private static bool _nativeConfigured;

    private readonly LLamaWeights _weights;
    private readonly ModelParams _params;
    private readonly LanguageReasonerOptions _options;
    private readonly ObjectNode _schema;
    private readonly string _gbnf;
    private readonly bool _chatTemplate;
    private readonly Lock _gate = new();

    /// <summary>Load <paramref name="modelPath"/> (a GGUF file). Throws <see cref="ModelMissingException"/> (exit 5)
    /// when the file is missing or llama.cpp cannot load it.</summary>
    public LlamaReasoner(string modelPath, LanguageReasonerOptions? options = null)
    {
        _options = options ?? new LanguageReasonerOptions();
        string path = Path.GetFullPath(modelPath);
        if (!File.Exists(path))
            throw new ModelMissingException($"language model not found: {path}. Pass --llm-model PATH to a GGUF file (or set {ModelEnvironmentVariable}); see docs/llm.md.");
        ConfigureNative();
        _params = new ModelParams(path)
        {
            GpuLayerCount = 0,
            Threads = _options.Threads > 0 ? _options.Threads : Math.Min(4, Environment.ProcessorCount),
            BatchSize = 512,
        };
        try { _weights = LLamaWeights.LoadFromFile(_params); }
        catch (Exception e) when (e is LoadWeightsFailedException or RuntimeError or ArgumentException or InvalidOperationException)
        {
            throw new ModelMissingException($"language model {path} could not be loaded by llama.cpp (not a valid GGUF file, or an unsupported architecture): {e.Message}. See docs/llm.md.", e);
        }
        ModelPath = path;
        _schema = ProgramSchema.Build(_options.Schema);
        _gbnf = ProgramGrammar.ToGbnf(_schema);
        _chatTemplate = _weights.Metadata.ContainsKey("tokenizer.chat_template");
    }

    /// <summary>Full path of the loaded GGUF file.</summary>
    public string ModelPath { get; }

    /// <inheritdoc/>
    public string Name => $"llama.cpp {Path.GetFileName(ModelPath)}";

    /// <summary>The GBNF grammar the decoder is held to.</summary>
    public string Grammar => _gbnf;

    /// <inheritdoc/>
    public LanguageAnswer Reason(string instruction, Scene scene, CancellationToken cancel = default)
    {
        string system = ScenePrompt.System(), user = ScenePrompt.User(instruction, scene, _options.PromptMinScore);
        var sw = Stopwatch.StartNew();
        var (text, promptTokens, generated, complete) = Complete(Format(system, user), _gbnf, cancel);
        double ms = Math.Round(sw.Elapsed.TotalMilliseconds, 1);
        int chars = system.Length + user.Length;
        if (!complete)
            return new LanguageAnswer(null, text, chars, promptTokens, generated, ms, $"the answer was cut at {generated} tokens (MaxTokens) before the program was complete");
        var (program, error) = ProgramReader.Read(text, _schema);
        return new LanguageAnswer(program, text, chars, promptTokens, generated, ms, error);
    }

    /// <summary>Generate from a raw <paramref name="prompt"/> under <paramref name="gbnf"/> (start rule "root"):
    /// the text, prompt tokens, generated tokens, and whether generation ended by itself (not at MaxTokens).</summary>
    public (string Text, int PromptTokens, int Generated, bool Complete) Complete(string prompt, string gbnf, CancellationToken cancel = default)
    {
        lock (_gate)
        {
            int promptTokens = _weights.Tokenize(prompt, true, true, Encoding.UTF8).Length;
            int maxTokens = _options.AnswerTokens(_schema);
            int context = _options.ContextTokens > 0 ? _options.ContextTokens : promptTokens + maxTokens + 8;
            if (promptTokens + maxTokens > context)
                throw new InputException($"the prompt needs {promptTokens} tokens and the answer up to {maxTokens}, more than the context window of {context}; raise --llm-context or shorten the instruction.");
            var executor = new StatelessExecutor(_weights, new ModelParams(_params.ModelPath)
            {
                ContextSize = (uint)context, GpuLayerCount = 0, Threads = _params.Threads, BatchSize = _params.BatchSize,
            });
            using var sampler = new DefaultSamplingPipeline
            {
                Seed = _options.Seed,
                Temperature = _options.Temperature,
                Grammar = new Grammar(gbnf, ProgramGrammar.Root),
            };
            var inference = new InferenceParams { MaxTokens = maxTokens, SamplingPipeline = sampler };
            var sb = new StringBuilder();
            int generated = 0;
            // StatelessExecutor yields one text piece per generated token.
            var pieces = executor.InferAsync(prompt, inference, cancel).GetAsyncEnumerator(cancel);
            try
            {
                while (pieces.MoveNextAsync().AsTask().GetAwaiter().GetResult())
                {
                    sb.Append(pieces.Current);
                    generated++;
                }
            }
            finally { pieces.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
            return (sb.ToString(), promptTokens, generated, generated < maxTokens);
        }
    }

    /// <summary>The prompt in the model's own chat template when it has one, else plain text.</summary>
    private string Format(string system, string user)
    {
        if (_chatTemplate)
        {
            var template = new LLamaTemplate(_weights) { AddAssistant = true };
            template.Add("system", system);
            template.Add("user", user);
            return Encoding.UTF8.GetString(template.Apply());
        }
        return $"{system}\n\n{user}\nAnswer: ";
    }

    // llama.cpp logs every load detail to stderr; keep only errors (stdout must stay clean for --json).
    private static void ConfigureNative()
    {
        lock (NativeGate)
        {
            if (_nativeConfigured) return;
            _nativeConfigured = true;
            try { NativeLibraryConfig.All.WithLogCallback((level, message) => { if (level == LLamaLogLevel.Error) Console.Error.Write(message); }); }
            catch (InvalidOperationException) { } // the native library was already loaded by another component: keep its logging
        }
    }

    /// <summary>Frees the weights.</summary>
    public void Dispose() => _weights.Dispose();
}
