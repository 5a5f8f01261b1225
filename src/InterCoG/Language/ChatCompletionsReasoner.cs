using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using InterCoG.Perception;

namespace InterCoG.Language;

/// <summary>Settings of an OpenAI-compatible chat-completions server (llama.cpp's server, vLLM, Ollama, …).</summary>
public sealed record ChatServerOptions
{
    /// <summary>Default name of the environment variable holding the API key.</summary>
    public const string DefaultKeyVariable = "INTERCOG_LLM_KEY";

    /// <summary>Server address: a base ("http://127.0.0.1:8080"), a "/v1" base, or the full "/v1/chat/completions" URL.</summary>
    public required string Url { get; init; }
    /// <summary>The "model" field of the request (servers that host one model ignore it).</summary>
    public string Model { get; init; } = "default";
    /// <summary>Environment variable whose value is sent as "Authorization: Bearer …" (unset or empty: no header).</summary>
    public string KeyVariable { get; init; } = DefaultKeyVariable;
    /// <summary>Time one request may take, in seconds.</summary>
    public double TimeoutSeconds { get; init; } = 120;
    /// <summary>Extra attempts after a 5xx answer or a timeout.</summary>
    public int Retries { get; init; } = 2;
    /// <summary>Wait before the first retry, in milliseconds; doubled for each further one.</summary>
    public int BackoffMs { get; init; } = 500;
}

/// <summary>A language model behind an OpenAI-compatible <c>/v1/chat/completions</c> endpoint, asked for JSON under the
/// schema of <see cref="ProgramGrammar.ToJsonSchema"/> (<c>response_format: json_schema</c>); the answer is checked
/// against the same schema here, since not every server enforces it.</summary>
public sealed class ChatCompletionsReasoner : ILanguageReasoner, IDisposable
{
    private readonly ChatServerOptions _server;
    private readonly LanguageReasonerOptions _options;
    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private readonly ObjectNode _schema;
    private readonly JsonObject _jsonSchema;

    /// <summary>A client for <paramref name="server"/>; nothing is sent until <see cref="Reason"/>.
    /// Throws <see cref="InputException"/> for a URL that is not http(s).</summary>
    public ChatCompletionsReasoner(ChatServerOptions server, LanguageReasonerOptions? options = null)
    {
        _server = server;
        _options = options ?? new LanguageReasonerOptions();
        _endpoint = Endpoint(server.Url);
        _http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        _schema = ProgramSchema.Build(_options.Schema);
        _jsonSchema = ProgramGrammar.ToJsonSchema(_schema);
    }

    /// <summary>The URL requests go to.</summary>
    public Uri EndpointUrl => _endpoint;

    /// <inheritdoc/>
    public string Name => $"chat-completions {_server.Model} at {_endpoint}";

    /// <summary>The chat-completions endpoint for a base URL, a "/v1" URL or the full endpoint.</summary>
    public static Uri Endpoint(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var u) || (u.Scheme != Uri.UriSchemeHttp && u.Scheme != Uri.UriSchemeHttps))
            throw new InputException($"--llm-url must be an http(s) URL, got '{url}'");
        string path = u.AbsolutePath.TrimEnd('/');
        if (path.EndsWith("/chat/completions", StringComparison.Ordinal)) return u;
        path = path.EndsWith("/v1", StringComparison.Ordinal) ? path + "/chat/completions" : path + "/v1/chat/completions";
        return new UriBuilder(u) { Path = path }.Uri;
    }

    /// <inheritdoc/>
    public LanguageAnswer Reason(string instruction, Scene scene, CancellationToken cancel = default)
    {
        string system = ScenePrompt.System(), user = ScenePrompt.User(instruction, scene, _options.PromptMinScore);
        var body = new JsonObject
        {
            ["model"] = _server.Model,
            ["messages"] = new JsonArray(
                new JsonObject { ["role"] = "system", ["content"] = system },
                new JsonObject { ["role"] = "user", ["content"] = user }),
            ["temperature"] = _options.Temperature,
            ["seed"] = _options.Seed,
            ["max_tokens"] = _options.AnswerTokens(_schema),
            ["response_format"] = new JsonObject
            {
                ["type"] = "json_schema",
                ["json_schema"] = new JsonObject { ["name"] = "grounding_program", ["schema"] = _jsonSchema.DeepClone() },
            },
        };
        var sw = Stopwatch.StartNew();
        string payload = body.ToJsonString();
        string responseText = Send(payload, cancel);
        double ms = Math.Round(sw.Elapsed.TotalMilliseconds, 1);
        int chars = system.Length + user.Length;

        string content;
        int promptTokens = 0, generated = 0;
        string? finish;
        try
        {
            using var doc = JsonDocument.Parse(responseText);
            var root = doc.RootElement;
            if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                if (usage.TryGetProperty("prompt_tokens", out var pt) && pt.TryGetInt32(out int p)) promptTokens = p;
                if (usage.TryGetProperty("completion_tokens", out var ct) && ct.TryGetInt32(out int c)) generated = c;
            }
            var choice = root.GetProperty("choices")[0];
            finish = choice.TryGetProperty("finish_reason", out var fr) && fr.ValueKind == JsonValueKind.String ? fr.GetString() : null;
            content = choice.GetProperty("message").GetProperty("content").GetString() ?? "";
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException)
        {
            return new LanguageAnswer(null, responseText, chars, promptTokens, generated, ms,
                $"the server at {_endpoint} did not answer in the chat-completions format ({e.Message}): {ProgramReader.Excerpt(responseText)}");
        }
        if (finish == "length")
            return new LanguageAnswer(null, content, chars, promptTokens, generated, ms, $"the answer was cut at {generated} tokens (max_tokens) before the program was complete");
        var (program, error) = ProgramReader.Read(content, _schema);
        return new LanguageAnswer(program, content, chars, promptTokens, generated, ms, error);
    }

    // POST with retries: a 5xx answer or a timeout is retried after BackoffMs·2^k; a refused connection, a 4xx answer or
    // the last failed attempt throws ModelMissingException naming the URL.
    private string Send(string payload, CancellationToken cancel)
    {
        string? key = Environment.GetEnvironmentVariable(_server.KeyVariable);
        string last = "";
        for (int attempt = 0; ; attempt++)
        {
            if (attempt > 0) Thread.Sleep(_server.BackoffMs * (1 << Math.Min(attempt - 1, 10)));
            using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = new StringContent(payload, Encoding.UTF8, "application/json") };
            if (!string.IsNullOrEmpty(key)) request.Headers.Authorization = new("Bearer", key);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            timeout.CancelAfter(TimeSpan.FromSeconds(_server.TimeoutSeconds));
            try
            {
                using var response = _http.Send(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
                using var reader = new StreamReader(response.Content.ReadAsStream(timeout.Token), Encoding.UTF8);
                string text = reader.ReadToEnd();
                if (response.IsSuccessStatusCode) return text;
                last = $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}: {ProgramReader.Excerpt(text)}";
                if ((int)response.StatusCode < 500)
                    throw new ModelMissingException($"the language model server at {_endpoint} refused the request ({last}); check --llm-url, --llm-name and the key in ${_server.KeyVariable}.");
            }
            catch (Exception e) when (e is TaskCanceledException or OperationCanceledException && !cancel.IsCancellationRequested)
            {
                last = $"no answer within {_server.TimeoutSeconds:0.###} s";
            }
            catch (HttpRequestException e) when (e.InnerException is SocketException)
            {
                throw new ModelMissingException($"the language model server at {_endpoint} is unreachable ({e.Message}); start it or fix --llm-url (docs/llm.md).", e);
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                last = $"the connection broke ({e.Message})";
            }
            if (attempt >= _server.Retries)
                throw new ModelMissingException($"the language model server at {_endpoint} failed {attempt + 1} time(s); last: {last}.");
        }
    }

    /// <summary>Closes the HTTP client.</summary>
    public void Dispose() => _http.Dispose();
}
