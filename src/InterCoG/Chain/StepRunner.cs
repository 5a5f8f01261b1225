using InterCoG.Imaging;
using InterCoG.Programs;
using InterCoG.Reasoning;
using InterCoG.Tracing;
using OpenCvSharp;

namespace InterCoG.Chain;

/// <summary>Runs a request of several steps ("remove the cup and make the plate blue", one step a line): each step's
/// program through the engine, in order, on the running image. A one-step request is the engine's run, trace unchanged.</summary>
/// <remarks>The trace of several steps is one <see cref="ChainTrace"/>: <c>requests</c> holds every step's program,
/// <c>steps[]</c> every chain step with <c>step</c> (1-based) saying which request step it belongs to, <c>target</c> and
/// <c>request</c> are the last step's. A step that does not end edited (not found, ambiguous, unsupported …) stops the run:
/// <c>failed_step</c> names it, the status and message are its own prefixed with "step k of n", and nothing is output.</remarks>
public sealed class StepRunner(InterCoGEngine engine)
{
    /// <summary>Run <paramref name="instruction"/> on <paramref name="image"/> (never modified).</summary>
    public ChainRun Run(LoadedImage image, string instruction, ChainRunOptions? options = null)
    {
        options ??= new ChainRunOptions();
        // one step (the usual case) goes straight to the engine, which parses it once
        if (StepSplitter.Split(instruction).Count <= 1) return engine.Run(image, instruction, options);
        var program = engine.Reasoner.ParseProgram(instruction);
        if (options.Choose is not null) throw new InputException("--choose picks among one step's candidates: give the steps one at a time");
        var trace = new ChainTrace { Image = new TraceImage(image.Path, image.Width, image.Height, image.Sha256), Instruction = instruction };
        var result = new ChainRun { Trace = trace };
        int n = program.Steps.Count;
        if (program.FailedStep is int bad)
        {
            trace.Status = ChainStatus.Error;
            trace.FailedStep = bad;
            trace.Message = $"step {bad} of {n} ('{program.Texts[bad - 1]}') not understood: {program.Steps[bad - 1].Reason}";
            return result;
        }
        var requests = program.Steps.Select(s => s.Request!).ToList();
        trace.Requests = [];
        LoadedImage current = image;
        Mat? region = null;
        try
        {
            for (int k = 0; k < n; k++)
            {
                options.Cancellation.ThrowIfCancellationRequested();
                var request = Resolve(requests[k], trace.Requests);
                trace.Requests.Add(request);
                int step = k + 1;
                var stepOptions = options with { Request = request, OnStep = options.OnStep is { } on ? s => on(s with { Step = step }) : null };
                using var run = engine.Run(current, program.Texts[k], stepOptions);
                foreach (var s in run.Trace.Steps) trace.Add(s with { Step = step });
                foreach (var (key, ms) in run.Trace.TimingsMs) trace.TimingsMs[key] = trace.TimingsMs.GetValueOrDefault(key) + ms;
                trace.Request = request;
                trace.Target = run.Trace.Target;
                trace.Targets = run.Trace.Targets;
                bool done = run.Trace.Status == ChainStatus.Edited || run.Trace.Status == ChainStatus.Grounded && request.Operation == Operations.Ground;
                if (!done || run.Output is null && request.Operation != Operations.Ground)
                {
                    trace.Status = run.Trace.Status == ChainStatus.Edited ? ChainStatus.Error : run.Trace.Status;
                    trace.FailedStep = step;
                    trace.Message = $"step {step} of {n} ('{program.Texts[k]}'): {run.Trace.Message ?? run.Trace.Status.ToString().ToLowerInvariant()}; nothing was written";
                    trace.Candidates = run.Trace.Candidates;
                    region?.Dispose();
                    return result;
                }
                if (run.Region is { } r)
                {
                    if (region is null) region = r.Clone();
                    else Cv2.BitwiseOr(region, r, region);
                }
                if (run.Output is { } output && run.OutputBgr is { } bgr)
                {
                    var next = new LoadedImage(output.Clone(), bgr.Clone(), image.Path, image.Sha256, image.Format) { Metadata = image.Metadata };
                    if (!ReferenceEquals(current, image)) current.Dispose();
                    current = next;
                }
                if (k == n - 1 && run.TargetMask is { } mask) result.TargetMask = mask.Clone();
            }
            trace.Status = ChainStatus.Edited;
            if (!ReferenceEquals(current, image))
            {
                result.Output = current.Original.Clone();
                result.OutputBgr = current.Bgr.Clone();
            }
            result.Region = region;
            return result;
        }
        catch
        {
            region?.Dispose(); // a cancelled or failed step: the union of regions so far is nobody's
            throw;
        }
        finally
        {
            if (!ReferenceEquals(current, image)) current.Dispose();
        }
    }

    /// <summary>A step's program with references to earlier results replaced by what those steps left: "it" after "make
    /// the dog red" is the red dog; "the white dog" after "change the cat to a white dog" is a dog (white).</summary>
    public static EditRequest Resolve(EditRequest request, IReadOnlyList<EditRequest> earlier) =>
        request with { Target = Resolve(request.Target, earlier) };

    private static ReferringExpression Resolve(ReferringExpression e, IReadOnlyList<EditRequest> earlier)
    {
        Relation Anchors(Relation r) => r with
        {
            Anchor = Resolve(r.Anchor, earlier), SecondAnchor = r.SecondAnchor is { } b ? Resolve(b, earlier) : null,
        };
        if (e.Relation is { } r) e = e with { Relation = Anchors(r) };
        if (e.MoreRelations is { } more) e = e with { MoreRelations = [.. more.Select(Anchors)] };
        if (e.Step is not int k || k < 1 || k > earlier.Count) return e;
        var prev = earlier[k - 1];
        var a = prev.Arguments;
        var left = prev.Target;
        if (prev.Operation is Operations.Replace or Operations.Add && a.GetValueOrDefault(ArgumentNames.ObjectNoun) is string noun)
            left = new ReferringExpression
            {
                Category = a.GetValueOrDefault(ArgumentNames.ObjectCategory) ?? noun, Noun = noun,
                InVocabulary = a.ContainsKey(ArgumentNames.ObjectCategory), Color = ColorLexicon.Attribute(a.GetValueOrDefault(ArgumentNames.ObjectColor) ?? ""),
            };
        else if (prev.Operation == Operations.Recolor && a.GetValueOrDefault(ArgumentNames.Color) is string c)
            left = left with { Color = ColorLexicon.Attribute(c) ?? left.Color };
        return left with { Part = e.Part ?? left.Part, Step = k };
    }
}
