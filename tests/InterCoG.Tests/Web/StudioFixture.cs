using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using InterCoG.Web;
using Microsoft.AspNetCore.Builder;

namespace InterCoG.Tests.Web;

/// <summary>A real studio server on a free loopback port (Kestrel, port 0), started once per test class; the engine
/// is the shared one (<see cref="InterCoG.Chain.EngineFactory.Shared"/>), loaded on the first chain request.</summary>
public class StudioFixture : IAsyncLifetime
{
    private WebApplication? _app;

    /// <summary>Options of this server; subclasses narrow limits.</summary>
    protected virtual StudioOptions Options => new() { Urls = ["http://127.0.0.1:0"], Preload = false };

    /// <summary>Where the server's engine comes from (null: the shared one).</summary>
    protected virtual Func<InterCoG.Chain.InterCoGEngine>? Engine => null;

    /// <summary>"http://127.0.0.1:PORT".</summary>
    public string BaseUrl { get; private set; } = "";

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromMinutes(5) };

    public async Task InitializeAsync()
    {
        _app = StudioServer.Build(Options, Engine);
        await _app.StartAsync();
        BaseUrl = _app.Urls.Single().TrimEnd('/');
        Http.BaseAddress = new Uri(BaseUrl);
    }

    public virtual async Task DisposeAsync()
    {
        Http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    /// <summary>The multipart form of a chain request.</summary>
    public static MultipartFormDataContent Form(byte[]? image, string? instruction, string fileName = "photo.jpg", string? choose = null)
    {
        var form = new MultipartFormDataContent();
        if (image is not null)
        {
            var part = new ByteArrayContent(image);
            part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(part, "image", fileName);
        }
        if (instruction is not null) form.Add(new StringContent(instruction), "instruction");
        if (choose is not null) form.Add(new StringContent(choose), "choose");
        return form;
    }

    /// <summary>POSTs a chain request; returns the status, content type and JSON body.</summary>
    public async Task<(int Status, string? ContentType, JsonObject Body, HttpResponseMessage Response)> PostAsync(string path, HttpContent content)
    {
        var response = await Http.PostAsync(path, content);
        string text = await response.Content.ReadAsStringAsync();
        var body = JsonNode.Parse(text) as JsonObject ?? throw new InvalidOperationException($"not a JSON object: {text[..Math.Min(200, text.Length)]}");
        return ((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, body, response);
    }

    /// <summary>Asserts that /healthz answers 200 "ok".</summary>
    public async Task AssertHealthyAsync()
    {
        var health = JsonNode.Parse(await Http.GetStringAsync("/healthz"))!;
        Assert.Equal("ok", (string?)health["status"]);
    }
}

/// <summary>A server that queues nothing: beyond the one running chain, requests get 503.</summary>
public sealed class NoQueueStudioFixture : StudioFixture
{
    protected override StudioOptions Options => base.Options with { MaxQueuedJobs = 0 };
}

/// <summary>A server with a 64 KiB upload limit.</summary>
public sealed class SmallUploadStudioFixture : StudioFixture
{
    protected override StudioOptions Options => base.Options with { MaxUploadBytes = 64 * 1024 };
}

/// <summary>A server whose requests time out long before a chain run can finish.</summary>
public sealed class ImpatientStudioFixture : StudioFixture
{
    protected override StudioOptions Options => base.Options with { JobTimeoutSeconds = 0.05 };
}

/// <summary>A server whose engine reads a models folder that starts empty (<see cref="ModelsFolder"/>): the models
/// are "installed" while it runs.</summary>
public sealed class ModelsLaterStudioFixture : StudioFixture
{
    /// <summary>The server's models folder, empty at start.</summary>
    public string ModelsFolder { get; } = TestSupport.TestPaths.TempDir("models-later");

    protected override Func<InterCoG.Chain.InterCoGEngine>? Engine =>
        () => InterCoG.Chain.EngineFactory.Create(new InterCoG.Models.ModelStore(ModelsFolder));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        try { Directory.Delete(ModelsFolder, recursive: true); } catch (IOException) { }
    }
}
