using System.Text;
using System.Text.Json.Nodes;
using InterCoG.Soak;
using InterCoG.Tests.TestSupport;

namespace InterCoG.Tests.Web;

/// <summary>One real <c>intercog serve</c> process (a 2 s request timeout, 8 queue places) with a TMPDIR of its own.</summary>
public sealed class ServeProcessFixture : IAsyncLifetime
{
    public ServerProcess Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await ServerProcess.StartAsync(["--timeout-s", "2", "--max-queue", "8"]);

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>Faults that used to take the server down or leave files behind, against a real server process: a crash shows
/// as the process ending, a leftover as a file in its TMPDIR.</summary>
[Collection(ModelCollection.Name)]
public sealed class ServeProcessTests(ServeProcessFixture fixture) : IClassFixture<ServeProcessFixture>
{
    private ServerProcess Server => fixture.Server;

    private HttpClient Client(TimeSpan timeout) => new() { BaseAddress = new Uri(Server.BaseUrl), Timeout = timeout };

    private static MultipartFormDataContent Form(byte[] image, string instruction) => new()
    {
        { new ByteArrayContent(image), "image", "photo.jpg" },
        { new StringContent(instruction), "instruction" },
    };

    /// <summary>Waits until no run is in flight; returns the last health document.</summary>
    private async Task<JsonNode> QuietAsync(TimeSpan limit)
    {
        using var http = Client(TimeSpan.FromSeconds(30));
        var end = DateTime.UtcNow + limit;
        JsonNode health;
        do
        {
            Assert.False(Server.HasExited, $"the server ended with {Server.ExitCode}: {Server.Stderr}");
            health = JsonNode.Parse(await http.GetStringAsync("/healthz"))!;
            if ((int)health["in_flight"]! == 0) return health;
            await Task.Delay(500);
        } while (DateTime.UtcNow < end);
        return health;
    }

    [Fact]
    public async Task Several_504s_and_aborted_requests_leave_the_server_alive_and_healthy()
    {
        byte[] large = Uploads.LargeJpeg();
        long before = (long)(await QuietAsync(TimeSpan.FromMinutes(10)))["completed"]!;

        // two streams the client drops after a moment, and one plain request it gives up on
        for (int i = 0; i < 2; i++)
        {
            using var http = Client(TimeSpan.FromMinutes(2));
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/edit") { Content = Form(large, "make the horse on the right brown") };
            request.Headers.Accept.ParseAdd("application/x-ndjson");
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1.5));
            try
            {
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
                await reader.ReadLineAsync(cts.Token);
                await Task.Delay(500, cts.Token);
            }
            catch (OperationCanceledException) { }
        }
        using (var impatient = Client(TimeSpan.FromSeconds(1)))
            await Assert.ThrowsAnyAsync<Exception>(() => impatient.PostAsync("/api/edit", Form(large, "make the horse on the left blue")));

        // three requests that outlive the server's 2 s timeout
        using (var http = Client(TimeSpan.FromMinutes(2)))
            for (int i = 0; i < 3; i++)
            {
                var response = await http.PostAsync("/api/edit", Form(large, "make the horse on the right brown"));
                Assert.Equal(504, (int)response.StatusCode);
                Assert.Contains("urn:intercog:problem:timeout", await response.Content.ReadAsStringAsync());
            }

        var health = await QuietAsync(TimeSpan.FromMinutes(10));
        Assert.False(Server.HasExited, $"the server ended with {Server.ExitCode}: {Server.Stderr}");
        Assert.Equal("ok", (string?)health["status"]);
        Assert.Equal(0, (int)health["in_flight"]!);
        Assert.True((long)health["completed"]! - before >= 3, health.ToJsonString());
        using var check = Client(TimeSpan.FromSeconds(30));
        var parse = await check.PostAsync("/api/parse", new StringContent("{\"instruction\":\"make the cup red\"}", Encoding.UTF8, "application/json"));
        Assert.Equal(200, (int)parse.StatusCode);
        Assert.DoesNotContain("Unhandled", Server.Stderr);
    }

    [Fact]
    public async Task An_upload_never_reaches_the_temporary_folder_and_a_stalled_one_is_cut_off()
    {
        const string boundary = "stall-3456";
        byte[] body = Uploads.MultipartBody(boundary, "make the horse brown", Uploads.LargeJpeg());
        Assert.True(body.Length > 2 * 1024 * 1024, $"{body.Length} bytes"); // more than ASP.NET's form buffer keeps in memory (1 MiB here before)
        using var raw = await RawHttp.ConnectAsync(Server.BaseUrl);
        await raw.SendHeadAsync("/api/edit", new Uri(Server.BaseUrl).Authority, body.Length, $"multipart/form-data; boundary={boundary}");
        await raw.SendAsync(body.AsMemory(0, 3 * 1024 * 1024 / 2));
        await Task.Delay(1500);
        Assert.Empty(Server.NewTempEntries()); // 1.5 MiB of the photo arrived: nothing of it is on disk

        // the rest never comes: the server gives up on the body
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var response = await raw.ReadResponseAsync(TimeSpan.FromSeconds(90));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(80), $"still waiting for the body after {sw.Elapsed.TotalSeconds:0} s");
        if (response is not null) Assert.True(response.Status is 400 or 408, $"{response.Status}");

        // a whole upload of the same photo, answered (504 or a result), leaves nothing either
        using (var http = Client(TimeSpan.FromMinutes(2)))
        {
            var done = await http.PostAsync("/api/edit", Form(Uploads.LargeJpeg(), "make the horse brown"));
            Assert.True((int)done.StatusCode is 200 or 409 or 504, $"{(int)done.StatusCode}");
        }
        await QuietAsync(TimeSpan.FromMinutes(10));
        Assert.Empty(Server.NewTempEntries());
        Assert.False(Server.HasExited, $"the server ended with {Server.ExitCode}: {Server.Stderr}");
    }
}
