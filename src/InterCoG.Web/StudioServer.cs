using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using InterCoG.Chain;
using InterCoG.Imaging;
using InterCoG.Models;
using InterCoG.Reasoning;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace InterCoG.Web;

/// <summary>The InterCoG studio: an HTTP API over the chain (edit, ground, parse, models, health, OpenAPI) and the
/// studio page, served by one Kestrel process. A thin shell: it translates requests and responses, the engine decides.</summary>
public static partial class StudioServer
{
    /// <summary>Builds the server (not started). <paramref name="engine"/> supplies the shared engine on first use
    /// (default <see cref="EngineFactory.Shared"/> with <see cref="StudioOptions.Segmenter"/>); <paramref name="engineFor"/>
    /// the engine of a request that names a segmenter (default <see cref="EngineFactory.Shared(IReadOnlyList{string}, Perception.Segmentation.SegmenterKind?)"/>).</summary>
    public static WebApplication Build(StudioOptions options, Func<InterCoGEngine>? engine = null,
        Func<Perception.Segmentation.SegmenterKind, InterCoGEngine>? engineFor = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "InterCoG.Web", Args = [] });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls([.. options.Urls]);
        builder.WebHost.ConfigureKestrel(k =>
        {
            // the image plus the small fields and multipart framing
            k.Limits.MaxRequestBodySize = options.MaxUploadBytes + 256 * 1024;
            k.Limits.MinRequestBodyDataRate = new MinDataRate(options.MinBodyBytesPerSecond, TimeSpan.FromSeconds(5));
            k.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(options.HeadersTimeoutSeconds);
            k.Limits.MaxConcurrentConnections = options.MaxConnections;
            k.AddServerHeader = false;
        });
        // Only /api/parse reads a form this way (its body is capped at ParseBodyBytes): held in memory, never spilled to disk.
        builder.Services.Configure<FormOptions>(f =>
        {
            f.MultipartBodyLengthLimit = ParseBodyBytes;
            f.ValueLengthLimit = options.MaxFieldBytes;
            f.ValueCountLimit = options.MaxFormParts;
            f.KeyLengthLimit = 64;
            f.MemoryBufferThreshold = ParseBodyBytes;
            f.BufferBodyLengthLimit = ParseBodyBytes;
        });
        var allowedHosts = options.AllowedHosts ?? RequestPolicy.DefaultAllowedHosts(options.Urls);
        builder.Services.AddHostFiltering(h =>
        {
            h.AllowedHosts = [.. allowedHosts];
            h.IncludeFailureMessage = false;
        });
        builder.Services.AddProblemDetails();

        var runner = new ChainRunner(options, engine ?? (() => EngineFactory.Shared(null, options.Profile, options.Sessions, options.Segmenter)),
            engineFor ?? (kind => EngineFactory.Shared(null, options.Profile, options.Sessions, kind)));
        var store = new JobStore(options);
        var jobs = new ChainJobs(options, runner, store);
        builder.Services.AddSingleton(options).AddSingleton(runner).AddSingleton(store).AddSingleton(jobs);

        var app = builder.Build();
        if (allowedHosts.Contains("*") && !RequestPolicy.LoopbackOnly(options.Urls))
            app.Logger.LogWarning("serving any Host name on {Urls}: pass --allowed-hosts with the names clients use to refuse the rest", string.Join(", ", options.Urls));
        app.Use(async (http, next) =>
        {
            // before anything else, so that refusals (foreign Host included) carry them too
            RequestPolicy.AddSecurityHeaders(http.Response);
            await next(http);
        });
        app.UseHostFiltering();
        app.UseExceptionHandler();
        app.Use(async (http, next) =>
        {
            try
            {
                if (RequestPolicy.CrossSiteReason(http.Request) is { } why)
                    throw new ApiProblemException(403, ExitCodes.BadInput, "Cross-site request refused", why);
                await next(http);
            }
            catch (Exception e) when (http.RequestAborted.IsCancellationRequested && e is OperationCanceledException or IOException)
            {
                // the client is gone: nobody to answer
            }
            catch (Exception e) when (Problems.FromException(e) is { } p && !http.Response.HasStarted)
            {
                await Problems.WriteAsync(http, p.doc, p.retryAfter);
            }
        });

        foreach (var (route, resource, type) in StaticFiles)
            app.MapGet(route, () => Results.Bytes(Resource(resource), type));
        app.MapGet("/healthz", () => Results.Json(new JsonObject
        {
            ["status"] = "ok",
            ["engine_loaded"] = runner.EngineLoaded,
            ["in_flight"] = runner.InFlight,
            ["completed"] = runner.Completed,
            ["stored_jobs"] = store.Count,
            ["stored_bytes"] = store.Bytes,
        }, ChainJobs.Json));
        // as `intercog models list --json`, less the server's file paths
        app.MapGet("/api/models", () => Results.Json(ModelStore.Default.List().Select(m => new
        {
            m.Name, m.State, m.SizeBytes, m.Sha256Ok, m.Licence, m.Source, m.Present, m.Optional,
        }), ChainJobs.Json));
        app.MapGet("/api/generative", () => Results.Json(GenerativeDocument(options.Generative), ChainJobs.Json));
        app.MapPost("/api/parse", ParseAsync);
        app.MapPost("/api/edit", (HttpContext http) => ChainAsync(http, runner, jobs, options, groundOnly: false));
        app.MapPost("/api/ground", (HttpContext http) => ChainAsync(http, runner, jobs, options, groundOnly: true));
        app.MapGet("/api/jobs/{id}/{name}", (string id, string name) =>
        {
            if (!JobId().IsMatch(id) || store.Find(id) is not { } job || job.Get(name) is not { } file)
                return Results.Problem(statusCode: 404, title: "No such file", detail: "unknown or expired job, or no such file in it",
                    type: "urn:intercog:problem:no-such-job", extensions: new Dictionary<string, object?> { ["exit_code"] = ExitCodes.BadInput });
            return Results.Bytes(file.Bytes, file.ContentType);
        });

        if (options.Preload)
            app.Lifetime.ApplicationStarted.Register(() =>
                runner.StartPreload(e => app.Logger.LogWarning("models not loaded at start-up: {Message}", e.Message)));
        // runs in flight stop at their next stage boundary, so that the requests waiting on them are answered (503) and
        // the server's graceful stop does not wait for whole runs
        app.Lifetime.ApplicationStopping.Register(runner.BeginStop);
        return app;
    }

    /// <summary>Builds and runs the server until <paramref name="stop"/> is cancelled; <paramref name="started"/> hears
    /// the addresses actually bound (port 0 resolved); <paramref name="engine"/> as in <see cref="Build"/>.</summary>
    public static async Task RunAsync(StudioOptions options, Action<IReadOnlyList<string>>? started = null, CancellationToken stop = default,
        Func<InterCoGEngine>? engine = null, Func<Perception.Segmentation.SegmenterKind, InterCoGEngine>? engineFor = null)
    {
        await using var app = Build(options, engine, engineFor);
        await app.StartAsync(stop);
        started?.Invoke([.. app.Urls]);
        try { await Task.Delay(Timeout.Infinite, stop); }
        catch (OperationCanceledException) { }
        // stopping the app cancels the runs in flight first (ApplicationStopping → ChainRunner.BeginStop, in Build)
        using (var graceful = new CancellationTokenSource(StopRequestsTimeout))
            await app.StopAsync(graceful.Token);
        var runner = app.Services.GetRequiredService<ChainRunner>();
        // The preload and the runs work in ONNX Runtime and OpenCV: a process that exits while one of them is still in
        // native code has those libraries torn down beneath it and dies of a segfault. Wait until they have left it.
        int left = await runner.StopAsync(StopWorkTimeout);
        if (left > 0)
            app.Logger.LogWarning("{Count} model call(s) still running {Seconds:0} s after the stop; exiting anyway", left, StopWorkTimeout.TotalSeconds);
    }

    /// <summary>How long a stopping server waits for its open requests (each run in flight is cancelled first).</summary>
    public static readonly TimeSpan StopRequestsTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How long a stopping server then waits for its model calls in progress (the preload, a stage that is
    /// between two checks of its cancellation) to end. <c>intercog serve</c> gives its stop more than these two together.</summary>
    public static readonly TimeSpan StopWorkTimeout = TimeSpan.FromSeconds(20);

    private static readonly (string Route, string Resource, string Type)[] StaticFiles =
    [
        ("/", "studio/index.html", "text/html; charset=utf-8"),
        ("/studio.css", "studio/studio.css", "text/css; charset=utf-8"),
        ("/studio.js", "studio/studio.js", "text/javascript; charset=utf-8"),
        ("/openapi/v1.json", "studio/openapi.json", "application/json"),
    ];

    private static byte[] Resource(string name)
    {
        using var s = typeof(StudioServer).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded resource {name} is missing from {typeof(StudioServer).Assembly.GetName().Name}");
        using var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    }

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex JobId();

    /// <summary>Largest body of POST /api/parse, in bytes.</summary>
    private const int ParseBodyBytes = 64 * 1024;

    private static ApiProblemException Bad(string detail, int status = 400) => new(status, ExitCodes.BadInput, status == 413 ? "Request too large" : "Bad input", detail);

    /// <summary>POST /api/edit and /api/ground: multipart fields image, instruction (or expression), optional choose and
    /// fill (migan, telea, patch, shiftmap, fsr: how a removal fills its hole; absent, the library's default) and
    /// gen_backend, gen_url, gen_model (the generative server; absent, the studio's).
    /// With "Accept: application/x-ndjson" the answer streams one JSON object a line: accepted, each step, then result
    /// or problem. The request is admitted to the queue before its body is read (503 when full), the body must arrive
    /// within <see cref="StudioOptions.BodyTimeoutSeconds"/> (408), and the image is decoded only when its run starts.</summary>
    private static async Task ChainAsync(HttpContext http, ChainRunner runner, ChainJobs jobs, StudioOptions options, bool groundOnly)
    {
        if (!http.Request.HasFormContentType)
            throw Bad("expected a multipart/form-data body with the fields 'image' and 'instruction'", 415);
        using var admission = runner.Admit();
        ChainForm form;
        using (var body = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted))
        {
            body.CancelAfter(TimeSpan.FromSeconds(options.BodyTimeoutSeconds));
            try { form = await ChainForm.ReadAsync(http.Request, options, body.Token); }
            catch (OperationCanceledException) when (!http.RequestAborted.IsCancellationRequested)
            {
                http.Response.Headers.Connection = "close"; // the rest of the body is not waited for
                throw new ApiProblemException(408, ExitCodes.BadInput, "Request body timeout",
                    $"the request body did not arrive within {options.BodyTimeoutSeconds:0.#} s");
            }
        }
        var file = form.Image ?? throw Bad("the form has no 'image' file field");
        string? instruction = form.Field("instruction") ?? (groundOnly ? form.Field("expression") : null);
        if (string.IsNullOrWhiteSpace(instruction)) throw Bad("the form has no 'instruction' field (or it is empty)");
        if (instruction.Length > options.MaxInstructionChars)
            throw Bad($"the instruction is {instruction.Length} characters; the limit is {options.MaxInstructionChars}", 413);
        int? choose = null;
        if (form.Field("choose") is { Length: > 0 } c)
            choose = int.TryParse(c, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int id)
                ? id : throw Bad($"'choose' must be a candidate id (a non-negative integer), got '{Truncate(c)}'");
        Perception.Segmentation.SegmenterKind? segmenter = null;
        if (form.Field("segmenter") is { Length: > 0 } segName)
        {
            try { segmenter = Perception.Segmentation.SegmenterKinds.Parse(segName); }
            catch (InputException) { throw Bad($"unknown segmenter '{Truncate(segName)}'; known: {string.Join(", ", Perception.Segmentation.SegmenterKinds.Names)}"); }
        }
        Editing.FillMethod? fill = null;
        if (form.Field("fill") is { Length: > 0 } f)
            fill = Editing.FillMethods.Names.Contains(f.Trim().ToLowerInvariant()) ? Editing.FillMethods.Parse(f)
                : throw Bad($"'fill' must be one of {string.Join(", ", Editing.FillMethods.Names)}, got '{Truncate(f)}'");
        // the run's generative server: the studio's own, or one a request names (on loopback only; see GenerativeSettings.ForRequest)
        Editing.Generative.GenerativeSettings? generative;
        try
        {
            generative = Editing.Generative.GenerativeSettings.ForRequest(options.Generative,
                form.Field("gen_backend"), form.Field("gen_url"), form.Field("gen_model"));
        }
        catch (InputException e) { throw Bad(e.Message); }
        if (file.Length == 0) throw Bad("the uploaded image is empty (0 bytes)");

        // header checks (format, completeness, pixel count) run now, on the bytes; the pixels are decoded by the run
        var image = new UploadedImage(file, SafeName(form.ImageFileName));
        ImageCodec.CheckHeader(image.Bytes, image.Name, options.ImageLimits);
        bool stream = http.Request.Headers.Accept.Any(a => a?.Contains("application/x-ndjson", StringComparison.OrdinalIgnoreCase) == true);
        if (!stream)
        {
            var r = await jobs.RunAsync(admission, image, instruction, choose, groundOnly, null, http.RequestAborted, fill, segmenter, generative);
            if (r.ExitCode == 0) await Results.Json(r.Body, ChainJobs.Json).ExecuteAsync(http);
            else await Problems.WriteAsync(http, Problems.ForOutcome(r));
            return;
        }

        // streaming: events cross from the engine's thread through a channel, in order
        var events = Channel.CreateUnbounded<JsonObject>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var run = jobs.RunAsync(admission, image, instruction, choose, groundOnly, e => events.Writer.TryWrite(e), http.RequestAborted, fill, segmenter, generative);
        _ = run.ContinueWith(_ => events.Writer.TryComplete(), TaskScheduler.Default);
        await Task.WhenAny(run, events.Reader.WaitToReadAsync(http.RequestAborted).AsTask());
        if (run.IsFaulted && !events.Reader.TryPeek(out _)) await run; // refused before it started (bad image, timeout): a plain problem
        http.Response.StatusCode = 200;
        http.Response.ContentType = "application/x-ndjson; charset=utf-8";
        http.Response.Headers.CacheControl = "no-store";
        async Task Send(JsonObject o)
        {
            await http.Response.WriteAsync(o.ToJsonString(Compact) + "\n", http.RequestAborted);
            await http.Response.Body.FlushAsync(http.RequestAborted);
        }
        await foreach (var e in events.Reader.ReadAllAsync(http.RequestAborted)) await Send(e);
        try
        {
            var r = await run;
            var result = r.ExitCode == 0 ? (JsonObject)r.Body.DeepClone() : Problems.ForOutcome(r);
            if (r.ExitCode != 0) result["type_uri"] = result["type"]?.DeepClone();
            result["type"] = r.ExitCode == 0 ? "result" : "problem";
            await Send(result);
        }
        catch (Exception e) when (Problems.FromException(e) is { } p)
        {
            p.doc["type_uri"] = p.doc["type"]?.DeepClone();
            p.doc["type"] = "problem";
            await Send(p.doc);
        }
    }

    private static readonly JsonSerializerOptions Compact = new(ChainJobs.Json) { WriteIndented = false };

    /// <summary>GET /api/generative: the studio's generative server (never the key: only its variable's name and whether it is set).</summary>
    private static JsonObject GenerativeDocument(Editing.Generative.GenerativeSettings? g) => g is null
        ? new JsonObject { ["configured"] = false }
        : new JsonObject
        {
            ["configured"] = true,
            ["backend"] = g.KindName,
            ["url"] = g.Url.ToString(),
            ["model"] = g.EffectiveModel,
            ["key_variable"] = g.KeyVariable,
            ["key_set"] = g.KeyVariable is { } v && !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(v)),
            ["timeout_s"] = g.TimeoutSeconds,
        };

    /// <summary>POST /api/parse: form field or JSON member "instruction" → the parse document of <c>intercog parse --json</c>.</summary>
    private static async Task ParseAsync(HttpContext http, StudioOptions options)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = ParseBodyBytes;
        string? text;
        if (http.Request.HasFormContentType) text = (await http.Request.ReadFormAsync(http.RequestAborted))["instruction"].FirstOrDefault();
        else if (http.Request.HasJsonContentType())
        {
            JsonNode? node;
            try { node = await JsonNode.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted); }
            catch (JsonException e) { throw Bad($"the JSON body could not be read: {e.Message}"); }
            text = node is JsonObject o && o["instruction"] is JsonValue v && v.TryGetValue(out string? s) ? s : null;
        }
        else throw Bad("expected a form or a JSON body with the field 'instruction'", 415);
        if (string.IsNullOrWhiteSpace(text)) throw Bad("no 'instruction' given");
        if (text.Length > options.MaxInstructionChars)
            throw Bad($"the instruction is {text.Length} characters; the limit is {options.MaxInstructionChars}", 413);
        var r = new Reasoner(new ReasoningOptions()).Parse(text);
        var doc = new JsonObject
        {
            ["instruction"] = text,
            ["parsed"] = r.Parsed,
            ["operation"] = r.Request?.Operation,
            ["arguments"] = JsonSerializer.SerializeToNode(r.Request?.Arguments, ChainJobs.Json),
            ["target"] = JsonSerializer.SerializeToNode(r.Request?.Target, ChainJobs.Json),
            ["reason"] = r.Parsed ? null : r.Reason,
        };
        if (!r.Parsed) await Problems.WriteAsync(http, Problems.Document(400, ExitCodes.BadInput, "Instruction not understood", r.Reason ?? "not parsed", extra: doc));
        else await Results.Json(doc, ChainJobs.Json).ExecuteAsync(http);
    }

    /// <summary>The upload's file name reduced to a plain name for messages (never used as a path).</summary>
    private static string SafeName(string? fileName)
    {
        string n = Path.GetFileName(fileName ?? "");
        n = new string(n.Where(ch => char.IsLetterOrDigit(ch) || ch is '.' or '-' or '_' or ' ').Take(80).ToArray());
        return n.Length > 0 ? n : "upload";
    }

    private static string Truncate(string s) => s.Length <= 20 ? s : s[..20] + "…";
}
