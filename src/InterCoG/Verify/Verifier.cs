using InterCoG.Chain;
using InterCoG.Editing;
using InterCoG.Imaging;
using InterCoG.Perception;
using InterCoG.Reasoning;
using OpenCvSharp;

namespace InterCoG.Verify;

/// <summary>Thresholds of the verify stage.</summary>
public sealed record VerifyOptions
{
    /// <summary>A recolor to a chromatic colour passes when the achieved mean hue (CIELAB) is within this many degrees of the target's.</summary>
    public double HueToleranceDeg { get; init; } = 30;
    /// <summary>Target colours with less CIELAB chroma than this are achromatic (white, grey, black): checked by lightness and low chroma.</summary>
    public double AchromaticChroma { get; init; } = 12;
    /// <summary>For achromatic targets: allowed |L − L_target| (CIELAB L, 0..100).</summary>
    public double LightnessTolerance { get; init; } = 25;
    /// <summary>For achromatic targets: the achieved mean chroma must stay below this.</summary>
    public double AchievedMaxChroma { get; init; } = 15;
    /// <summary>A chromatic recolor must reach at least this fraction of the target colour's chroma.</summary>
    public double MinChromaFraction { get; init; } = 0.35;
    /// <summary>After a removal, a detection of the same category overlapping the old box by at least this IoU means the object is still there.</summary>
    public float RemovedMaxIou { get; init; } = 0.5f;
    /// <summary>Probability of the category above which a re-detected box counts as that category.</summary>
    public float CategoryMinProb { get; init; } = 0.3f;
    /// <summary>Re-detection runs on a crop around the target padded by this fraction of the box (plus 32 px).</summary>
    public float CropPadFraction { get; init; } = 0.5f;
}

/// <summary>The paper's grounding reconstruction at inference: after the edit, look again and check the outcome the
/// rewrite promised, and that nothing outside the edited region (plus the feather band) changed.</summary>
public sealed class Verifier(IDetector detector, VerifyOptions? options = null)
{
    private readonly VerifyOptions _o = options ?? new VerifyOptions();

    /// <summary>Check <paramref name="outputBgr"/> against <paramref name="inputBgr"/>; returns the verify step (Ok set, numbers in Data).</summary>
    public TraceStep Verify(Mat inputBgr, Mat outputBgr, Mat region, EditRequest request, IReadOnlyList<SceneEntity> targets, Mat targetMask, int featherPx)
    {
        var data = new Dictionary<string, double>();
        long outside = ChangedOutsideBand(inputBgr, outputBgr, region, featherPx);
        data["changed_outside_band"] = outside;
        bool untouched = outside == 0;
        string rest = untouched ? "no pixel outside the edited region's band changed" : $"{outside} pixels outside the band changed";

        (bool ok, string text) = request.Operation switch
        {
            Operations.Recolor => VerifyRecolor(outputBgr, targetMask, request, targets[0], data),
            Operations.Remove => targets.Select(t => VerifyRemove(outputBgr, t, data))
                .Aggregate((a, b) => (a.Item1 && b.Item1, a.Item2 + " " + b.Item2)),
            _ => (true, $"No specific check for '{request.Operation}'."),
        };
        return new TraceStep(Stages.Verify, $"{text} {char.ToUpperInvariant(rest[0])}{rest[1..]}.") { Ok = ok && untouched, Data = data };
    }

    /// <summary>Number of pixels that differ between the images farther than <paramref name="featherPx"/> from <paramref name="region"/>.</summary>
    public static long ChangedOutsideBand(Mat a, Mat b, Mat region, int featherPx)
    {
        using var grown = new Mat();
        using var kernel = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(2 * featherPx + 1, 2 * featherPx + 1));
        Cv2.Dilate(region, grown, kernel);
        using var diff = new Mat();
        Cv2.Absdiff(a, b, diff);
        using var changed = new Mat();
        // any channel differing → non-zero (the sum saturates at 255, it never wraps to 0)
        using var ones = Mat.FromPixelData(1, 3, MatType.CV_32FC1, new float[] { 1, 1, 1 });
        Cv2.Transform(diff, changed, ones);
        changed.SetTo(Scalar.All(0), grown);
        return Cv2.CountNonZero(changed);
    }

    private (bool, string) VerifyRecolor(Mat output, Mat mask, EditRequest request, SceneEntity target, Dictionary<string, double> data)
    {
        string colorName = request.Arguments.GetValueOrDefault("color", "");
        if (!TargetColors.TryResolve(colorName, out var rgb))
            return (false, $"Cannot check the colour: '{colorName}' is not a colour I know.");
        var want = Lab.FromRgb(rgb);
        var got = MeanLab(output, mask);
        data["target_L"] = want.L; data["target_a"] = want.A; data["target_b"] = want.B;
        data["achieved_L"] = got.L; data["achieved_a"] = got.A; data["achieved_b"] = got.B;
        bool ok;
        string how;
        if (want.Chroma >= _o.AchromaticChroma)
        {
            double dh = Lab.HueDistance(want.HueDeg, got.HueDeg);
            data["hue_distance_deg"] = dh;
            ok = dh <= _o.HueToleranceDeg && got.Chroma >= _o.MinChromaFraction * want.Chroma;
            how = $"hue {dh:0}° from the target's (≤ {_o.HueToleranceDeg:0}°), chroma {got.Chroma:0} of {want.Chroma:0}";
        }
        else
        {
            double dl = Math.Abs(got.L - want.L);
            data["lightness_distance"] = dl;
            ok = dl <= _o.LightnessTolerance && got.Chroma <= _o.AchievedMaxChroma;
            how = $"lightness {got.L:0} vs {want.L:0}, chroma {got.Chroma:0}";
        }
        return (ok, ok
            ? $"#{target.Id} {target.Label} now measures {colorName} inside its mask ({how})."
            : $"#{target.Id} {target.Label} does not measure {colorName} inside its mask ({how}).");
    }

    private (bool, string) VerifyRemove(Mat output, SceneEntity target, Dictionary<string, double> data)
    {
        var redetected = DetectAround(output, target.Box);
        var same = redetected.Where(d => d.ProbOf(CocoClasses.IndexOf(target.Label)) >= _o.CategoryMinProb || d.Label == target.Label)
            .Select(d => (d, iou: d.Box.Iou(target.Box))).OrderByDescending(t => t.iou).FirstOrDefault();
        double best = same.d is null ? 0 : same.iou;
        data["max_iou_same_category"] = Math.Max(data.GetValueOrDefault("max_iou_same_category"), Math.Round(best, 3));
        data["redetected"] = data.GetValueOrDefault("redetected") + redetected.Count;
        bool ok = best < _o.RemovedMaxIou;
        return (ok, ok
            ? $"Looked again around {target.Box}: no {target.Label} there any more (best overlap IoU {best:0.00} < {_o.RemovedMaxIou:0.00})."
            : $"Looked again around {target.Box}: a {target.Label} is still detected there (IoU {best:0.00}).");
    }

    /// <summary>Mean CIELAB of an 8-bit BGR image under a CV_8UC1 mask (computed on the mask's bounding box).</summary>
    private static Lab MeanLab(Mat bgr, Mat mask)
    {
        var rect = Cv2.BoundingRect(mask);
        if (rect.Width == 0 || rect.Height == 0) return default;
        using var roi = new Mat(bgr, rect);
        using var m = new Mat(mask, rect);
        using var lab = Lab.ImageToLab(roi);
        return Lab.MeanInside(lab, m, out _, out _);
    }

    /// <summary>Run the detector on a crop around <paramref name="box"/>; boxes returned in full-image pixels.</summary>
    private List<Detection> DetectAround(Mat bgr, Box box)
    {
        var rect = box.Pad(_o.CropPadFraction, 32).ToRect(bgr.Cols, bgr.Rows);
        using var crop = new Mat(bgr, rect).Clone();
        return detector.Detect(crop)
            .Select(d => d with { Box = new Box(d.Box.X1 + rect.X, d.Box.Y1 + rect.Y, d.Box.X2 + rect.X, d.Box.Y2 + rect.Y) })
            .ToList();
    }
}
