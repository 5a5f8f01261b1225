using System.Text.Json.Nodes;
using InterCoG.Imaging;
using InterCoG.Tests.Generative;
using InterCoG.Tests.TestSupport;
using OpenCvSharp;

namespace InterCoG.Tests.Web;

/// <summary>Generative edits through the HTTP API: a real studio on loopback, a real loopback server speaking the
/// AUTOMATIC1111 and OpenAI Images APIs, the real models and a real photo.</summary>
[Collection(ModelCollection.Name)]
public sealed class StudioGenerativeApiTests(StudioFixture server) : IClassFixture<StudioFixture>, IAsyncLifetime
{
    private static readonly string Giraffes = TestPaths.Photo("giraffes.jpg");
    private FakeImageServer _gen = null!;

    public async Task InitializeAsync() => _gen = await FakeImageServer.StartAsync();
    public async Task DisposeAsync() => await _gen.DisposeAsync();

    private MultipartFormDataContent Form(string instruction, string? backend, string? url)
    {
        var form = StudioFixture.Form(File.ReadAllBytes(Giraffes), instruction, "giraffes.jpg");
        if (backend is not null) form.Add(new StringContent(backend), "gen_backend");
        if (url is not null) form.Add(new StringContent(url), "gen_url");
        return form;
    }

    [Fact]
    public async Task A_studio_without_a_server_says_so_and_a_replace_is_unsupported()
    {
        var g = JsonNode.Parse(await server.Http.GetStringAsync("/api/generative"))!;
        Assert.False((bool)g["configured"]!);
        var (status, _, problem, _) = await server.PostAsync("/api/edit", Form("replace the giraffe on the left with an elephant", null, null));
        Assert.Equal(ExitCodes.Unsupported, (int)problem["exit_code"]!);
        Assert.True(status >= 400, $"status {status}");
        Assert.Empty(_gen.Requests);
    }

    [Theory]
    [InlineData("a1111")]
    [InlineData("openai")]
    public async Task A_request_naming_a_loopback_server_is_painted_there_and_only_the_target_changes(string backend)
    {
        var (status, _, body, _) = await server.PostAsync("/api/edit", Form("replace the giraffe on the left with an elephant", backend, _gen.Url));
        Assert.True(status == 200, body.ToJsonString());
        var generation = Assert.Single(_gen.Generations);
        string prompt = backend == "a1111" ? (string)generation.Json!["prompt"]! : generation.Fields["prompt"];
        Assert.Contains("elephant", prompt);
        var trace = body["trace"]!.AsObject();
        var edit = trace["steps"]!.AsArray().Last(s => (string?)s!["stage"] == "edit")!;
        Assert.Equal(backend, (string?)edit["backend"]!["name"]);
        var box = trace["target"]!["xyxy"]!.AsArray().Select(v => (int)v!).ToArray();
        using var input = ImageCodec.LoadBgr(Giraffes);
        using var output = Cv2.ImDecode(await server.Http.GetByteArrayAsync((string)body["output_url"]!), ImreadModes.Color);
        Assert.Equal(input.Size(), output.Size());
        Assert.Equal(0, GenerativeChainTests.ChangedBeyond(input, output, box));
        // the fake server's stripes landed on the giraffe's centre
        var centre = output.At<Vec3b>((box[1] + box[3]) / 2, (box[0] + box[2]) / 2);
        Assert.True(centre == new Vec3b(255, 0, 255) || centre == new Vec3b(0, 200, 0), $"the giraffe's centre is {centre}");
    }

    [Fact]
    public async Task Another_host_than_loopback_is_refused_and_a_failing_server_is_a_502_problem()
    {
        var (status, _, problem, _) = await server.PostAsync("/api/edit", Form("replace the giraffe on the left with an elephant", "a1111", "http://203.0.113.5:7860"));
        Assert.Equal(400, status);
        Assert.Contains("not allowed", (string?)problem["detail"]);

        _gen.Fault = FakeFault.Status;
        var (status2, _, problem2, _) = await server.PostAsync("/api/edit", Form("replace the giraffe on the left with an elephant", "a1111", _gen.Url));
        Assert.Equal(502, status2);
        Assert.Equal("urn:intercog:problem:generative-backend", (string?)problem2["type"]);
        Assert.Equal(ExitCodes.Other, (int)problem2["exit_code"]!);
        Assert.Contains("HTTP 500", (string?)problem2["detail"]);
    }
}
