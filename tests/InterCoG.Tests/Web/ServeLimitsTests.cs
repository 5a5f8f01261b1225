using System.Net;
using System.Text.Json.Nodes;
using InterCoG.Soak;

namespace InterCoG.Tests.Web;

/// <summary>A real <c>intercog serve</c> started with a pixel cap of 0.5 megapixels and a 1 MiB upload cap beside the
/// engine flags (<c>--device cpu --profile fast --no-memory-arena</c>), models not preloaded: the limits given on the command line hold.</summary>
public sealed class LimitedServeProcessFixture : IAsyncLifetime
{
    public ServerProcess Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await ServerProcess.StartAsync(
        ["--no-preload", "--max-megapixels", "0.5", "--max-upload-mb", "1", "--device", "cpu", "--profile", "fast", "--no-memory-arena"]);

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>The serve command's limits reach the server: an upload over <c>--max-megapixels</c> is refused from its
/// header (no pixel decoded, no model needed), one over <c>--max-upload-mb</c> with 413, and neither leaves a file.</summary>
public sealed class ServeLimitsTests(LimitedServeProcessFixture fixture) : IClassFixture<LimitedServeProcessFixture>
{
    private ServerProcess Server => fixture.Server;

    private static MultipartFormDataContent Form(byte[] image, string instruction, string? fill = null)
    {
        var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(image), "image", "photo.jpg" },
            { new StringContent(instruction), "instruction" },
        };
        if (fill is not null) form.Add(new StringContent(fill), "fill");
        return form;
    }

    [Fact]
    public async Task An_upload_over_the_megapixel_limit_of_the_command_line_is_refused_before_decoding()
    {
        using var http = new HttpClient { BaseAddress = new Uri(Server.BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
        // the demo photo is 1024×664 = 0.68 megapixels (228 KB: under the upload cap)
        var response = await http.PostAsync("/api/edit", Form(Uploads.Photo("horses.jpg"), "make the horse on the right brown", "telea"));
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {body}");
        Assert.Contains("megapixels", body);
        Assert.Contains("limit of 0.5 megapixels", body);

        var health = JsonNode.Parse(await http.GetStringAsync("/healthz"))!;
        Assert.Equal(0, (int)health["in_flight"]!);
        Assert.False(Server.HasExited, $"the server ended with {Server.ExitCode}: {Server.Stderr}");
        Assert.Empty(Server.NewTempEntries());
    }

    [Fact]
    public async Task An_upload_over_the_size_limit_of_the_command_line_is_a_413()
    {
        const string boundary = "too-large-4321";
        byte[] body = Uploads.MultipartBody(boundary, "make the horse on the right brown", Uploads.LargeJpeg());
        Assert.True(body.Length > 1024 * 1024, $"{body.Length} bytes");
        using var raw = await RawHttp.ConnectAsync(Server.BaseUrl);
        await raw.SendHeadAsync("/api/edit", new Uri(Server.BaseUrl).Authority, body.Length, $"multipart/form-data; boundary={boundary}");
        await raw.TrySendAsync(body.AsMemory(0, 64 * 1024));
        var response = await raw.ReadResponseAsync(TimeSpan.FromSeconds(30));
        Assert.NotNull(response);
        Assert.True(response.Status == 413, $"{response.Status}: {response.Body}");
        Assert.False(Server.HasExited, $"the server ended with {Server.ExitCode}: {Server.Stderr}");
        Assert.Empty(Server.NewTempEntries());
    }
}
