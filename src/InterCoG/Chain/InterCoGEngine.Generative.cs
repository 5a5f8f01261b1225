using System.Diagnostics;
using InterCoG.Editing;
using InterCoG.Editing.Generative;
using InterCoG.Imaging;
using InterCoG.Perception;
using InterCoG.Programs;
using InterCoG.Tracing;
using InterCoG.Verify;
using OpenCvSharp;

namespace InterCoG.Chain;

// The generative operations' part of the chain: an add's place, the prompt as the rewrite, and the whole-image path
// (style, background, an add with no anchor), where the picture itself is the target.
public sealed partial class InterCoGEngine
{
    /// <summary>Provider of an edit step painted by a remote server.</summary>
    private const string RemoteProvider = "remote";

    /// <summary>A background edit keeps at most this many objects (the largest sure detections), each segmented.</summary>
    private const int MaxKeptObjects = 8;

    private readonly AddPlacer _placer = new();

    /// <summary>The generative backend that will run <paramref name="operation"/> in <paramref name="editor"/>, or null.</summary>
    private static GenerativeEditBackend? GenerativeFor(IEditBackend editor, string operation) => editor switch
    {
        GenerativeEditBackend g when g.Supports(operation) => g,
        CompositeEditBackend c => c.For(operation) is { } b ? GenerativeFor(b, operation) : null,
        _ => null,
    };

    /// <summary>Places an add's new object against <paramref name="anchor"/> (null: no anchor) and records it as a reason step.</summary>
    private AddPlacement PlaceAdd(EditRequest request, SceneEntity? anchor, Scene scene, LoadedImage image, Action<TraceStep> add)
    {
        var others = scene.Entities.Where(e => anchor is null || e.Id != anchor.Id).ToList();
        var placement = _placer.Place(EditOperation.From(request), anchor, others, new Size(image.Width, image.Height));
        var boxes = new List<TraceBox>();
        if (anchor is not null) boxes.Add(TraceBox.From(anchor.Id, anchor.Label, anchor.Score, anchor.Box, "anchor"));
        if (placement.Box is { } p) boxes.Add(PlacedBox(request, p));
        add(new TraceStep(Stages.Reason, placement.Text) { Boxes = boxes.Count > 0 ? boxes : null });
        return placement;
    }

    /// <summary>The placed box of an add as a trace box (id 0, the new object's class or noun, role "placed").</summary>
    private static TraceBox PlacedBox(EditRequest request, Box place) =>
        TraceBox.From(0, request.Arguments.GetValueOrDefault(ArgumentNames.ObjectCategory) ?? request.Arguments.GetValueOrDefault(ArgumentNames.ObjectNoun) ?? "object", 0, place, "placed");

    /// <summary>The rewrite of a generative edit: the outcome, the prompt it sends and the box that bounds the change.</summary>
    private static string GenerativeRewrite(GenerativeEditBackend g, EditRequest request, Mat bgr, Mat mask, SceneEntity target,
        IReadOnlyList<SceneEntity> targets, Scene scene, Box? place)
    {
        var op = EditOperation.From(request);
        var others = scene.Entities.Where(e => !targets.Any(t => t.Id == e.Id)).ToList();
        var prompt = g.Prompt(new EditContext(bgr, mask, op, target) { Others = others, Place = place, Targets = targets.Count > 1 ? targets : null });
        return GenerativeRewriter.Rewrite(op, targets, place, prompt, g.Name, g.Options.GrowFraction, bgr.Size());
    }

    /// <summary>A generative operation on the whole picture ("change the style to watercolor", "change the background to a
    /// beach", "add a hat"): detect (context for the prompt, the objects a background keeps), build the region (everything;
    /// everything but the objects; a free spot), rewrite, paint, verify.</summary>
    private ChainRun RunWholeImage(LoadedImage image, EditRequest request, IEditBackend editor, ChainRun run, Scene? early, double earlyDetectMs,
        Stopwatch total, Action<TraceStep> add)
    {
        var trace = run.Trace;
        var generative = GenerativeFor(editor, request.Operation) ?? throw new InvalidOperationException($"no generative backend runs '{request.Operation}'");
        var sw = Stopwatch.StartNew();
        var scene = early ?? Perceive(image.Bgr);
        double detectMs = early is null ? Ms(sw) : earlyDetectMs;
        trace.TimingsMs["detect"] = detectMs;
        float sure = _options.Reasoning.CandidateMinProb;
        add(new TraceStep(Stages.Detect, DescribeScene(scene, request.Target.Category, sure))
        {
            Boxes = scene.Entities.Select(e => TraceBox.From(e.Id, e.Label, e.Score, e.Box, e.Score >= sure ? null : "unsure")).ToList(),
            Ms = detectMs,
            Model = detector.Name,
            Provider = ProviderOf(detector),
        });

        var size = new Size(image.Width, image.Height);
        var whole = new SceneEntity(0, ReferringExpression.Image, 1f, new Box(0, 0, image.Width, image.Height), [], "", 0);
        var op = EditOperation.From(request);
        sw.Restart();
        Mat mask;
        List<SceneEntity> kept = [];
        string text;
        if (request.Operation == Operations.Background)
        {
            // the background is everything but the sure objects, each segmented in its box
            kept = scene.Entities.Where(e => e.Score >= sure).OrderByDescending(e => e.Area).ThenBy(e => e.Id).Take(MaxKeptObjects).ToList();
            using var keep = new Mat(size, MatType.CV_8UC1, Scalar.All(0));
            foreach (var e in kept)
            {
                using var m = segmenter.Segment(image.Bgr, e.Box);
                Cv2.BitwiseOr(keep, m.Mask, keep);
            }
            mask = new Mat();
            Cv2.BitwiseNot(keep, mask);
            text = kept.Count == 0
                ? "No sure object to keep: the background is the whole picture."
                : $"The background is everything but {kept.Count} object(s) ({string.Join(", ", kept.Select(e => $"#{e.Id} {e.Label}"))}), masks by {segmenter.Name}: {Cv2.CountNonZero(mask)} px to repaint.";
        }
        else
        {
            mask = new Mat(size, MatType.CV_8UC1, Scalar.All(255));
            text = "The whole picture is the target.";
        }
        run.TargetMask = mask;
        double maskMs = Ms(sw);
        trace.TimingsMs["mask"] = maskMs;
        trace.Target = TraceBox.From(whole.Id, whole.Label, whole.Score, whole.Box);
        add(new TraceStep(Stages.Ground, text)
        {
            Boxes = kept.Count > 0 ? kept.Select(e => TraceBox.From(e.Id, e.Label, e.Score, e.Box, "kept")).ToList() : null,
            Mask = CocoRle.Encode(mask),
            Ms = maskMs,
            Model = kept.Count > 0 ? segmenter.Name : null,
        });

        Box? place = null;
        if (request.Operation == Operations.Add)
        {
            var placement = PlaceAdd(request, null, scene, image, add);
            if (placement.Box is null)
            {
                trace.Status = ChainStatus.NotFound;
                trace.Message = placement.Text;
                trace.TimingsMs["total"] = Ms(total);
                return run;
            }
            place = placement.Box;
        }
        add(new TraceStep(Stages.Rewrite, GenerativeRewrite(generative, request, image.Bgr, mask, whole, [whole], scene, place)));

        sw.Restart();
        Dictionary<string, double>? editData;
        using (var edit = editor.Apply(new EditContext(image.Bgr, mask, op, whole) { Others = scene.Entities, Place = place }))
        {
            editData = edit.Data;
            run.Output = Compositor.Composite(image, edit.Edited, edit.Region, _options.FeatherPx);
            run.OutputBgr = ImageCodec.ToBgr8(run.Output);
            run.Region = edit.Region.Clone();
            double editMs = Ms(sw);
            trace.TimingsMs["edit"] = editMs;
            add(new TraceStep(Stages.Edit, edit.Text)
            {
                Ms = editMs, Mask = CocoRle.Encode(edit.Region), Data = edit.Data, Provider = RemoteProvider, Backend = edit.Backend,
                Boxes = place is { } p ? [PlacedBox(request, p)] : null,
            });
        }

        sw.Restart();
        var verify = _verifier.Verify(image.Bgr, run.OutputBgr, run.Region, op, [whole], mask, _options.FeatherPx,
            new VerifyExtras { EditData = editData, Scene = scene.Entities });
        double verifyMs = Ms(sw);
        trace.TimingsMs["verify"] = verifyMs;
        add(verify with { Ms = verifyMs, Provider = ProviderOf(detector) });
        trace.Status = ChainStatus.Edited;
        trace.TimingsMs["total"] = Ms(total);
        return run;
    }
}
