using InterCoG.Editing;
using InterCoG.Imaging;
using InterCoG.Perception;
using OpenCvSharp;
using InterCoG.Tracing;
using InterCoG.Programs;

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
    /// <summary>Moved / resized / duplicated: a re-detection of the category counts as the object at its new place when
    /// its IoU with the new box is at least this.</summary>
    public float PlacedMinIou { get; init; } = 0.4f;
    /// <summary>Resize: allowed relative error of the measured box scale (√ of the re-detected area ratio) against the asked scale.</summary>
    public double ScaleTolerance { get; init; } = 0.25;
    /// <summary>Blur / pixelate: mean |Laplacian| inside the (eroded) mask must fall to at most this fraction of its value before.</summary>
    public double MaxDetailRatio { get; init; } = 0.6;
    /// <summary>Brighten / darken: the mean CIELAB L inside the mask must move at least this far in the asked direction.</summary>
    public double MinLightnessChange { get; init; } = 4;
    /// <summary>Saturate: mean chroma must grow by at least this factor; desaturate: shrink to at most 1 / this factor (or below <see cref="GrayChroma"/>).</summary>
    public double MinChromaFactor { get; init; } = 1.15;
    /// <summary>Mean CIELAB chroma under which a region counts as grey.</summary>
    public double GrayChroma { get; init; } = 4;
    /// <summary>Flip: correlation of the flipped region's grey values with the mirrored original must reach this.</summary>
    public double MinFlipCorrelation { get; init; } = 0.8;
    /// <summary>Outline: at least this fraction of the drawn ring's pixels must differ from the input.</summary>
    public double MinOutlineChanged { get; init; } = 0.5;
    /// <summary>"Nothing else changed": scene detections with at least this score whose box overlaps the edited region's
    /// box by at most <see cref="UntouchedMaxOverlap"/> (fraction of their own area) must be found again.</summary>
    public float UntouchedMinScore { get; init; } = 0.5f;
    /// <summary>See <see cref="UntouchedMinScore"/>.</summary>
    public float UntouchedMaxOverlap { get; init; } = 0.05f;
    /// <summary>A detection after the edit matches an untouched one before when their IoU reaches this.</summary>
    public float UntouchedMinIou { get; init; } = 0.7f;
    /// <summary>Leaks: changed pixels within this many pixels of the target mask are its feathered edge, not a leak.</summary>
    public int LeakFeatherPx { get; init; } = 2;
    /// <summary>Leaks: an in-place edit fails when it changed more pixels of other instances than this fraction (0..1)
    /// of the target mask's area.</summary>
    public double MaxLeakFraction { get; init; } = 0.02;
    /// <summary>Generative edits: at least this fraction of the painted region's pixels must differ from the input
    /// (by more than <see cref="PaintedChangeLevel"/> in some channel).</summary>
    public double MinPaintedChanged { get; init; } = 0.2;
    /// <summary>See <see cref="MinPaintedChanged"/> (8-bit levels).</summary>
    public int PaintedChangeLevel { get; init; } = 12;
    /// <summary>replace / add: a detection in the painted region counts as the new object when its score reaches this
    /// (and its class probability <see cref="CategoryMinProb"/>).</summary>
    public float PaintedMinScore { get; init; } = 0.25f;
}

/// <summary>Another detected instance next to the target, as the mask stage resolved it: id, label and its mask
/// (CV_8UC1, image size, non-zero on its pixels).</summary>
public sealed record NeighbourMask(int Id, string Label, Mat Mask);

/// <summary>What the verifier may use besides the images: the edit's numbers (geometric edits' old_/new_ boxes), the
/// cut-out (CV_8UC4, input size) and the scene detected before the edit.</summary>
public sealed record VerifyExtras
{
    /// <summary>The edit step's Data.</summary>
    public IReadOnlyDictionary<string, double>? EditData { get; init; }
    /// <summary>The cut-out output, for the alpha check.</summary>
    public Mat? OutputBgra { get; init; }
    /// <summary>Every detection of the input (targets included), for "nothing else's detections changed".</summary>
    public IReadOnlyList<SceneEntity>? Scene { get; init; }
    /// <summary>The instances overlapping the target with their masks, for the leak check of in-place edits (null: no
    /// leak check; empty: nothing can leak onto another instance).</summary>
    public IReadOnlyList<NeighbourMask>? Neighbours { get; init; }
}

/// <summary>The paper's grounding reconstruction at inference: after the edit, look again and check the outcome the
/// rewrite promised, and that nothing outside the edited region (plus the feather band) changed.</summary>
public sealed class Verifier(IDetector detector, VerifyOptions? options = null)
{
    private readonly VerifyOptions _o = options ?? new VerifyOptions();

    /// <summary>Check <paramref name="outputBgr"/> against <paramref name="inputBgr"/>; returns the verify step (Ok set, numbers in Data).</summary>
    public TraceStep Verify(Mat inputBgr, Mat outputBgr, Mat region, EditOperation op, IReadOnlyList<SceneEntity> targets, Mat targetMask, int featherPx) =>
        Verify(inputBgr, outputBgr, region, op, targets, targetMask, featherPx, new VerifyExtras());

    /// <summary>As above, with the edit's numbers, the cut-out and the input scene: every operation gets its own check
    /// (see <see cref="VerifyOptions"/>), and when <see cref="VerifyExtras.Scene"/> is given the detections away from
    /// the region must be found again on the output.</summary>
    public TraceStep Verify(Mat inputBgr, Mat outputBgr, Mat region, EditOperation op, IReadOnlyList<SceneEntity> targets, Mat targetMask, int featherPx, VerifyExtras extras)
    {
        ArgumentNullException.ThrowIfNull(extras);
        ArgumentNullException.ThrowIfNull(op);
        var data = new Dictionary<string, double>();
        // every check below reads the same map of changed pixels
        using var changed = ChangedPixels(inputBgr, outputBgr);
        long outside = ChangedOutsideBand(changed, region, featherPx);
        data["changed_outside_band"] = outside;
        bool untouched = outside == 0;
        string rest = untouched ? "no pixel outside the edited region's band changed" : $"{outside} pixels outside the band changed";

        (bool ok, string text) = op.Name switch
        {
            Operations.Recolor => VerifyRecolor(outputBgr, targetMask, op, targets[0], data),
            Operations.Remove => targets.Select(t => VerifyRemove(outputBgr, t, data))
                .Aggregate((a, b) => (a.Item1 && b.Item1, a.Item2 + " " + b.Item2)),
            Operations.Move or Operations.Resize or Operations.Duplicate => VerifyPlacement(outputBgr, op, targets[0], extras.EditData, data),
            Operations.Blur or Operations.Pixelate => VerifyDetail(inputBgr, outputBgr, targetMask, op.Name, data),
            Operations.Brighten or Operations.Darken => VerifyLightness(inputBgr, outputBgr, targetMask, op.Name == Operations.Brighten, data),
            Operations.Saturate or Operations.Desaturate => VerifyChroma(inputBgr, outputBgr, targetMask, op.Name == Operations.Saturate, data),
            Operations.Flip => VerifyFlip(inputBgr, outputBgr, targetMask, op.Text("axis", "horizontal")!, data),
            Operations.Cutout => VerifyCutout(extras.OutputBgra, targetMask, data),
            Operations.Outline => VerifyOutline(inputBgr, outputBgr, region, targetMask, data),
            _ when Operations.Generative.Contains(op.Name) => VerifyPainted(inputBgr, outputBgr, region, op, data),
            _ => (true, $"No specific check for '{op.Name}'."),
        };
        if (extras.Scene is { Count: > 0 } scene && op.Name != Operations.Cutout)
        {
            var (sameOk, sameText) = VerifyOthersUnchanged(changed, outputBgr, region, targets, scene, data);
            ok &= sameOk;
            text += " " + sameText;
        }
        string? warning = null;
        if (extras.Neighbours is { } neighbours && ProtectedPixels.Applies(op.Name))
        {
            var (leakOk, leakText) = VerifyNoLeak(changed, targetMask, neighbours, data);
            ok &= leakOk;
            text += " " + leakText;
            if (!leakOk) warning = leakText;
        }
        return new TraceStep(Stages.Verify, $"{text} {char.ToUpperInvariant(rest[0])}{rest[1..]}.") { Ok = ok && untouched, Data = data, Warning = warning };
    }

    /// <summary>Changed pixels (any channel) between two same-size 8-bit BGR images: CV_8UC1, 255 where they differ.</summary>
    public static Mat ChangedPixels(Mat a, Mat b)
    {
        using var diff = new Mat();
        Cv2.Absdiff(a, b, diff);
        using var sum = new Mat();
        using (var ones = Mat.FromPixelData(1, 3, MatType.CV_32FC1, new float[] { 1, 1, 1 }))
            Cv2.Transform(diff, sum, ones); // saturates at 255, never wraps to 0
        var changed = new Mat();
        Cv2.Compare(sum, 0, changed, CmpTypes.GT);
        return changed;
    }

    /// <summary>Leaks: pixels the edit changed farther than <see cref="VerifyOptions.LeakFeatherPx"/> from the target mask
    /// that lie on another instance's mask. Reports leak_px, leak_fraction (of the target's area) and leak_px_ID per
    /// instance; fails above <see cref="VerifyOptions.MaxLeakFraction"/>.</summary>
    private (bool, string) VerifyNoLeak(Mat changedPixels, Mat targetMask, IReadOnlyList<NeighbourMask> neighbours, Dictionary<string, double> data)
    {
        int targetPx = Cv2.CountNonZero(targetMask);
        using var changed = changedPixels.Clone();
        using (var near = new Mat())
        {
            int k = 2 * Math.Max(0, _o.LeakFeatherPx) + 1;
            using var kernel = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(k, k));
            Cv2.Dilate(targetMask, near, kernel);
            changed.SetTo(Scalar.All(0), near);
        }
        using var onOthers = new Mat(changed.Size(), MatType.CV_8UC1, Scalar.All(0));
        var per = new List<(NeighbourMask N, int Px)>();
        foreach (var n in neighbours)
        {
            using var hit = new Mat();
            Cv2.BitwiseAnd(changed, n.Mask, hit);
            int px = Cv2.CountNonZero(hit);
            if (px == 0) continue;
            per.Add((n, px));
            data[$"leak_px_{n.Id}"] = px;
            Cv2.BitwiseOr(onOthers, hit, onOthers);
        }
        int leak = Cv2.CountNonZero(onOthers);
        double fraction = (double)leak / Math.Max(1, targetPx);
        data["leak_px"] = leak;
        data["leak_fraction"] = Math.Round(fraction, 4);
        data["neighbours_checked"] = neighbours.Count;
        bool ok = fraction <= _o.MaxLeakFraction;
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        if (leak == 0)
            return (true, neighbours.Count == 0 ? "No other instance overlaps the target."
                : $"No pixel of the {neighbours.Count} overlapping instance(s) changed beyond the target's {_o.LeakFeatherPx} px edge.");
        string which = string.Join(", ", per.OrderByDescending(p => p.Px).Select(p => $"#{p.N.Id} {p.N.Label} {p.Px} px"));
        return (ok, string.Create(inv, $"The edit changed {leak} px of other instances ({which}): {fraction:P1} of the target's area ({(ok ? "within" : "above")} {_o.MaxLeakFraction:P0})."));
    }

    /// <summary>Number of pixels that differ between the images farther than <paramref name="featherPx"/> from <paramref name="region"/>.</summary>
    public static long ChangedOutsideBand(Mat a, Mat b, Mat region, int featherPx)
    {
        using var changed = ChangedPixels(a, b);
        return ChangedOutsideBand(changed, region, featherPx);
    }

    /// <summary>Pixels of <paramref name="changed"/> (<see cref="ChangedPixels"/>) farther than <paramref name="featherPx"/>
    /// from <paramref name="region"/>.</summary>
    private static long ChangedOutsideBand(Mat changed, Mat region, int featherPx)
    {
        using var grown = new Mat();
        using var kernel = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(2 * featherPx + 1, 2 * featherPx + 1));
        Cv2.Dilate(region, grown, kernel);
        using var inBand = new Mat();
        Cv2.BitwiseAnd(changed, grown, inBand);
        return Cv2.CountNonZero(changed) - Cv2.CountNonZero(inBand);
    }

    private (bool, string) VerifyRecolor(Mat output, Mat mask, EditOperation op, SceneEntity target, Dictionary<string, double> data)
    {
        string colorName = op.Text("color", "")!;
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

    private bool SameCategory(Detection d, string label) => d.Label == label || d.ProbOf(CocoClasses.IndexOf(label)) >= _o.CategoryMinProb;

    private static Box BoxFrom(IReadOnlyDictionary<string, double> d, string prefix) =>
        new((float)d[prefix + "x1"], (float)d[prefix + "y1"], (float)d[prefix + "x2"], (float)d[prefix + "y2"]);

    /// <summary>Move / resize / duplicate: the category is detected at the new box; after a move not at the old one
    /// (when the boxes do not overlap much); a resize's measured scale is near the asked one; a duplicate leaves two.</summary>
    private (bool, string) VerifyPlacement(Mat output, EditOperation op, SceneEntity target, IReadOnlyDictionary<string, double>? edit, Dictionary<string, double> data)
    {
        if (edit is null || !edit.ContainsKey("new_x1") || !edit.ContainsKey("old_x1"))
            return (false, $"Cannot check the {op.Name}: the edit did not report where the object went.");
        Box oldBox = BoxFrom(edit, "old_"), newBox = BoxFrom(edit, "new_").Clamp(output.Cols, output.Rows);
        var around = DetectAround(output, new Box(Math.Min(oldBox.X1, newBox.X1), Math.Min(oldBox.Y1, newBox.Y1), Math.Max(oldBox.X2, newBox.X2), Math.Max(oldBox.Y2, newBox.Y2)));
        var same = around.Where(d => SameCategory(d, target.Label)).ToList();
        var atNew = same.OrderByDescending(d => d.Box.Iou(newBox)).FirstOrDefault();
        double iouNew = atNew is null ? 0 : atNew.Box.Iou(newBox);
        double iouOld = same.Where(d => d != atNew).Select(d => (double)d.Box.Iou(oldBox)).DefaultIfEmpty(0).Max();
        double overlap = oldBox.Iou(newBox);
        data["iou_at_new"] = Math.Round(iouNew, 3);
        data["iou_at_old"] = Math.Round(iouOld, 3);
        data["old_new_iou"] = Math.Round(overlap, 3);
        bool there = iouNew >= _o.PlacedMinIou;
        string where = $"{target.Label} at the new place {newBox}: IoU {iouNew:0.00} (≥ {_o.PlacedMinIou:0.00})";
        switch (op.Name)
        {
            case Operations.Move:
            {
                bool gone = overlap >= _o.RemovedMaxIou || iouOld < _o.RemovedMaxIou;
                string old = overlap >= _o.RemovedMaxIou ? "old and new places overlap" : $"at the old place {oldBox}: IoU {iouOld:0.00} (< {_o.RemovedMaxIou:0.00})";
                return (there && gone, $"{(there && gone ? "Moved" : "Move not confirmed")}: {where}; {old}.");
            }
            case Operations.Duplicate:
            {
                double iouOrig = same.Where(d => d != atNew).Select(d => (double)d.Box.Iou(oldBox)).DefaultIfEmpty(0).Max();
                bool two = there && iouOrig >= _o.PlacedMinIou;
                data["detections_same_category"] = same.Count;
                return (two, $"{(two ? "Two" : "Not two")} {target.Label}s: the original IoU {iouOrig:0.00}, the copy {where}.");
            }
            default:
            {
                double asked = op.Has("scale") ? op.Number("scale", 1) : Math.Sqrt(newBox.Area / Math.Max(1, oldBox.Area));
                // the detector's box of the original vs its box of the result: both carry the same detector bias
                double measured = atNew is null ? 0 : Math.Sqrt(atNew.Box.Area / Math.Max(1, target.Box.Area));
                double err = asked > 0 ? Math.Abs(measured / asked - 1) : 1;
                data["scale_asked"] = Math.Round(asked, 3);
                data["scale_measured"] = Math.Round(measured, 3);
                bool ok = there && err <= _o.ScaleTolerance;
                return (ok, $"{(ok ? "Resized" : "Resize not confirmed")}: {where}; measured scale ×{measured:0.00} for ×{asked:0.##} asked (±{_o.ScaleTolerance:P0}).");
            }
        }
    }

    /// <summary>Mean |Laplacian| of the grey image inside the mask eroded by 2 px (its edge blends into the surround).</summary>
    private static double Detail(Mat bgr, Mat mask, Rect box)
    {
        using var roi = new Mat(bgr, box);
        using var gray = new Mat();
        Cv2.CvtColor(roi, gray, ColorConversionCodes.BGR2GRAY);
        using var lap = new Mat();
        Cv2.Laplacian(gray, lap, MatType.CV_32F, 3);
        using var abs = new Mat();
        Cv2.Absdiff(lap, Scalar.All(0), abs);
        using var m = new Mat(mask, box);
        using var inner = new Mat();
        using (var k = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(5, 5))) Cv2.Erode(m, inner, k);
        return Cv2.CountNonZero(inner) == 0 ? Cv2.Mean(abs, m).Val0 : Cv2.Mean(abs, inner).Val0;
    }

    private (bool, string) VerifyDetail(Mat input, Mat output, Mat mask, string op, Dictionary<string, double> data)
    {
        var box = Cv2.BoundingRect(mask);
        double before = Detail(input, mask, box), after = Detail(output, mask, box);
        double ratio = before > 0 ? after / before : 1;
        data["detail_before"] = Math.Round(before, 3);
        data["detail_after"] = Math.Round(after, 3);
        data["detail_ratio"] = Math.Round(ratio, 3);
        bool ok = ratio <= _o.MaxDetailRatio;
        return (ok, $"Fine detail (mean |Laplacian|) inside the mask {before:0.0} → {after:0.0} (×{ratio:0.00}, {(ok ? "≤" : "not ≤")} ×{_o.MaxDetailRatio:0.00}) after {op}.");
    }

    private (bool, string) VerifyLightness(Mat input, Mat output, Mat mask, bool up, Dictionary<string, double> data)
    {
        var before = MeanLab(input, mask);
        var after = MeanLab(output, mask);
        double delta = after.L - before.L;
        data["L_before"] = Math.Round(before.L, 2);
        data["L_after"] = Math.Round(after.L, 2);
        data["delta_L"] = Math.Round(delta, 2);
        bool ok = up ? delta >= _o.MinLightnessChange : delta <= -_o.MinLightnessChange;
        return (ok, $"Mean lightness inside the mask {before.L:0.0} → {after.L:0.0} (ΔL {delta:+0.0;-0.0}, needs {(up ? "≥ +" : "≤ -")}{_o.MinLightnessChange:0.#}).");
    }

    private (bool, string) VerifyChroma(Mat input, Mat output, Mat mask, bool up, Dictionary<string, double> data)
    {
        var before = MeanChroma(input, mask);
        var after = MeanChroma(output, mask);
        data["chroma_before"] = Math.Round(before, 2);
        data["chroma_after"] = Math.Round(after, 2);
        bool ok = up ? after >= before * _o.MinChromaFactor && after > _o.GrayChroma : after <= before / _o.MinChromaFactor || after <= _o.GrayChroma;
        return (ok, $"Mean chroma inside the mask {before:0.0} → {after:0.0} ({(up ? "needs ×" : "needs ÷")}{_o.MinChromaFactor:0.##}{(up ? "" : $" or ≤ {_o.GrayChroma:0}")}).");
    }

    /// <summary>Mean per-pixel CIELAB chroma (not the chroma of the mean colour) under the mask.</summary>
    private static unsafe double MeanChroma(Mat bgr, Mat mask)
    {
        var box = Cv2.BoundingRect(mask);
        if (box.Width == 0) return 0;
        using var roi = new Mat(bgr, box);
        using var f = new Mat();
        roi.ConvertTo(f, MatType.CV_32FC3, 1.0 / 255);
        using var lab = new Mat();
        Cv2.CvtColor(f, lab, ColorConversionCodes.BGR2Lab);
        using var m = new Mat(mask, box);
        double sum = 0;
        long n = 0;
        for (int y = 0; y < box.Height; y++)
        {
            float* p = (float*)lab.Ptr(y);
            byte* mm = (byte*)m.Ptr(y);
            for (int x = 0; x < box.Width; x++)
                if (mm[x] != 0) { sum += Math.Sqrt(p[3 * x + 1] * p[3 * x + 1] + p[3 * x + 2] * p[3 * x + 2]); n++; }
        }
        return n == 0 ? 0 : sum / n;
    }

    private (bool, string) VerifyFlip(Mat input, Mat output, Mat mask, string axis, Dictionary<string, double> data)
    {
        var box = Cv2.BoundingRect(mask);
        var mode = axis.Trim().ToLowerInvariant() is "vertical" or "v" or "y" ? FlipMode.X : FlipMode.Y;
        using var inRoi = new Mat(input, box);
        using var outRoi = new Mat(output, box);
        using var mirrored = new Mat();
        Cv2.Flip(inRoi, mirrored, mode);
        using var m = new Mat(mask, box);
        using var flippedMask = new Mat();
        Cv2.Flip(m, flippedMask, mode);
        double withMirror = GrayCorrelation(outRoi, mirrored, flippedMask);
        double withOriginal = GrayCorrelation(outRoi, inRoi, flippedMask);
        data["corr_mirrored"] = Math.Round(withMirror, 3);
        data["corr_original"] = Math.Round(withOriginal, 3);
        bool ok = withMirror >= _o.MinFlipCorrelation;
        return (ok, $"Inside the flipped mask the result correlates {withMirror:0.00} with the mirrored original (needs ≥ {_o.MinFlipCorrelation:0.00}; {withOriginal:0.00} with the unflipped one).");
    }

    /// <summary>Pearson correlation of the grey values of two same-size BGR images under a mask; 0 when either is flat.</summary>
    private static double GrayCorrelation(Mat a, Mat b, Mat mask)
    {
        using var ga = new Mat();
        using var gb = new Mat();
        Cv2.CvtColor(a, ga, ColorConversionCodes.BGR2GRAY);
        Cv2.CvtColor(b, gb, ColorConversionCodes.BGR2GRAY);
        using var fa = new Mat();
        using var fb = new Mat();
        ga.ConvertTo(fa, MatType.CV_64F);
        gb.ConvertTo(fb, MatType.CV_64F);
        Cv2.MeanStdDev(fa, out var ma, out var sa, mask);
        Cv2.MeanStdDev(fb, out var mb, out var sb, mask);
        if (sa.Val0 < 1e-6 || sb.Val0 < 1e-6) return 0;
        using var da = new Mat();
        using var db = new Mat();
        Cv2.Subtract(fa, Scalar.All(ma.Val0), da);
        Cv2.Subtract(fb, Scalar.All(mb.Val0), db);
        using var prod = new Mat();
        Cv2.Multiply(da, db, prod);
        return Cv2.Mean(prod, mask).Val0 / (sa.Val0 * sb.Val0);
    }

    private static (bool, string) VerifyCutout(Mat? bgra, Mat mask, Dictionary<string, double> data)
    {
        if (bgra is null || bgra.Type() != MatType.CV_8UC4 || bgra.Size() != mask.Size())
            return (false, "Cannot check the cut-out: no transparent output of the input's size.");
        using var alpha = new Mat();
        Cv2.ExtractChannel(bgra, alpha, 3);
        using var bin = new Mat();
        Cv2.Threshold(mask, bin, 0, 255, ThresholdTypes.Binary);
        using var diff = new Mat();
        Cv2.Compare(alpha, bin, diff, CmpTypes.NE);
        int differ = Cv2.CountNonZero(diff);
        data["alpha_mismatch_px"] = differ;
        data["alpha_px"] = Cv2.CountNonZero(alpha);
        return (differ == 0, differ == 0 ? "The cut-out's alpha equals the mask." : $"The cut-out's alpha differs from the mask at {differ} px.");
    }

    private (bool, string) VerifyOutline(Mat input, Mat output, Mat region, Mat mask, Dictionary<string, double> data)
    {
        using var ring = new Mat();
        Cv2.Subtract(region, mask, ring);
        int ringPx = Cv2.CountNonZero(ring);
        using var diff = new Mat();
        Cv2.Absdiff(input, output, diff);
        using var gray = new Mat();
        Cv2.CvtColor(diff, gray, ColorConversionCodes.BGR2GRAY);
        using var changed = new Mat();
        Cv2.Threshold(gray, changed, 0, 255, ThresholdTypes.Binary);
        using var both = new Mat();
        Cv2.BitwiseAnd(changed, ring, both);
        double frac = ringPx == 0 ? 0 : (double)Cv2.CountNonZero(both) / ringPx;
        data["ring_px"] = ringPx;
        data["ring_changed_fraction"] = Math.Round(frac, 3);
        bool ok = frac >= _o.MinOutlineChanged;
        return (ok, $"The outline ring ({ringPx} px outside the mask) changed at {frac:P0} of its pixels (needs ≥ {_o.MinOutlineChanged:P0}).");
    }

    /// <summary>Generative edits: the painted region changed; for replace and add, when the new object's class is one the
    /// detector knows, it is detected again inside the painted region. The leak figure is <c>changed_outside_band</c>.</summary>
    private (bool, string) VerifyPainted(Mat input, Mat output, Mat region, EditOperation op, Dictionary<string, double> data)
    {
        var r = Cv2.BoundingRect(region);
        double changed = 0;
        if (r.Width > 0)
        {
            using var a = new Mat(input, r);
            using var b = new Mat(output, r);
            using var m = new Mat(region, r);
            using var diff = new Mat();
            Cv2.Absdiff(a, b, diff);
            var channels = Cv2.Split(diff);
            using var most = new Mat();
            Cv2.Max(channels[0], channels[1], most);
            Cv2.Max(most, channels[2], most);
            foreach (var c in channels) c.Dispose();
            using var moved = new Mat();
            Cv2.Threshold(most, moved, _o.PaintedChangeLevel, 255, ThresholdTypes.Binary);
            Cv2.BitwiseAnd(moved, m, moved);
            changed = (double)Cv2.CountNonZero(moved) / Math.Max(1, Cv2.CountNonZero(m));
        }
        data["painted_changed_fraction"] = Math.Round(changed, 3);
        bool repainted = changed >= _o.MinPaintedChanged;
        string paintText = $"{100 * changed:0} % of the painted region's pixels changed{(repainted ? "" : $" (under {100 * _o.MinPaintedChanged:0} %: the server hardly painted)")}.";
        if (op.Name is not (Operations.Replace or Operations.Add)) return (repainted, paintText);

        string noun = op.Text(ArgumentNames.ObjectNoun) ?? op.Text(ArgumentNames.ObjectCategory) ?? "object";
        string? category = op.Text(ArgumentNames.ObjectCategory);
        if (category is null || CocoClasses.IndexOf(category) < 0)
            return (repainted, $"{paintText} The detector has no class for '{noun}', so the new object is not looked for.");
        var regionBox = new Box(r.X, r.Y, r.X + r.Width, r.Y + r.Height);
        var zone = regionBox.Pad(0.1f);
        var hit = DetectAround(output, regionBox)
            .Where(d => d.Score >= _o.PaintedMinScore && SameCategory(d, category) && zone.X1 <= d.Box.CenterX && d.Box.CenterX <= zone.X2 && zone.Y1 <= d.Box.CenterY && d.Box.CenterY <= zone.Y2)
            .OrderByDescending(d => d.Box.Intersect(regionBox).Area).FirstOrDefault();
        data["new_class_found"] = hit is null ? 0 : 1;
        return hit is null
            ? (false, $"{paintText} Looked again in the painted region {regionBox}: no {category} detected there.")
            : (repainted, $"{paintText} Looked again in the painted region {regionBox}: a {category} is detected at {hit.Box} (score {hit.Score:0.00}).");
    }

    /// <summary>Detections of the input away from the region (score ≥ UntouchedMinScore, ≤ UntouchedMaxOverlap of their box
    /// under the region's box, not a target) must be found again on the output with IoU ≥ UntouchedMinIou. One whose box
    /// holds no changed pixel is found again by construction (same pixels); the others are detected again on a crop
    /// around them.</summary>
    private (bool, string) VerifyOthersUnchanged(Mat changed, Mat output, Mat region, IReadOnlyList<SceneEntity> targets, IReadOnlyList<SceneEntity> scene, Dictionary<string, double> data)
    {
        var r = Cv2.BoundingRect(region);
        var regionBox = new Box(r.X, r.Y, r.X + r.Width, r.Y + r.Height);
        var away = scene.Where(e => e.Score >= _o.UntouchedMinScore && !targets.Any(t => t.Id == e.Id)
                                    && e.Box.Intersect(regionBox).Area <= _o.UntouchedMaxOverlap * Math.Max(1, e.Box.Area)).ToList();
        data["others_checked"] = away.Count;
        if (away.Count == 0) return (true, "No other confident detection lies away from the edit.");
        var touched = away.Where(e =>
        {
            var rect = e.Box.ToRect(output.Cols, output.Rows);
            if (rect.Width == 0 || rect.Height == 0) return false;
            using var view = new Mat(changed, rect);
            return Cv2.CountNonZero(view) > 0;
        }).ToList();
        data["others_redetected"] = touched.Count;
        var lost = touched.Where(e => !DetectAround(output, e.Box)
            .Any(d => d.Box.Iou(e.Box) >= _o.UntouchedMinIou && (d.Label == e.Label || d.ProbOf(CocoClasses.IndexOf(e.Label)) >= _o.CategoryMinProb))).ToList();
        data["others_lost"] = lost.Count;
        string how = touched.Count == 0 ? "none of their pixels changed" : $"{away.Count - touched.Count} with unchanged pixels, {touched.Count} detected again";
        return lost.Count == 0
            ? (true, $"The {away.Count} other detection(s) away from the edit are all found again ({how}).")
            : (false, $"Detections away from the edit changed: {string.Join(", ", lost.Select(e => $"#{e.Id} {e.Label} {e.Box}"))} not found again.");
    }
}
