using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using InterCoG.Imaging;
using InterCoG.Language;
using InterCoG.Perception;
using InterCoG.Tests.TestSupport;

namespace InterCoG.Tests.Language;

/// <summary>The real 260K-parameter story model from the shared folder (proves loading, constrained decoding and
/// plumbing, not meaning). A missing file fails the test that asks for it.</summary>
internal static class TinyModel
{
    public static string Path
    {
        get
        {
            string p = System.IO.Path.Combine(TestPaths.SharedModels, "stories260K.gguf");
            Assert.True(File.Exists(p), $"the tiny language model is missing: {p}");
            return p;
        }
    }

    /// <summary>A kitchen-like scene: three cups, a bottle, a bowl (boxes XYXY in a 1000×800 image).</summary>
    public static Scene Kitchen() => new(1000, 800,
    [
        Entity(1, "cup", 60, 400, 160, 520, "white"),
        Entity(2, "bottle", 200, 250, 260, 520, "green"),
        Entity(3, "cup", 420, 410, 520, 530, "red"),
        Entity(4, "bowl", 600, 450, 800, 540, "blue"),
        Entity(5, "cup", 850, 400, 950, 520, "white"),
    ]);

    private static SceneEntity Entity(int id, string label, float x1, float y1, float x2, float y2, string color)
    {
        var probs = new float[CocoClasses.Names.Length];
        probs[CocoClasses.IndexOf(label)] = 0.9f;
        return new SceneEntity(id, label, 0.9f, new Box(x1, y1, x2, y2), probs, color, 1 - y2 / 800.0);
    }
}

/// <summary>A real HTTP server on loopback (HttpListener) that speaks the chat-completions protocol; the handler
/// decides each answer (status, body, delay). Records every request body and Authorization header.</summary>
internal sealed class ChatServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<JsonNode, int, (int Status, string Body, int DelayMs)> _handler;
    private readonly Task _loop;
    private readonly CancellationTokenSource _stop = new();

    public ChatServer(Func<JsonNode, int, (int Status, string Body, int DelayMs)> handler)
    {
        _handler = handler;
        Port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(Loop);
    }

    public int Port { get; }
    public string Url => $"http://127.0.0.1:{Port}";
    public List<JsonNode> Requests { get; } = [];
    public List<string?> Authorizations { get; } = [];
    public List<string> Paths { get; } = [];

    /// <summary>The number of requests received, after waiting up to <paramref name="maxWaitMs"/> for it to reach
    /// <paramref name="expected"/>: a request the client already gave up on may still be queued on a busy machine.</summary>
    public int RequestCount(int expected, int maxWaitMs = 10000)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            int n;
            lock (Requests) n = Requests.Count;
            if (n >= expected || sw.ElapsedMilliseconds > maxWaitMs) return n;
            Thread.Sleep(20);
        }
    }

    /// <summary>A chat-completions response whose message content is <paramref name="content"/>.</summary>
    public static string Completion(string content, int promptTokens, int completionTokens, string finish = "stop") => new JsonObject
    {
        ["id"] = "cmpl-test", ["object"] = "chat.completion", ["model"] = "stories260K",
        ["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0, ["finish_reason"] = finish,
            ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = content },
        }),
        ["usage"] = new JsonObject { ["prompt_tokens"] = promptTokens, ["completion_tokens"] = completionTokens },
    }.ToJsonString();

    /// <summary>A handler that answers with the tiny model through the local reasoner, under the program grammar.</summary>
    public static Func<JsonNode, int, (int, string, int)> ServingTinyModel(LlamaReasoner model) => (req, _) =>
    {
        var messages = req["messages"]!.AsArray();
        string prompt = string.Join("\n\n", messages.Select(m => m!["content"]!.GetValue<string>())) + "\nAnswer: ";
        var (text, promptTokens, generated, complete) = model.Complete(prompt, model.Grammar);
        return (200, Completion(text, promptTokens, generated, complete ? "stop" : "length"), 0);
    };

    private async Task Loop()
    {
        int n = 0;
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext ctx;
            try { ctx = await _listener.GetContextAsync(); }
            catch (Exception) { return; }
            int index = Interlocked.Increment(ref n) - 1;
            _ = Task.Run(() => Handle(ctx, index));
        }
    }

    private async Task Handle(HttpListenerContext ctx, int index)
    {
        using var reader = new StreamReader(ctx.Request.InputStream, Encoding.UTF8);
        var body = JsonNode.Parse(await reader.ReadToEndAsync())!;
        lock (Requests)
        {
            Requests.Add(body);
            Authorizations.Add(ctx.Request.Headers["Authorization"]);
            Paths.Add(ctx.Request.Url!.AbsolutePath);
        }
        var (status, text, delay) = _handler(body, index);
        if (delay > 0) await Task.Delay(delay);
        try
        {
            ctx.Response.StatusCode = status;
            ctx.Response.ContentType = "application/json";
            var bytes = Encoding.UTF8.GetBytes(text);
            await ctx.Response.OutputStream.WriteAsync(bytes);
            ctx.Response.Close();
        }
        catch (Exception) { } // the client gave up (timeout test)
    }

    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
    }
}
