using System.CommandLine;
using InterCoG.Web;

namespace InterCoG.Cli.Commands;

/// <summary><c>serve [--urls URL[;URL]] [--max-queue N] [--max-upload-mb MB] [--timeout-s S] [--max-megapixels MP]
/// [--body-timeout-s S] [--allowed-hosts H[;H]] [--no-memory-arena] [--device D] [--profile P] [--detector-model ONNX]…</c>: the web studio and
/// HTTP API until Ctrl+C. Only the flags the user set are forwarded; the defaults are <see cref="StudioOptions"/>'s.</summary>
public static class ServeCommand
{
    public static Command Build(CliContext ctx)
    {
        var urls = new Option<string?>("--urls") { Description = "Addresses to listen on, separated by ';' (default http://127.0.0.1:5000; port 0 picks a free one)." };
        var maxQueue = new Option<int?>("--max-queue") { Description = "Chain runs that may wait while one runs; beyond that, 503 with Retry-After." };
        var maxUpload = new Option<double?>("--max-upload-mb") { Description = "Largest accepted upload, in MiB." };
        var timeout = new Option<double?>("--timeout-s") { Description = "Longest a request may wait for its chain run, in seconds." };
        var maxStored = new Option<int?>("--max-stored-jobs") { Description = "Finished jobs whose files are kept for download (oldest dropped first)." };
        var noPreload = new Option<bool>("--no-preload") { Description = "Load the models on the first request instead of at start-up." };
        var maxMegapixels = new Option<double?>("--max-megapixels") { Description = "Largest accepted image, in megapixels (checked from the header before decoding)." };
        var bodyTimeout = new Option<double?>("--body-timeout-s") { Description = "Longest an upload may take to arrive, in seconds; then 408." };
        var noArena = new Option<bool>("--no-memory-arena") { Description = "Give ONNX Runtime's buffers back after each run (about 1 GB less resident between runs, runs about twice as slow on CPU)." };
        var allowedHosts = new Option<string?>("--allowed-hosts") { Description = "Host names served, separated by ';' (\"*\": any). Default: the loopback names when bound to loopback." };
        var cmd = new Command("serve", "Serve the web studio and the HTTP API (POST /api/edit, /api/ground, /api/parse; GET /api/models, /healthz).")
        {
            urls, maxQueue, maxUpload, timeout, maxStored, noPreload, maxMegapixels, bodyTimeout, allowedHosts, noArena,
        };
        var detectorModels = DetectorModelOption.AddTo(cmd);
        var segmenter = SegmenterOption.AddTo(cmd, "Segmenter of requests that name none (the API's 'segmenter' field): " + string.Join(", ", Perception.Segmentation.SegmenterKinds.Names) + ".");
        var engineOptions = EngineOptionsCli.AddTo(cmd);
        var generative = GenerativeOptionsCli.AddTo(cmd);
        cmd.SetAction(async (pr, stop) =>
        {
            var o = new StudioOptions { Profile = engineOptions.Profile(pr), Sessions = engineOptions.Sessions(pr) with { CpuMemoryArena = !pr.GetValue(noArena) }, Generative = generative.Read(pr) };
            if (pr.GetValue(urls) is { } u)
                o = o with { Urls = u.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) };
            if (pr.GetValue(maxQueue) is int q)
                o = q >= 0 ? o with { MaxQueuedJobs = q } : throw new InputException($"--max-queue must be 0 or more, got {q}");
            if (pr.GetValue(maxUpload) is double mb)
            {
                if (mb <= 0) throw new InputException($"--max-upload-mb must be positive, got {mb}");
                long bytes = (long)(mb * 1024 * 1024);
                o = o with { MaxUploadBytes = bytes, ImageLimits = o.ImageLimits with { MaxFileBytes = bytes } };
            }
            if (pr.GetValue(timeout) is double t)
                o = t > 0 ? o with { JobTimeoutSeconds = t } : throw new InputException($"--timeout-s must be positive, got {t}");
            if (pr.GetValue(maxStored) is int st)
                o = st >= 1 ? o with { MaxStoredJobs = st } : throw new InputException($"--max-stored-jobs must be 1 or more, got {st}");
            if (pr.GetValue(noPreload)) o = o with { Preload = false };
            if (pr.GetValue(maxMegapixels) is double mp)
                o = mp > 0 ? o with { ImageLimits = o.ImageLimits with { MaxPixels = (long)(mp * 1_000_000) } }
                    : throw new InputException($"--max-megapixels must be positive, got {mp}");
            if (pr.GetValue(bodyTimeout) is double bt)
                o = bt > 0 ? o with { BodyTimeoutSeconds = bt } : throw new InputException($"--body-timeout-s must be positive, got {bt}");
            if (pr.GetValue(allowedHosts) is { } hosts)
                o = o with { AllowedHosts = hosts.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) };
            if (SegmenterOption.Read(pr, segmenter) is { } kind) o = o with { Segmenter = kind };
            // refuse a missing user detector file before listening; the engine itself loads on the first request or at preload
            var detectors = Chain.EngineFactory.UserDetectorModels(DetectorModelOption.Read(pr, detectorModels));
            try
            {
                await StudioServer.RunAsync(o, bound =>
                {
                    foreach (var a in bound) ctx.Out.WriteLine($"InterCoG studio listening on {a}");
                    ctx.Out.WriteLine("Press Ctrl+C to stop.");
                    ctx.Out.Flush();
                }, stop, () => Chain.EngineFactory.Shared(detectors, o.Profile, o.Sessions, o.Segmenter), k => Chain.EngineFactory.Shared(detectors, o.Profile, o.Sessions, k));
            }
            catch (IOException e) // Kestrel reports a taken port as an IOException
            {
                throw new InputException($"cannot listen on {string.Join(", ", o.Urls)}: {e.Message}", e);
            }
            return 0;
        });
        return cmd;
    }
}
