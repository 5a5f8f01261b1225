using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using InterCoG.Soak;
using InterCoG.Tests.TestSupport;

namespace InterCoG.Tests.Web;

/// <summary>Hostile and faulty requests against a real server on loopback: browser-facing headers, foreign Host names,
/// cross-site posts, cut and oversized multipart bodies, bodies that trickle. No model runs in these.</summary>
public sealed class StudioHardeningTests(StudioFixture server) : IClassFixture<StudioFixture>
{
    private string HostHeader => new Uri(server.BaseUrl).Authority;

    [Fact]
    public async Task The_studio_page_carries_a_content_security_policy_that_forbids_framing_and_inline_script()
    {
        var page = await server.Http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        string csp = string.Join(";", page.Headers.TryGetValues("Content-Security-Policy", out var v) ? v : []);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Contains("default-src 'none'", csp);
        Assert.Contains("script-src 'self'", csp);
        Assert.DoesNotContain("unsafe-inline", csp);
        Assert.DoesNotContain("unsafe-eval", csp);
        Assert.Equal("DENY", page.Headers.TryGetValues("X-Frame-Options", out var xfo) ? xfo.Single() : null);
        Assert.Equal("nosniff", page.Headers.TryGetValues("X-Content-Type-Options", out var nos) ? nos.Single() : null);
        // API answers carry nosniff too
        var health = await server.Http.GetAsync("/healthz");
        Assert.Equal("nosniff", health.Headers.TryGetValues("X-Content-Type-Options", out var n2) ? n2.Single() : null);
    }

    [Theory]
    [InlineData("evil.example")]
    [InlineData("evil.example:5000")]
    [InlineData("192.0.2.7")]
    public async Task A_foreign_host_header_is_refused(string host)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Host = host;
        var response = await server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain("InterCoG studio", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Loopback_host_names_are_served()
    {
        int port = new Uri(server.BaseUrl).Port;
        foreach (string host in new[] { $"127.0.0.1:{port}", $"localhost:{port}", "localhost" })
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/healthz");
            request.Headers.Host = host;
            var response = await server.Http.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"Host {host}: {(int)response.StatusCode}");
        }
    }

    private static HttpRequestMessage ParseRequest(string? origin, string? fetchSite = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/parse")
        {
            Content = new StringContent("{\"instruction\":\"make the cup on the left red\"}", Encoding.UTF8, "application/json"),
        };
        if (origin is not null) request.Headers.Add("Origin", origin);
        if (fetchSite is not null) request.Headers.Add("Sec-Fetch-Site", fetchSite);
        return request;
    }

    [Fact]
    public async Task A_cross_site_post_is_refused_and_same_origin_or_non_browser_posts_are_served()
    {
        var evil = await server.Http.SendAsync(ParseRequest("http://evil.example"));
        Assert.Equal(HttpStatusCode.Forbidden, evil.StatusCode);
        Assert.Equal("application/problem+json", evil.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(await evil.Content.ReadAsStringAsync())!;
        Assert.Equal(2, (int)problem["exit_code"]!);

        var otherPort = await server.Http.SendAsync(ParseRequest("http://127.0.0.1:1"));
        Assert.Equal(HttpStatusCode.Forbidden, otherPort.StatusCode);
        var nullOrigin = await server.Http.SendAsync(ParseRequest("null"));
        Assert.Equal(HttpStatusCode.Forbidden, nullOrigin.StatusCode);
        var crossSite = await server.Http.SendAsync(ParseRequest(null, "cross-site"));
        Assert.Equal(HttpStatusCode.Forbidden, crossSite.StatusCode);

        var same = await server.Http.SendAsync(ParseRequest(server.BaseUrl, "same-origin"));
        Assert.Equal(HttpStatusCode.OK, same.StatusCode);
        var curl = await server.Http.SendAsync(ParseRequest(null));
        Assert.Equal(HttpStatusCode.OK, curl.StatusCode);
    }

    [Fact]
    public async Task A_multipart_body_cut_before_its_closing_boundary_is_a_400()
    {
        const string boundary = "cut-boundary-1234";
        byte[] body = Uploads.CutBody(boundary, "make the horse brown", Uploads.Photo("horses.jpg"));
        using var raw = await RawHttp.ConnectAsync(server.BaseUrl);
        await raw.SendHeadAsync("/api/edit", HostHeader, body.Length, $"multipart/form-data; boundary={boundary}");
        await raw.SendAsync(body);
        var response = await raw.ReadResponseAsync(TimeSpan.FromSeconds(60));
        Assert.NotNull(response);
        Assert.True(response.Status == 400, $"{response.Status}: {response.Body}");
        Assert.Contains("problem+json", response.Header("Content-Type"));
        Assert.True(response.Body.Contains("closing boundary"), response.Body);
        await server.AssertHealthyAsync();
    }

    [Fact]
    public async Task A_20_MiB_form_field_is_refused_before_it_is_read_whole()
    {
        const string boundary = "big-field-5678";
        byte[] start = Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Disposition: form-data; name=\"instruction\"\r\n\r\n");
        long announced = start.Length + 20L * 1024 * 1024 + 64;
        using var raw = await RawHttp.ConnectAsync(server.BaseUrl);
        await raw.SendHeadAsync("/api/edit", HostHeader, announced, $"multipart/form-data; boundary={boundary}");
        await raw.SendAsync(start);
        await raw.TrySendAsync(Encoding.ASCII.GetBytes(new string('a', 256 * 1024)));
        // the rest (almost all of the 20 MiB) is never sent: a server that reads the field whole waits for it
        var response = await raw.ReadResponseAsync(TimeSpan.FromSeconds(30));
        Assert.NotNull(response);
        Assert.Equal(413, response.Status);
        Assert.Contains("instruction", response.Body);
        await server.AssertHealthyAsync();
    }

    [Fact]
    public async Task The_fill_field_is_held_to_the_field_limit_and_an_unknown_fill_is_a_400_before_any_run()
    {
        int limit = new InterCoG.Web.StudioOptions().MaxFieldBytes;
        MultipartFormDataContent Form(string fill) => new()
        {
            { new ByteArrayContent(Uploads.Photo("horses.jpg")), "image", "horses.jpg" },
            { new StringContent("remove the horse on the right"), "instruction" },
            { new StringContent(fill), "fill" },
        };
        var tooLong = await server.Http.PostAsync("/api/edit", Form(new string('m', limit + 1)));
        string body = await tooLong.Content.ReadAsStringAsync();
        Assert.True(tooLong.StatusCode == HttpStatusCode.RequestEntityTooLarge, $"{(int)tooLong.StatusCode}: {body}");
        Assert.Contains("'fill'", body);

        var unknown = await server.Http.PostAsync("/api/edit", Form("oil-paint"));
        body = await unknown.Content.ReadAsStringAsync();
        Assert.True(unknown.StatusCode == HttpStatusCode.BadRequest, $"{(int)unknown.StatusCode}: {body}");
        Assert.Contains("'fill' must be one of", body);
        await server.AssertHealthyAsync();
    }

    [Fact]
    public async Task A_body_that_trickles_is_cut_off_instead_of_being_waited_for()
    {
        const string boundary = "slow-body-9012";
        byte[] start = Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.jpg\"\r\n\r\n");
        using var raw = await RawHttp.ConnectAsync(server.BaseUrl);
        await raw.SendHeadAsync("/api/edit", HostHeader, start.Length + 4L * 1024 * 1024, $"multipart/form-data; boundary={boundary}");
        await raw.SendAsync(start);
        var sw = Stopwatch.StartNew();
        var piece = new byte[1024];
        // 2 KiB/s: faster than Kestrel's default minimum (240 B/s), far too slow for a 4 MiB photo
        while (sw.Elapsed < TimeSpan.FromSeconds(60) && !raw.Answered && await raw.TrySendAsync(piece))
            await Task.Delay(500);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(40), $"the server still waited for the body after {sw.Elapsed.TotalSeconds:0} s");
        await server.AssertHealthyAsync();
    }
}

/// <summary>Admission comes before decoding: when every slot is taken, an upload is refused (503) without its pixels
/// being decoded, so a burst of large photos cannot fill the memory.</summary>
[Collection(ModelCollection.Name)]
public sealed class StudioAdmissionTests(NoQueueStudioFixture server) : IClassFixture<NoQueueStudioFixture>
{
    [Fact]
    public async Task With_every_slot_taken_an_upload_is_refused_before_its_pixels_are_decoded()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/edit") { Content = StudioFixture.Form(Uploads.LargeJpeg(), "make the horse on the right brown") };
        request.Headers.Accept.ParseAdd("application/x-ndjson");
        using var running = await server.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var lines = new StreamReader(await running.Content.ReadAsStreamAsync());
        string? first = await lines.ReadLineAsync();
        Assert.Equal("accepted", (string?)JsonNode.Parse(first!)!["type"]);

        // a PNG whose header is fine but whose pixels cannot be decoded: decoding it would answer 400
        var (status, _, problem, response) = await server.PostAsync("/api/edit", StudioFixture.Form(Uploads.CorruptPixelsPng(), "make the horse brown", "x.png"));
        Assert.Equal(503, status);
        Assert.Equal("urn:intercog:problem:busy", (string?)problem["type"]);
        Assert.NotNull(response.Headers.RetryAfter);

        // the running edit finishes; its display images are scaled to 1600 px, its output keeps the upload's 4000
        var events = (await lines.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        using (var shown = InterCoG.Imaging.ImageCodec.Decode(await server.Http.GetByteArrayAsync((string)JsonNode.Parse(first!)!["input_url"]!), "input"))
            Assert.Equal(1600, shown.Width);
        var step = events.First(e => (string?)e["type"] == "step");
        using (var picture = InterCoG.Imaging.ImageCodec.Decode(await server.Http.GetByteArrayAsync((string)step["image_url"]!), "step"))
            Assert.Equal(1600, picture.Width);
        if (events[^1]["output_url"] is JsonValue output)
            using (var edited = InterCoG.Imaging.ImageCodec.Decode(await server.Http.GetByteArrayAsync((string)output!), "output"))
                Assert.Equal(4000, edited.Width);
        var (status2, _, problem2, _) = await server.PostAsync("/api/edit", StudioFixture.Form(Uploads.CorruptPixelsPng(), "make the horse brown", "x.png"));
        Assert.Equal(400, status2);
        Assert.Contains("corrupt PNG", (string?)problem2["detail"]);
    }
}

/// <summary>"Model missing" is not remembered: once the models are installed the running server uses them.</summary>
[Collection(ModelCollection.Name)]
public sealed class StudioModelRecoveryTests(ModelsLaterStudioFixture server) : IClassFixture<ModelsLaterStudioFixture>
{
    [Fact]
    public async Task A_model_installed_while_the_server_runs_is_used_without_a_restart()
    {
        byte[] horses = Uploads.Photo("horses.jpg");
        var (status, _, problem, _) = await server.PostAsync("/api/ground", StudioFixture.Form(horses, "the horse on the right"));
        Assert.Equal(503, status);
        Assert.Equal(5, (int)problem["exit_code"]!);
        Assert.Contains("models install", (string?)problem["detail"]);

        // install: the catalogued files of the default models folder, with their verification stamps
        string from = InterCoG.Models.ModelStore.Default.Folder;
        foreach (var spec in InterCoG.Models.ModelCatalog.All)
            foreach (string f in new[] { spec.Name, spec.Name + ".sha256" })
            {
                string src = Path.Combine(from, f), dst = Path.Combine(server.ModelsFolder, f);
                if (!File.Exists(src)) continue;
                File.Copy(src, dst);
                File.SetLastWriteTimeUtc(dst, File.GetLastWriteTimeUtc(src));
            }

        var (status2, _, body, _) = await server.PostAsync("/api/ground", StudioFixture.Form(horses, "the horse on the right"));
        Assert.Equal(200, status2);
        Assert.Equal("grounded", (string?)body["status"]);
        var health = JsonNode.Parse(await server.Http.GetStringAsync("/healthz"))!;
        Assert.True((bool)health["engine_loaded"]!);
    }
}
