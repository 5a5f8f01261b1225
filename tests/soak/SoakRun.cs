using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace InterCoG.Soak;

/// <summary>Settings of a soak run.</summary>
public sealed record SoakOptions
{
    /// <summary>How long clients keep sending requests.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Concurrent clients, each sending one request after another.</summary>
    public int Clients { get; init; } = 6;

    /// <summary>Seed of every client's choice of requests.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>The server's flags: request timeout (504 beyond), queue places, upload body timeout (408 beyond).</summary>
    public IReadOnlyList<string> ServeArgs { get; init; } = ["--timeout-s", "30", "--max-queue", "3", "--body-timeout-s", "10"];

    /// <summary>The intercog tool's InterCoG.Cli.dll (null: <see cref="ServerProcess.FindCli"/>).</summary>
    public string? CliDll { get; init; }

    /// <summary>The resident-size bound the run must stay under, in bytes.</summary>
    public long RssBoundBytes { get; init; } = 3L * 1024 * 1024 * 1024;

    /// <summary>Where progress lines go (null: nowhere).</summary>
    public TextWriter? Log { get; init; }
}

/// <summary>What a soak run saw.</summary>
public sealed record SoakReport
{
    public required double Seconds { get; init; }
    /// <summary>Requests sent, by scenario, then by outcome: an HTTP status ("200"), "aborted" (the client dropped it on
    /// purpose), "closed" (the server closed the connection, where that is an accepted answer) or "error" (a transport
    /// failure nobody asked for).</summary>
    public required SortedDictionary<string, SortedDictionary<string, int>> Outcomes { get; init; }
    /// <summary>Answers outside what their scenario allows, with the first few described.</summary>
    public required int Unexpected { get; init; }
    public required IReadOnlyList<string> UnexpectedSamples { get; init; }
    /// <summary>Whether the server process ended during the run (a crash) and its exit code.</summary>
    public required bool Crashed { get; init; }
    public int? ExitCode { get; init; }
    public required long MaxRssBytes { get; init; }
    public required long PeakRssBytes { get; init; }
    public required long RssFirstMinuteMeanBytes { get; init; }
    public required long RssLastMinuteMeanBytes { get; init; }
    public required long RssBoundBytes { get; init; }
    public required IReadOnlyList<string> LeftoverTempFiles { get; init; }
    public required bool HealthyAtEnd { get; init; }
    public required long RunsCompleted { get; init; }
    /// <summary>Jobs and bytes in the server's result store at the end (bounded by its options).</summary>
    public long StoredJobs { get; init; }
    public long StoredBytes { get; init; }

    private IEnumerable<KeyValuePair<string, int>> All => Outcomes.Values.SelectMany(d => d);

    /// <summary>Requests answered with an HTTP status.</summary>
    public int Served => All.Where(kv => int.TryParse(kv.Key, out _)).Sum(kv => kv.Value);
    public int Status4xx => All.Where(kv => kv.Key.StartsWith('4')).Sum(kv => kv.Value);
    public int Status503 => All.Where(kv => kv.Key == "503").Sum(kv => kv.Value);
    public int Status504 => All.Where(kv => kv.Key == "504").Sum(kv => kv.Value);
    /// <summary>5xx answers other than 503 (busy, model missing) and 504 (timeout): errors.</summary>
    public int Other5xx => All.Where(kv => kv.Key.StartsWith('5') && kv.Key is not ("503" or "504")).Sum(kv => kv.Value);
    public int TransportErrors => All.Where(kv => kv.Key == "error").Sum(kv => kv.Value);
    public int Requests => All.Sum(kv => kv.Value);

    /// <summary>0 crashes, 0 5xx besides 503/504, 0 unexpected answers or transport errors, RSS under the bound, 0
    /// leftover temporary files (new since the server started), healthy at the end.</summary>
    public bool Passed => !Crashed && Other5xx == 0 && Unexpected == 0 && TransportErrors == 0 && MaxRssBytes <= RssBoundBytes
                          && PeakRssBytes <= RssBoundBytes && LeftoverTempFiles.Count == 0 && HealthyAtEnd;

    /// <summary>The summary the soak script prints.</summary>
    public string Format()
    {
        static string Mib(long b) => (b / 1048576.0).ToString("0", CultureInfo.InvariantCulture) + " MiB";
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"soak: {Requests} requests in {Seconds:0} s, {Served} answered with a status ({RunsCompleted} chain runs ended)");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  4xx {Status4xx} · 503 {Status503} · 504 {Status504} · other 5xx {Other5xx} · transport errors {TransportErrors} · unexpected {Unexpected}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  crashes {(Crashed ? 1 : 0)}{(Crashed ? $" (exit {ExitCode})" : "")} · healthy at the end {(HealthyAtEnd ? "yes" : "NO")}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  RSS max sampled {Mib(MaxRssBytes)}, peak (VmHWM) {Mib(PeakRssBytes)}, bound {Mib(RssBoundBytes)}; mean first minute {Mib(RssFirstMinuteMeanBytes)}, last minute {Mib(RssLastMinuteMeanBytes)}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  result store at the end: {StoredJobs} jobs, {Mib(StoredBytes)}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  leftover temporary files {LeftoverTempFiles.Count}{(LeftoverTempFiles.Count > 0 ? ": " + string.Join(", ", LeftoverTempFiles.Take(5)) : "")}");
        foreach (var (scenario, outcomes) in Outcomes)
            sb.AppendLine(CultureInfo.InvariantCulture, $"  {scenario,-15} {string.Join("  ", outcomes.Select(kv => $"{kv.Key}:{kv.Value}"))}");
        foreach (string u in UnexpectedSamples) sb.AppendLine("  unexpected: " + u);
        sb.Append(Passed ? "PASS" : "FAIL");
        return sb.ToString();
    }
}

/// <summary>The soak run: a real <c>intercog serve</c> process under mixed load and faults for a set time — edits of
/// small and large photos, streams the client drops, clients that give up, bodies cut short, stalled or oversized, a
/// 20 MiB form field, broken images, foreign Host names and cross-site posts — with its resident size sampled every
/// second; then its health, its temporary folder and whether it is still alive.</summary>
public static class SoakRun
{
    // photo and instruction pairs: most edit (200; the removal runs the default fill, MI-GAN when installed), "make the
    // horse brown" is ambiguous (409), and so is "make the cat red" (the detector sees two cats on the dog photo), the
    // bicycle and a horse among giraffes are not there (422)
    private static readonly (string Photo, string Instruction)[] Edits =
    [
        ("horses.jpg", "make the horse on the right brown"), ("horses.jpg", "make the horse brown"), ("dog.jpg", "make the dog green"),
        ("dog.jpg", "blur the bicycle"), ("horses.jpg", "pixelate the horse on the left"), ("giraffes.jpg", "make the horse darker"),
        ("giraffes.jpg", "make the giraffe on the left brighter"), ("dog.jpg", "make the cat red"), ("horses.jpg", "remove the horse on the left"),
    ];
    private static readonly string[] Instructions = [.. Edits.Select(e => e.Instruction)];

    private sealed record Scenario(string Name, int Weight, Func<Client, Task<string>> Run, string[] Allowed);

    private static readonly Scenario[] Scenarios =
    [
        new("edit", 5, c => c.EditAsync(large: false), ["200", "409", "422", "503", "504"]),
        new("edit-large", 2, c => c.EditAsync(large: true), ["200", "409", "422", "503", "504"]),
        new("ground", 2, c => c.GroundAsync(), ["200", "409", "422", "503", "504"]),
        new("stream", 1, c => c.StreamAsync(abort: false), ["200", "409", "422", "503", "504"]),
        // the client drops the stream 0.3-3.3 s in: a run that ends before that (an ambiguous or absent target is found
        // early) streams its problem first
        new("stream-abort", 2, c => c.StreamAsync(abort: true), ["aborted", "200", "409", "422", "503", "504"]),
        new("client-gives-up", 1, c => c.GiveUpAsync(), ["aborted", "200", "409", "422", "503", "504"]),
        new("cut-body", 1, c => c.CutBodyAsync(), ["400", "503"]),
        new("stalled-body", 1, c => c.StalledBodyAsync(), ["408", "400", "503", "closed"]),
        new("oversized", 1, c => c.OversizedAsync(), ["413", "503", "closed"]),
        new("big-field", 1, c => c.BigFieldAsync(), ["413", "503", "closed"]),
        // a header-valid PNG whose pixels do not decode is decoded only when its run starts: queued long enough, 504
        new("bad-image", 2, c => c.BadImageAsync(), ["400", "503", "504"]),
        new("parse", 1, c => c.ParseAsync(), ["200", "400"]),
        new("foreign-host", 1, c => c.ForeignHostAsync(), ["400"]),
        new("cross-site", 1, c => c.CrossSiteAsync(), ["403"]),
        new("read", 1, c => c.ReadAsync(), ["200", "404"]),
    ];

    /// <summary>Runs the soak against a fresh server process and returns what it saw.</summary>
    public static async Task<SoakReport> RunAsync(SoakOptions options)
    {
        var log = options.Log ?? TextWriter.Null;
        var sw = Stopwatch.StartNew();
        await using var server = await ServerProcess.StartAsync(options.ServeArgs, options.CliDll);
        log.WriteLine($"soak: server {server.BaseUrl} (pid {server.Pid}) up after {sw.Elapsed.TotalSeconds:0} s; {options.Clients} clients for {options.Duration.TotalSeconds:0} s");
        _ = Uploads.LargeJpeg(); // made once, before the clock starts

        var samples = new List<(double T, long Rss)>();
        using var stop = new CancellationTokenSource();
        var start = Stopwatch.StartNew();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested && !server.HasExited)
            {
                if (server.Memory() is { } m) lock (samples) samples.Add((start.Elapsed.TotalSeconds, m.Rss));
                try { await Task.Delay(1000, stop.Token); } catch (OperationCanceledException) { }
            }
        });

        var outcomes = new SortedDictionary<string, SortedDictionary<string, int>>(StringComparer.Ordinal);
        var unexpected = new List<string>();
        int unexpectedCount = 0;
        using var endOfRun = new CancellationTokenSource(options.Duration);
        var clients = Enumerable.Range(0, options.Clients).Select(k => Task.Run(async () =>
        {
            var rng = new Random(options.Seed * 1000 + k);
            using var client = new Client(server.BaseUrl, rng, endOfRun.Token);
            int total = Scenarios.Sum(s => s.Weight);
            while (!endOfRun.IsCancellationRequested && !server.HasExited)
            {
                int pick = rng.Next(total);
                var scenario = Scenarios.First(s => (pick -= s.Weight) < 0);
                string outcome;
                try { outcome = await scenario.Run(client); }
                catch (OperationCanceledException) when (endOfRun.IsCancellationRequested) { outcome = "aborted"; } // the run's end cut it
                catch (Exception e) when (e is HttpRequestException or IOException or SocketException or OperationCanceledException)
                {
                    outcome = "error";
                    lock (unexpected) if (unexpected.Count < 8) unexpected.Add($"{scenario.Name}: {e.GetType().Name}: {e.Message}");
                }
                lock (outcomes)
                {
                    if (!outcomes.TryGetValue(scenario.Name, out var byOutcome)) outcomes[scenario.Name] = byOutcome = new(StringComparer.Ordinal);
                    byOutcome[outcome] = byOutcome.GetValueOrDefault(outcome) + 1;
                    if (outcome != "error" && !scenario.Allowed.Contains(outcome) && !(outcome == "aborted" && endOfRun.IsCancellationRequested))
                    {
                        unexpectedCount++;
                        if (unexpected.Count < 8) unexpected.Add($"{scenario.Name}: {outcome} ({client.LastDetail})");
                    }
                }
            }
        })).ToList();

        var progress = Task.Run(async () =>
        {
            while (!endOfRun.IsCancellationRequested && !server.HasExited)
            {
                try { await Task.Delay(TimeSpan.FromSeconds(30), endOfRun.Token); } catch (OperationCanceledException) { break; }
                int n; lock (outcomes) n = outcomes.Values.Sum(d => d.Values.Sum());
                long rss = server.Memory()?.Rss ?? 0;
                log.WriteLine($"soak: {start.Elapsed.TotalSeconds:0} s, {n} requests, RSS {rss / 1048576} MiB");
            }
        });
        await Task.WhenAll(clients);
        await progress;
        double seconds = start.Elapsed.TotalSeconds;

        // the runs the last requests started are cancelled (their requests are gone) and end at their next stage
        bool healthy = false;
        long completed = 0, storedJobs = 0, storedBytes = 0;
        using (var http = new HttpClient { BaseAddress = new Uri(server.BaseUrl), Timeout = TimeSpan.FromSeconds(30) })
        {
            var quietBy = DateTime.UtcNow + TimeSpan.FromMinutes(3);
            while (!server.HasExited && DateTime.UtcNow < quietBy)
            {
                try
                {
                    var health = JsonNode.Parse(await http.GetStringAsync("/healthz"))!;
                    completed = (long)health["completed"]!;
                    storedJobs = (long)health["stored_jobs"]!;
                    storedBytes = (long?)health["stored_bytes"] ?? 0;
                    healthy = (string?)health["status"] == "ok";
                    if ((int)health["in_flight"]! == 0) break;
                }
                catch (HttpRequestException) { healthy = false; }
                await Task.Delay(500);
            }
        }
        await stop.CancelAsync();
        await sampler;
        var memory = server.Memory();
        var leftovers = server.NewTempEntries();
        bool crashed = server.HasExited;
        List<(double T, long Rss)> series;
        lock (samples) series = [.. samples];
        long Mean(IEnumerable<(double T, long Rss)> xs) => xs.Any() ? (long)xs.Average(x => x.Rss) : 0;
        double last = series.Count > 0 ? series[^1].T : 0;
        var report = new SoakReport
        {
            Seconds = seconds,
            Outcomes = outcomes,
            Unexpected = unexpectedCount,
            UnexpectedSamples = unexpected,
            Crashed = crashed,
            ExitCode = server.ExitCode,
            MaxRssBytes = series.Count > 0 ? series.Max(s => s.Rss) : 0,
            PeakRssBytes = memory?.Peak ?? 0,
            RssFirstMinuteMeanBytes = Mean(series.Where(s => s.T < 60)),
            RssLastMinuteMeanBytes = Mean(series.Where(s => s.T > last - 60)),
            RssBoundBytes = options.RssBoundBytes,
            LeftoverTempFiles = leftovers,
            HealthyAtEnd = healthy && !crashed,
            RunsCompleted = completed,
            StoredJobs = storedJobs,
            StoredBytes = storedBytes,
        };
        if (crashed) log.WriteLine($"soak: the server ended with {server.ExitCode}: {server.Stderr}");
        return report;
    }

    /// <summary>One client: an HttpClient for well-formed requests and raw sockets for the faulty ones.</summary>
    private sealed class Client(string baseUrl, Random rng, CancellationToken end) : IDisposable
    {
        private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
        {
            BaseAddress = new Uri(baseUrl), Timeout = Timeout.InfiniteTimeSpan,
        };
        private readonly Uri _base = new(baseUrl);
        private string? _lastJob;

        /// <summary>A word on the last answer (for unexpected ones).</summary>
        public string LastDetail { get; private set; } = "";

        private T Pick<T>(IReadOnlyList<T> items) => items[rng.Next(items.Count)];

        private MultipartFormDataContent Form(byte[] image, string instruction, string field = "instruction")
        {
            var part = new ByteArrayContent(image);
            part.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
            return new MultipartFormDataContent { { part, "image", "photo.jpg" }, { new StringContent(instruction), field } };
        }

        private async Task<string> Answer(HttpResponseMessage response)
        {
            string body = await response.Content.ReadAsStringAsync(end);
            LastDetail = body.Length > 160 ? body[..160] : body;
            if ((int)response.StatusCode == 200 && body.StartsWith('{'))
            {
                try { if (JsonNode.Parse(body)?["job"] is JsonValue j) _lastJob = (string?)j; } catch (System.Text.Json.JsonException) { }
            }
            if ((int)response.StatusCode == 503) await BackOffAsync(response.Headers.RetryAfter?.Delta);
            return ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
        }

        // A client that reads Retry-After waits a little (capped: the soak wants pressure, not politeness).
        private async Task BackOffAsync(TimeSpan? retryAfter)
        {
            double ms = Math.Min((retryAfter ?? TimeSpan.FromSeconds(1)).TotalMilliseconds, 250 + rng.Next(1750));
            try { await Task.Delay(TimeSpan.FromMilliseconds(ms), end); }
            catch (OperationCanceledException) { }
        }

        public async Task<string> EditAsync(bool large)
        {
            var (photo, instruction) = large ? ("horses.jpg", "make the horse on the right brown") : Pick(Edits);
            byte[] image = large ? Uploads.LargeJpeg() : Uploads.Photo(photo);
            using var response = await _http.PostAsync("/api/edit", Form(image, instruction), end);
            return await Answer(response);
        }

        public async Task<string> GroundAsync()
        {
            using var response = await _http.PostAsync("/api/ground", Form(Uploads.Photo("horses.jpg"), "the horse on the left", "expression"), end);
            return await Answer(response);
        }

        public async Task<string> StreamAsync(bool abort)
        {
            var (photo, instruction) = Pick(Edits);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/edit") { Content = Form(Uploads.Photo(photo), instruction) };
            request.Headers.Accept.ParseAdd("application/x-ndjson");
            using var drop = CancellationTokenSource.CreateLinkedTokenSource(end);
            if (abort) drop.CancelAfter(TimeSpan.FromMilliseconds(300 + rng.Next(3000)));
            try
            {
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, drop.Token);
                if (response.Content.Headers.ContentType?.MediaType != "application/x-ndjson") return await Answer(response);
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(drop.Token));
                string? last = null;
                while (await reader.ReadLineAsync(drop.Token) is { } line) last = line;
                var final = last is null ? null : JsonNode.Parse(last);
                LastDetail = last is null ? "(empty stream)" : last[..Math.Min(160, last.Length)];
                return (string?)final?["type"] == "result" ? "200" : final?["status"]?.ToString() ?? "stream-without-end";
            }
            catch (OperationCanceledException) when (abort && !end.IsCancellationRequested)
            {
                return "aborted";
            }
        }

        public async Task<string> GiveUpAsync()
        {
            using var drop = CancellationTokenSource.CreateLinkedTokenSource(end);
            drop.CancelAfter(TimeSpan.FromMilliseconds(500 + rng.Next(2500)));
            try
            {
                using var response = await _http.PostAsync("/api/edit", Form(Uploads.LargeJpeg(), Pick(Instructions)), drop.Token);
                return await Answer(response);
            }
            catch (OperationCanceledException) when (!end.IsCancellationRequested)
            {
                return "aborted";
            }
        }

        private Task<RawHttp> RawAsync() => RawHttp.ConnectAsync(baseUrl, end);

        private string Host => _base.Authority;

        public async Task<string> CutBodyAsync()
        {
            const string boundary = "soak-cut";
            byte[] body = Uploads.CutBody(boundary, Pick(Instructions), Uploads.Photo(Pick(Edits).Photo));
            using var raw = await RawAsync();
            await raw.SendHeadAsync("/api/edit", Host, body.Length, $"multipart/form-data; boundary={boundary}");
            await raw.TrySendAsync(body);
            return await NoteAsync(await raw.ReadStatusAsync(TimeSpan.FromSeconds(60)));
        }

        public async Task<string> StalledBodyAsync()
        {
            const string boundary = "soak-stall";
            byte[] body = Uploads.MultipartBody(boundary, Pick(Instructions), Uploads.Photo(Pick(Edits).Photo));
            using var raw = await RawAsync();
            await raw.SendHeadAsync("/api/edit", Host, body.Length, $"multipart/form-data; boundary={boundary}");
            await raw.TrySendAsync(body.AsMemory(0, body.Length / 2));
            return await NoteAsync(await raw.ReadStatusAsync(TimeSpan.FromSeconds(90)));
        }

        public async Task<string> OversizedAsync()
        {
            const string boundary = "soak-big";
            byte[] head = Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.jpg\"\r\n\r\n");
            using var raw = await RawAsync();
            await raw.SendHeadAsync("/api/edit", Host, head.Length + 200L * 1024 * 1024, $"multipart/form-data; boundary={boundary}");
            await raw.TrySendAsync(head);
            await raw.TrySendAsync(new byte[256 * 1024]);
            return await NoteAsync(await raw.ReadStatusAsync(TimeSpan.FromSeconds(60)));
        }

        public async Task<string> BigFieldAsync()
        {
            const string boundary = "soak-field";
            byte[] head = Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Disposition: form-data; name=\"instruction\"\r\n\r\n");
            using var raw = await RawAsync();
            await raw.SendHeadAsync("/api/edit", Host, head.Length + 20L * 1024 * 1024, $"multipart/form-data; boundary={boundary}");
            await raw.TrySendAsync(head);
            await raw.TrySendAsync(Encoding.ASCII.GetBytes(new string('x', 128 * 1024)));
            return await NoteAsync(await raw.ReadStatusAsync(TimeSpan.FromSeconds(60)));
        }

        private async Task<string> NoteAsync(string outcome)
        {
            LastDetail = outcome;
            if (outcome == "503") await BackOffAsync(null);
            return outcome;
        }

        public async Task<string> BadImageAsync()
        {
            byte[] horses = Uploads.Photo("horses.jpg");
            byte[] image = rng.Next(4) switch
            {
                0 => horses[..(horses.Length / 2)],
                1 => Encoding.ASCII.GetBytes("not an image at all\n"),
                2 => Uploads.BombPng(30000, 30000),
                _ => Uploads.CorruptPixelsPng(),
            };
            using var response = await _http.PostAsync("/api/edit", Form(image, "make the horse brown"), end);
            return await Answer(response);
        }

        public async Task<string> ParseAsync()
        {
            string text = rng.Next(3) == 0 ? "qwxz blorp" : Pick(Instructions);
            using var response = await _http.PostAsync("/api/parse", new StringContent(new JsonObject { ["instruction"] = text }.ToJsonString(), Encoding.UTF8, "application/json"), end);
            return await Answer(response);
        }

        public async Task<string> ForeignHostAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/");
            request.Headers.Host = "rebind.example:" + _base.Port.ToString(CultureInfo.InvariantCulture);
            using var response = await _http.SendAsync(request, end);
            return await Answer(response);
        }

        public async Task<string> CrossSiteAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/edit") { Content = Form(Uploads.Photo("dog.jpg"), "make the dog green") };
            request.Headers.Add("Origin", "http://attacker.example");
            using var response = await _http.SendAsync(request, end);
            return await Answer(response);
        }

        public async Task<string> ReadAsync()
        {
            string path = rng.Next(3) switch
            {
                0 => "/healthz",
                1 => "/",
                _ => _lastJob is null ? "/api/models" : $"/api/jobs/{_lastJob}/input.jpg",
            };
            using var response = await _http.GetAsync(path, end);
            return await Answer(response);
        }

        public void Dispose() => _http.Dispose();
    }
}
