using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using InterCoG.Imaging;
using InterCoG.Tests.TestSupport;

namespace InterCoG.Tests.Web;

/// <summary>The HTTP API against a real server on loopback, with the real models and photos.</summary>
[Collection(ModelCollection.Name)]
public sealed class StudioApiTests(StudioFixture server) : IClassFixture<StudioFixture>
{
    private static byte[] Horses => File.ReadAllBytes(TestPaths.Horses);

    [Fact]
    public async Task Healthz_and_the_studio_page_and_its_assets_are_served()
    {
        await server.AssertHealthyAsync();
        string html = await server.Http.GetStringAsync("/");
        Assert.Contains("InterCoG studio", html);
        Assert.Contains("/studio.js", html);
        Assert.DoesNotContain("//cdn", html, StringComparison.OrdinalIgnoreCase);
        var js = await server.Http.GetAsync("/studio.js");
        Assert.Equal("text/javascript", js.Content.Headers.ContentType?.MediaType);
        Assert.Contains("application/x-ndjson", await js.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_openapi_document_describes_every_endpoint()
    {
        var doc = JsonNode.Parse(await server.Http.GetStringAsync("/openapi/v1.json"))!;
        Assert.StartsWith("3.", (string?)doc["openapi"]);
        var paths = doc["paths"]!.AsObject().Select(p => p.Key).ToHashSet();
        foreach (var p in new[] { "/api/edit", "/api/ground", "/api/parse", "/api/models", "/healthz", "/api/jobs/{id}/{name}" })
            Assert.Contains(p, paths);
        Assert.NotNull(doc["paths"]!["/api/edit"]!["post"]!["responses"]!["409"]);
    }

    [Fact]
    public async Task The_fill_field_picks_the_removal_fill_and_an_unknown_one_is_a_400()
    {
        var form = StudioFixture.Form(Horses, "remove the horse on the right", "horses.jpg");
        form.Add(new StringContent("telea"), "fill");
        var (status, _, body, _) = await server.PostAsync("/api/edit", form);
        Assert.Equal(200, status);
        var edit = body["trace"]!["steps"]!.AsArray().Single(s => (string?)s!["stage"] == "edit")!;
        Assert.Equal("Telea", (string?)edit["model"]);

        var bad = StudioFixture.Form(Horses, "remove the horse on the right", "horses.jpg");
        bad.Add(new StringContent("lama"), "fill");
        var (badStatus, _, problem, _) = await server.PostAsync("/api/edit", bad);
        Assert.Equal(400, badStatus);
        Assert.Contains("migan", (string?)problem["detail"]);
    }

    [Fact]
    public async Task Edit_returns_the_trace_with_urls_and_the_output_and_mask_have_the_input_size()
    {
        var (status, type, body, _) = await server.PostAsync("/api/edit", StudioFixture.Form(Horses, "make the horse on the right brown", "horses.jpg"));
        Assert.Equal(200, status);
        Assert.Equal("application/json", type);
        Assert.Equal("edited", (string?)body["status"]);
        Assert.Equal(0, (int)body["exit_code"]!);
        string job = (string)body["job"]!;
        Assert.Matches("^[0-9a-f]{32}$", job);

        using var output = ImageCodec.Decode(await server.Http.GetByteArrayAsync((string)body["output_url"]!), "output");
        Assert.Equal((1024, 664), (output.Width, output.Height));
        using var mask = ImageCodec.Decode(await server.Http.GetByteArrayAsync((string)body["mask_url"]!), "mask");
        Assert.Equal((1024, 664), (mask.Width, mask.Height));

        var trace = body["trace"]!;
        var steps = trace["steps"]!.AsArray();
        var images = body["step_images"]!.AsArray();
        Assert.Equal(steps.Count, images.Count);
        Assert.Equal(["reason", "detect"], steps.Take(2).Select(s => (string)s!["stage"]!));
        Assert.Equal("verify", (string?)steps[^1]!["stage"]);
        for (int i = 0; i < images.Count; i++)
        {
            Assert.EndsWith($"step_{i + 1:00}_{(string)steps[i]!["stage"]!}.jpg", (string)images[i]!);
            using var step = ImageCodec.Decode(await server.Http.GetByteArrayAsync((string)images[i]!), "step");
            Assert.Equal(1024, step.Width);
        }
        var stored = JsonNode.Parse(await server.Http.GetStringAsync((string)body["trace_url"]!))!;
        Assert.Equal((string?)trace["target"]!["id"]!.ToString(), stored["target"]!["id"]!.ToString());
        Assert.Equal((string)body["output_url"]!, (string?)stored["outputs"]!["output"]);
    }

    [Fact]
    public async Task An_ambiguous_edit_is_a_409_problem_with_candidates_and_choose_finishes_it()
    {
        var (status, type, problem, _) = await server.PostAsync("/api/edit", StudioFixture.Form(Horses, "make the horse brown"));
        Assert.Equal(409, status);
        Assert.Equal("application/problem+json", type);
        Assert.Equal(3, (int)problem["exit_code"]!);
        Assert.Equal("ambiguous", (string?)problem["chain_status"]);
        Assert.Equal("urn:intercog:problem:ambiguous", (string?)problem["type"]);
        var candidates = problem["trace"]!["candidates"]!.AsArray();
        Assert.True(candidates.Count >= 2, $"expected several horses, got {candidates.Count}");
        Assert.Null(problem["output_url"]);

        int chosen = (int)candidates[^1]!["id"]!;
        var (status2, _, body, _) = await server.PostAsync("/api/edit", StudioFixture.Form(Horses, "make the horse brown", choose: chosen.ToString()));
        Assert.Equal(200, status2);
        Assert.Equal(chosen, (int)body["trace"]!["target"]!["id"]!);
        Assert.NotNull(body["output_url"]);

        var (status3, _, bad, _) = await server.PostAsync("/api/edit", StudioFixture.Form(Horses, "make the horse brown", choose: "9999"));
        Assert.Equal(400, status3);
        Assert.Contains("not one of the candidates", (string?)bad["detail"]);
    }

    [Fact]
    public async Task Streaming_sends_accepted_then_each_step_in_order_then_the_result()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/edit") { Content = StudioFixture.Form(Horses, "make the horse on the left brown") };
        request.Headers.Accept.ParseAdd("application/x-ndjson");
        using var response = await server.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal("accepted", (string?)lines[0]["type"]);
        Assert.Equal(1024, (int)lines[0]["width"]!);
        var steps = lines.Where(l => (string?)l["type"] == "step").ToList();
        Assert.Equal(Enumerable.Range(0, steps.Count), steps.Select(s => (int)s["index"]!));
        var last = lines[^1];
        Assert.Equal("result", (string?)last["type"]);
        var traceSteps = last["trace"]!["steps"]!.AsArray();
        Assert.Equal(traceSteps.Count, steps.Count);
        Assert.Equal(traceSteps.Select(s => (string)s!["stage"]!), steps.Select(s => (string)s["step"]!["stage"]!));
    }

    [Fact]
    public async Task Ground_finds_the_target_without_editing()
    {
        var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(Horses), "image", "horses.jpg" },
            { new StringContent("the horse on the right"), "expression" },
        };
        var (status, _, body, _) = await server.PostAsync("/api/ground", form);
        Assert.Equal(200, status);
        Assert.Equal("grounded", (string?)body["status"]);
        Assert.Null(body["output_url"]);
        Assert.NotNull(body["mask_url"]);
        Assert.DoesNotContain(body["trace"]!["steps"]!.AsArray(), s => (string?)s!["stage"] == "edit");
    }

    [Fact]
    public async Task Parse_answers_json_and_refuses_what_it_does_not_understand_with_a_problem()
    {
        var ok = await server.Http.PostAsync("/api/parse", new StringContent("{\"instruction\":\"make the cup on the left red\"}", Encoding.UTF8, "application/json"));
        var doc = JsonNode.Parse(await ok.Content.ReadAsStringAsync())!;
        Assert.Equal(200, (int)ok.StatusCode);
        Assert.Equal("recolor", (string?)doc["operation"]);
        Assert.Equal("cup", (string?)doc["target"]!["category"]);

        var bad = await server.Http.PostAsync("/api/parse", new StringContent("{\"instruction\":\"qwxz blorp\"}", Encoding.UTF8, "application/json"));
        Assert.Equal(400, (int)bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
        Assert.False((bool)JsonNode.Parse(await bad.Content.ReadAsStringAsync())!["parsed"]!);
    }

    [Fact]
    public async Task Models_lists_the_installed_models()
    {
        var models = JsonNode.Parse(await server.Http.GetStringAsync("/api/models"))!.AsArray();
        Assert.Contains(models, m => ((string)m!["name"]!).Contains("yolox", StringComparison.OrdinalIgnoreCase) && (bool)m["present"]!);
        Assert.All(models, m => Assert.Null(m!["path"])); // the server's file layout is not disclosed
    }

    [Fact]
    public async Task Job_files_are_reachable_only_by_their_exact_id_and_name()
    {
        var (_, _, body, _) = await server.PostAsync("/api/edit", StudioFixture.Form(Horses, "make the horse brown"));
        string job = (string)body["job"]!;
        Assert.Equal(200, (int)(await server.Http.GetAsync($"/api/jobs/{job}/input.jpg")).StatusCode);
        foreach (var url in new[]
        {
            $"/api/jobs/{new string('0', 32)}/input.jpg",         // unknown id
            $"/api/jobs/{job.ToUpperInvariant()}/input.jpg",     // not the canonical id
            $"/api/jobs/{job}/..%2F..%2Fetc%2Fpasswd",            // traversal is just an unknown name
            $"/api/jobs/{job}/output.png",                        // ambiguous: nothing was edited
        })
        {
            var r = await server.Http.GetAsync(url);
            Assert.True((int)r.StatusCode == 404, $"{url}: {(int)r.StatusCode}");
        }
    }

    // ---- malformed uploads: each a clear 4xx, and the server stays healthy ----

    [Fact]
    public async Task A_truncated_jpeg_is_refused_with_400()
    {
        var half = Horses[..(Horses.Length / 2)];
        var (status, type, problem, _) = await server.PostAsync("/api/edit", StudioFixture.Form(half, "make the horse brown"));
        Assert.Equal(400, status);
        Assert.Equal("application/problem+json", type);
        Assert.Equal(2, (int)problem["exit_code"]!);
        Assert.Contains("truncated JPEG", (string?)problem["detail"]);
        await server.AssertHealthyAsync();
    }

    [Fact]
    public async Task A_text_file_named_png_is_refused_with_400()
    {
        var (status, _, problem, _) = await server.PostAsync("/api/edit", StudioFixture.Form("hello, I am not a picture\n"u8.ToArray(), "make the horse brown", "photo.png"));
        Assert.Equal(400, status);
        Assert.Contains("not a PNG or JPEG", (string?)problem["detail"]);
        await server.AssertHealthyAsync();
    }

    [Fact]
    public async Task A_30000_by_30000_png_header_is_refused_before_decoding()
    {
        var (status, _, problem, _) = await server.PostAsync("/api/edit", StudioFixture.Form(BombPng(30000, 30000), "make the horse brown", "bomb.png"));
        Assert.Equal(400, status);
        Assert.Contains("decompression-bomb", (string?)problem["detail"]);
        Assert.Contains("30000x30000", (string?)problem["detail"]);
        await server.AssertHealthyAsync();
    }

    [Fact]
    public async Task An_empty_form_is_refused_with_400_and_no_form_at_all_with_415()
    {
        var (status, _, problem, _) = await server.PostAsync("/api/edit", new MultipartFormDataContent());
        Assert.Equal(400, status);
        Assert.Contains("'image'", (string?)problem["detail"]);
        var (status2, _, _, _) = await server.PostAsync("/api/edit", StudioFixture.Form(Horses, null));
        Assert.Equal(400, status2);
        var (status3, _, _, _) = await server.PostAsync("/api/edit", new StringContent("image=horses.jpg"));
        Assert.Equal(415, status3);
        await server.AssertHealthyAsync();
    }

    [Fact]
    public async Task A_2_MB_instruction_is_refused_with_413()
    {
        var (status, type, problem, _) = await server.PostAsync("/api/edit", StudioFixture.Form(Horses, new string('a', 2 * 1024 * 1024)));
        Assert.Equal(413, status);
        Assert.Equal("application/problem+json", type);
        Assert.Equal(2, (int)problem["exit_code"]!);
        var (status2, _, problem2, _) = await server.PostAsync("/api/edit", StudioFixture.Form(Horses, "make the horse brown " + new string('x', 600)));
        Assert.Equal(413, status2);
        Assert.Contains("limit is 500", (string?)problem2["detail"]);
        await server.AssertHealthyAsync();
    }

    /// <summary>A structurally complete PNG (IHDR, one IDAT, IEND) whose header declares <paramref name="w"/>×<paramref name="h"/>.</summary>
    internal static byte[] BombPng(int w, int h)
    {
        var ms = new MemoryStream();
        ms.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, w);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), h);
        ihdr[8] = 8; ihdr[9] = 2; // 8-bit RGB
        Chunk(ms, "IHDR", ihdr);
        Chunk(ms, "IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        Chunk(ms, "IEND", []);
        return ms.ToArray();
    }

    private static void Chunk(Stream s, string type, byte[] data)
    {
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(len, data.Length);
        s.Write(len);
        var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        s.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(len, Crc32(typed));
        s.Write(len);
    }

    private static uint Crc32(byte[] data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        }
        return ~crc;
    }
}

/// <summary>The bounded queue: beyond the running chain (no queue places here), requests get 503 with Retry-After.</summary>
[Collection(ModelCollection.Name)]
public sealed class StudioQueueTests(NoQueueStudioFixture server) : IClassFixture<NoQueueStudioFixture>
{
    [Fact]
    public async Task Concurrent_edits_beyond_the_bound_get_503_with_retry_after_and_the_rest_succeed()
    {
        byte[] horses = File.ReadAllBytes(TestPaths.Horses);
        // Four requests at once find the one engine slot taken. On a starved test machine the client may still send them
        // one after another, each after the previous run ended, so up to three rounds are tried; a server that never
        // refuses fails all three.
        var all = new List<(int Status, string? ContentType, JsonObject Body, HttpResponseMessage Response)>();
        List<(int Status, string? ContentType, JsonObject Body, HttpResponseMessage Response)> busy = [];
        for (int round = 0; round < 3 && busy.Count == 0; round++)
        {
            var tasks = Enumerable.Range(0, 4).Select(_ => server.PostAsync("/api/edit", StudioFixture.Form(horses, "make the horse on the right brown"))).ToList();
            var round1 = await Task.WhenAll(tasks);
            all.AddRange(round1);
            busy = round1.Where(r => r.Status == 503).ToList();
        }
        var results = all;
        Assert.Contains(results, r => r.Status == 200);
        Assert.NotEmpty(busy);
        foreach (var r in busy)
        {
            Assert.True(r.Response.Headers.RetryAfter?.Delta is { } d && d >= TimeSpan.FromSeconds(1), "503 without Retry-After");
            Assert.Equal("urn:intercog:problem:busy", (string?)r.Body["type"]);
        }
        Assert.All(results, r => Assert.True(r.Status is 200 or 503, $"unexpected {r.Status}"));
        await server.AssertHealthyAsync();
    }
}

/// <summary>The upload limit: a photo over it is 413 before anything is decoded.</summary>
public sealed class StudioUploadLimitTests(SmallUploadStudioFixture server) : IClassFixture<SmallUploadStudioFixture>
{
    [Fact]
    public async Task An_upload_over_the_limit_is_refused_with_413()
    {
        byte[] horses = File.ReadAllBytes(TestPaths.Horses); // 229 KB > 64 KiB
        var response = await server.Http.PostAsync("/api/edit", StudioFixture.Form(horses, "make the horse brown"));
        Assert.Equal(413, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        await server.AssertHealthyAsync();
    }
}

/// <summary>The per-request timeout: 504 problem; the run finishes in the background and then frees its slot.</summary>
[Collection(ModelCollection.Name)]
public sealed class StudioTimeoutTests(ImpatientStudioFixture server) : IClassFixture<ImpatientStudioFixture>
{
    [Fact]
    public async Task A_run_longer_than_the_timeout_is_a_504_problem_and_its_slot_is_freed_when_it_ends()
    {
        byte[] horses = File.ReadAllBytes(TestPaths.Horses);
        var (status, type, problem, _) = await server.PostAsync("/api/edit", StudioFixture.Form(horses, "make the horse on the right brown"));
        Assert.Equal(504, status);
        Assert.Equal("application/problem+json", type);
        Assert.Equal("urn:intercog:problem:timeout", (string?)problem["type"]);
        await server.AssertHealthyAsync();
        // the abandoned run still holds the engine until it ends; then nothing is in flight
        JsonNode? health = null;
        for (int i = 0; i < 600; i++)
        {
            health = JsonNode.Parse(await server.Http.GetStringAsync("/healthz"));
            if ((int)health!["in_flight"]! == 0) break;
            await Task.Delay(500);
        }
        Assert.Equal(0, (int)health!["in_flight"]!);
        Assert.Equal(1, (long)health["completed"]!);
    }
}
