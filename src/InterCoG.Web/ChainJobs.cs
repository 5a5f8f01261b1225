using System.Text.Json;
using System.Text.Json.Nodes;
using InterCoG.Chain;
using InterCoG.Imaging;
using OpenCvSharp;
using InterCoG.Tracing;

namespace InterCoG.Web;

/// <summary>An uploaded image, not yet decoded: its bytes and a plain name for messages.</summary>
public sealed record UploadedImage(byte[] Bytes, string Name);

/// <summary>What a chain request produced: its job (files), the trace and the envelope JSON the API returns.</summary>
public sealed record ChainJobResult(Job Job, ChainTrace Trace, int ExitCode, JsonObject Body);

/// <summary>Runs one chain request on the shared engine and keeps its files (input, step images, output, mask,
/// trace) in the job store; reports each step as it appears. No logic of its own: the engine decides everything.</summary>
public sealed class ChainJobs(StudioOptions options, ChainRunner runner, JobStore store)
{
    /// <summary>The JSON options of every API document (the trace's: snake_case, nulls left out).</summary>
    public static JsonSerializerOptions Json => ChainTrace.JsonOptions;

    /// <summary>A new job holding the (orientation-corrected) input as "input.jpg" for display (longest side at most
    /// <see cref="StudioOptions.DisplayMaxSide"/>).</summary>
    public Job Open(LoadedImage input)
    {
        var job = store.Create();
        job.Put("input.jpg", DisplayJpeg(input.Bgr, 92), "image/jpeg");
        return job;
    }

    /// <summary>JPEG bytes of <paramref name="bgr"/> scaled down (area interpolation) to fit <see cref="StudioOptions.DisplayMaxSide"/>.</summary>
    private byte[] DisplayJpeg(Mat bgr, int quality)
    {
        int longest = Math.Max(bgr.Cols, bgr.Rows), max = Math.Max(64, options.DisplayMaxSide);
        if (longest <= max) return ImageCodec.Encode(bgr, "jpeg", new SaveOptions { JpegQuality = quality });
        double f = (double)max / longest;
        using var small = new Mat();
        Cv2.Resize(bgr, small, new Size(Math.Max(1, (int)Math.Round(bgr.Cols * f)), Math.Max(1, (int)Math.Round(bgr.Rows * f))), 0, 0, InterpolationFlags.Area);
        return ImageCodec.Encode(small, "jpeg", new SaveOptions { JpegQuality = quality });
    }

    /// <summary>Runs the chain for <paramref name="instruction"/> on the uploaded <paramref name="image"/> once the runner
    /// admits it: the image is decoded (pixel limits of <see cref="StudioOptions.ImageLimits"/>) only when the engine is
    /// free, and a job is created only then, so refused requests never decode pixels or displace stored results.
    /// <paramref name="onEvent"/> hears, from the engine's thread, an "accepted" event and then each step with its
    /// illustration already stored. Edit and verify steps are illustrated on the output, so they are reported once the run
    /// has finished, still in order. The run owns every image it decodes or makes until it ends; once
    /// <paramref name="aborted"/> fires or the timeout passes it stops at its next stage boundary. <paramref name="fill"/>:
    /// how a removal fills its hole (null: the library's default); <paramref name="segmenter"/>: the request's segmenter (null: the server's).</summary>
    /// <param name="generative">The run's generative server (null: none).</param>
    public Task<ChainJobResult> RunAsync(Admission admission, UploadedImage image, string instruction, int? choose, bool groundOnly,
        Action<JsonObject>? onEvent, CancellationToken aborted, Editing.FillMethod? fill = null, Perception.Segmentation.SegmenterKind? segmenter = null,
        Editing.Generative.GenerativeSettings? generative = null) =>
        runner.RunAsync(admission, (engine, cancel) => Run(engine, image, instruction, choose, groundOnly, onEvent, fill, generative, cancel), aborted, segmenter);

    private ChainJobResult Run(InterCoGEngine engine, UploadedImage image, string instruction, int? choose, bool groundOnly,
        Action<JsonObject>? onStep, Editing.FillMethod? fill, Editing.Generative.GenerativeSettings? generative, CancellationToken cancel)
    {
        using var input = ImageCodec.Decode(image.Bytes, image.Name, options.ImageLimits);
        cancel.ThrowIfCancellationRequested();
        var job = Open(input);
        onStep?.Invoke(new JsonObject
        {
            ["type"] = "accepted", ["job"] = job.Id, ["input_url"] = job.Url("input.jpg"), ["width"] = input.Width, ["height"] = input.Height,
        });
        var stepUrls = new List<string>();
        var pending = new List<TraceStep>();
        bool deferring = false;
        void Publish(Mat basis, TraceStep step)
        {
            int index = stepUrls.Count;
            string name = $"step_{index + 1:00}_{step.Stage}.jpg";
            using (var img = TraceReport.RenderStep(basis, step))
                job.Put(name, DisplayJpeg(img, options.StepImageQuality), "image/jpeg");
            stepUrls.Add(job.Url(name));
            onStep?.Invoke(new JsonObject
            {
                ["type"] = "step",
                ["index"] = index,
                ["image_url"] = job.Url(name),
                ["step"] = JsonSerializer.SerializeToNode(step, Json),
            });
        }

        var runOptions = new ChainRunOptions
        {
            Choose = choose,
            GroundOnly = groundOnly,
            Cancellation = cancel,
            Generative = generative is null ? null : Editing.Generative.GenerativeBackends.Shared(generative),
            Fill = fill,
            OnStep = step =>
            {
                deferring |= step.Stage is Stages.Edit or Stages.Verify;
                if (deferring) pending.Add(step);
                else Publish(input.Bgr, step);
            },
        };
        using var run = new StepRunner(engine).Run(input, instruction, runOptions);
        var trace = run.Trace;
        cancel.ThrowIfCancellationRequested();
        foreach (var step in pending) Publish(run.OutputBgr ?? input.Bgr, step);
        // steps the engine did not stream (a refused instruction's reason step) are illustrated too
        for (int i = stepUrls.Count; i < trace.Steps.Count; i++) Publish(input.Bgr, trace.Steps[i]);

        var outputs = new Dictionary<string, string>();
        if (trace.Status == ChainStatus.Edited && run.Output is not null)
        {
            job.Put("output.png", ImageCodec.Encode(run.Output, "png"), "image/png");
            outputs["output"] = job.Url("output.png");
        }
        if ((run.Region ?? run.TargetMask) is { } mask)
        {
            job.Put("mask.png", ImageCodec.Encode(mask, "png"), "image/png");
            outputs["mask"] = job.Url("mask.png");
        }
        outputs["trace"] = job.Url("trace.json");
        trace.Outputs = outputs;
        string traceJson = trace.ToJson();
        job.Put("trace.json", System.Text.Encoding.UTF8.GetBytes(traceJson), "application/json");
        store.Trim();

        int exit = ChainOutcome.ExitCode(trace);
        var body = new JsonObject
        {
            ["job"] = job.Id,
            ["status"] = JsonSerializer.SerializeToNode(trace.Status, Json),
            ["exit_code"] = exit,
            ["message"] = trace.Message,
            ["input_url"] = job.Url("input.jpg"),
            ["output_url"] = outputs.GetValueOrDefault("output"),
            ["mask_url"] = outputs.GetValueOrDefault("mask"),
            ["trace_url"] = outputs["trace"],
            ["step_images"] = new JsonArray(stepUrls.Select(u => (JsonNode?)JsonValue.Create(u)).ToArray()),
            ["trace"] = JsonNode.Parse(traceJson),
        };
        return new ChainJobResult(job, trace, exit, body);
    }
}
