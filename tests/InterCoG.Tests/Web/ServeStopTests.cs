using System.Net;
using System.Text.Json.Nodes;
using InterCoG.Soak;
using InterCoG.Tests.TestSupport;
using InterCoG.Web;

namespace InterCoG.Tests.Web;

/// <summary>A stop (SIGTERM, Ctrl+C) while the server works in ONNX Runtime: <c>intercog serve</c> used to return from
/// Main under the thread that loaded the models at start-up (or ran a chain) and could die of a segfault (exit 139) as the
/// native libraries were torn down beneath it. The server must return only once that work has ended, and a process stopped
/// mid-run must answer its request and end with exit 0.</summary>
[Collection(ModelCollection.Name)]
public sealed class ServeStopTests
{
    private static readonly TimeSpan ExitLimit = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_server_returns_from_its_stop_only_after_the_models_it_was_loading_are_loaded()
    {
        // the preload holds at the gate until the test opens it, then loads the shared engine as usual
        using var loading = new ManualResetEventSlim();
        using var gate = new ManualResetEventSlim();
        InterCoG.Chain.InterCoGEngine Load()
        {
            loading.Set();
            gate.Wait(TimeSpan.FromMinutes(1));
            return InterCoG.Chain.EngineFactory.Shared();
        }
        using var stop = new CancellationTokenSource();
        var options = new StudioOptions { Urls = ["http://127.0.0.1:0"], Preload = true };
        var serving = StudioServer.RunAsync(options, stop: stop.Token, engine: Load);

        Assert.True(await Task.Run(() => loading.Wait(TimeSpan.FromMinutes(1))), "the preload did not start");
        stop.Cancel();
        await Task.Delay(1000);
        Assert.False(serving.IsCompleted, "the server returned from its stop while its preload was still loading the models");
        gate.Set();
        await serving.WaitAsync(TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task A_stop_during_a_chain_run_answers_its_request_503_and_exits_cleanly()
    {
        await using var server = await ServerProcess.StartAsync([]);
        using var http = new HttpClient { BaseAddress = new Uri(server.BaseUrl), Timeout = TimeSpan.FromMinutes(3) };
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(Uploads.LargeJpeg()), "image", "photo.jpg" },
            { new StringContent("remove the horse on the left"), "instruction" },
        };
        var answer = http.PostAsync("/api/edit", form);

        // the run has started once the server counts the request in flight and the upload is in
        var end = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while ((int)JsonNode.Parse(await http.GetStringAsync("/healthz"))!["in_flight"]! == 0 && DateTime.UtcNow < end && !answer.IsCompleted)
            await Task.Delay(100);
        Assert.False(answer.IsCompleted, "the request was answered before the stop");
        await Task.Delay(1500); // into the run's model calls
        Assert.False(answer.IsCompleted, "the run ended before the stop: the test no longer stops the server mid-run");

        int code = await server.TerminateAsync(ExitLimit);
        Assert.True(code == 0, $"serve exited with {code} after SIGTERM during a run (139 is a segfault): {server.Stderr}");
        using var response = await answer;
        string body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("urn:intercog:problem:stopping", (string?)JsonNode.Parse(body)!["type"]);
        Assert.True(response.Headers.RetryAfter is not null, "a 503 for a stopping server carries Retry-After");
    }
}
