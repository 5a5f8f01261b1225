using System.Diagnostics;
using System.Globalization;
using InterCoG.Data;
using InterCoG.Imaging;
using InterCoG.Perception;
using InterCoG.Perception.Segmentation;
using OpenCvSharp;

namespace InterCoG.Bench;

/// <summary>Where the boxes that prompt the segmenter come from.</summary>
public enum MaskPrompts
{
    /// <summary>The annotated boxes; every other annotated instance competes.</summary>
    GroundTruth,
    /// <summary>The detector's box matched to each annotation (same class, IoU ≥ the match threshold); every other
    /// detection competes. Annotations without a match are counted, not scored.</summary>
    Detector,
}

/// <summary>Settings of <see cref="InstanceMaskBench"/>.</summary>
public sealed record InstanceMaskBenchOptions
{
    /// <summary>Annotations whose mask has fewer pixels than this are not targets (they still count as other instances).</summary>
    public int MinMaskPx { get; init; } = 100;

    /// <summary>An empty mask is a failure to report separately when the object's box is at least this many pixels on
    /// both sides.</summary>
    public int EmptyCheckSidePx { get; init; } = 32;

    /// <summary>A detection stands for an annotation when it has its class and at least this IoU with its box.</summary>
    public float MatchIou { get; init; } = 0.5f;

    /// <summary>Most images (0: all).</summary>
    public int LimitImages { get; init; }

    /// <summary>How instances compete (see <see cref="InstanceMasker"/>).</summary>
    public InstanceMaskOptions Masks { get; init; } = new();
}

/// <summary>One scored object: image file, annotation id, label, mask IoU with the annotation, spill (share of the
/// annotation's area the mask puts on other annotated instances), whether its box overlaps another instance's, whether
/// the mask is empty, its box size, and the milliseconds its mask took (its competitors' decoding included).</summary>
public sealed record MaskBenchItem(string Image, long AnnotationId, string Label, double Iou, double Spill, bool Overlapping, bool Empty,
    int BoxWidth, int BoxHeight, double Ms);

/// <summary>The figures of one segmenter on one data set.</summary>
public sealed record MaskBenchScore(
    string Segmenter, string Prompts, bool Compete, int Images, int Objects, int Unmatched,
    double MeanIou, double MedianIou, int OverlapObjects, double OverlapMeanIou,
    double MeanSpill, double OverlapMeanSpill, int EmptyMasks, int EmptyMasksOver32,
    double SecondsPerImage, double SecondsPerObject, double PrepareSecondsPerImage,
    IReadOnlyList<MaskBenchItem> Items);

/// <summary>Mask quality against COCO instance annotations: each annotated object is segmented from a box (its own or
/// the detector's matched one) with the other instances competing, and compared with its annotated mask.</summary>
public static class InstanceMaskBench
{
    /// <summary>Run <paramref name="segmenter"/> over <paramref name="coco"/> (images in <paramref name="imagesDir"/>).
    /// <paramref name="detector"/> is needed for <see cref="MaskPrompts.Detector"/>.</summary>
    public static MaskBenchScore Run(CocoDataset coco, string imagesDir, ISegmenter segmenter, MaskPrompts prompts,
        IDetector? detector = null, InstanceMaskBenchOptions? options = null, IProgress<string>? log = null)
    {
        options ??= new InstanceMaskBenchOptions();
        if (prompts == MaskPrompts.Detector && detector is null) throw new ArgumentException("detector prompts need a detector", nameof(detector));
        var masker = new InstanceMasker(segmenter, options.Masks);
        var items = new List<MaskBenchItem>();
        int images = 0, unmatched = 0;
        double prepareMs = 0, objectMs = 0;
        var inv = CultureInfo.InvariantCulture;
        foreach (var img in coco.Images)
        {
            if (options.LimitImages > 0 && images >= options.LimitImages) break;
            var anns = coco.AnnotationsOf(img.Id).Where(a => !a.IsCrowd).ToList();
            if (anns.Count == 0) continue;
            using var bgr = ImageCodec.LoadBgr(coco.ImagePath(img, imagesDir));
            if (bgr.Cols != img.Width || bgr.Rows != img.Height) continue; // annotations of another size (EXIF rotation)
            images++;
            var truth = anns.Select(a => CocoMasks.ToMask(a, img.Width, img.Height)).ToList();
            using var allTruth = Union(truth, new Size(img.Width, img.Height));
            try
            {
                // the prompt of each target annotation, and the instances that compete
                var scene = new List<InstancePrompt>();
                var promptOf = new Dictionary<long, InstancePrompt>();
                if (prompts == MaskPrompts.GroundTruth)
                {
                    for (int i = 0; i < anns.Count; i++)
                    {
                        var a = anns[i];
                        var p = new InstancePrompt(i + 1, coco.Category(a.CategoryId).Name, 1f, a.Box);
                        scene.Add(p);
                        promptOf[a.Id] = p;
                    }
                }
                else
                {
                    var dets = detector!.Detect(bgr);
                    scene.AddRange(dets.Select((d, i) => new InstancePrompt(i + 1, d.Label, d.Score, d.Box)));
                    var used = new HashSet<int>();
                    foreach (var a in anns.OrderByDescending(a => a.Area))
                    {
                        string label = coco.Category(a.CategoryId).Name;
                        var best = scene.Where(p => p.Label == label && !used.Contains(p.Id) && p.Box.Iou(a.Box) >= options.MatchIou)
                            .OrderByDescending(p => p.Box.Iou(a.Box)).FirstOrDefault();
                        if (best is null) continue;
                        used.Add(best.Id);
                        promptOf[a.Id] = best;
                    }
                }

                var sw = Stopwatch.StartNew();
                segmenter.Prepare(bgr);
                prepareMs += sw.Elapsed.TotalMilliseconds;
                using var cache = new MaskScoreCache(segmenter);
                for (int i = 0; i < anns.Count; i++)
                {
                    var a = anns[i];
                    int truePx = Cv2.CountNonZero(truth[i]);
                    if (truePx < options.MinMaskPx) continue;
                    if (!promptOf.TryGetValue(a.Id, out var prompt)) { unmatched++; continue; }
                    sw.Restart();
                    using var masks = masker.Mask(bgr, [prompt], scene, cache);
                    double ms = sw.Elapsed.TotalMilliseconds;
                    objectMs += ms;
                    var (iou, spill) = Score(masks.Target, truth[i], allTruth, truePx);
                    bool overlapping = anns.Where((b, j) => j != i).Any(b => b.Box.Intersect(a.Box).Area > 0);
                    bool empty = Cv2.CountNonZero(masks.Target) == 0;
                    items.Add(new MaskBenchItem(img.FileName, a.Id, prompt.Label, iou, spill, overlapping, empty,
                        (int)MathF.Round(a.Box.Width), (int)MathF.Round(a.Box.Height), Math.Round(ms, 1)));
                    log?.Report(string.Create(inv, $"{img.FileName} #{a.Id} {prompt.Label}: IoU {iou:0.000}, spill {spill:0.000}{(empty ? ", EMPTY" : "")}"));
                }
            }
            finally
            {
                foreach (var t in truth) t.Dispose();
            }
        }
        var ious = items.Select(i => i.Iou).ToList();
        var overlap = items.Where(i => i.Overlapping).ToList();
        return new MaskBenchScore(
            segmenter.Name, prompts == MaskPrompts.GroundTruth ? "ground-truth boxes" : "detector boxes", options.Masks.Compete,
            images, items.Count, unmatched,
            BenchStats.Mean(ious), BenchStats.Median(ious), overlap.Count, BenchStats.Mean(overlap.Select(i => i.Iou).ToList()),
            BenchStats.Mean(items.Select(i => i.Spill).ToList()), BenchStats.Mean(overlap.Select(i => i.Spill).ToList()),
            items.Count(i => i.Empty), items.Count(i => i.Empty && i.BoxWidth >= options.EmptyCheckSidePx && i.BoxHeight >= options.EmptyCheckSidePx),
            images == 0 ? double.NaN : (prepareMs + objectMs) / images / 1000, items.Count == 0 ? double.NaN : objectMs / items.Count / 1000,
            images == 0 ? double.NaN : prepareMs / images / 1000, items);
    }

    /// <summary>IoU of <paramref name="predicted"/> with annotation <paramref name="index"/>'s mask, and the share of that
    /// annotation's area (<paramref name="truePx"/>) predicted on other annotations' pixels outside it.</summary>
    internal static (double Iou, double Spill) Score(Mat predicted, IReadOnlyList<Mat> truth, int index, int truePx)
    {
        using var all = Union(truth, predicted.Size());
        return Score(predicted, truth[index], all, truePx);
    }

    /// <summary>The union (CV_8UC1, <paramref name="size"/>) of the annotations' masks.</summary>
    private static Mat Union(IReadOnlyList<Mat> truth, Size size)
    {
        var all = new Mat(size, MatType.CV_8UC1, Scalar.All(0));
        foreach (var t in truth) Cv2.BitwiseOr(all, t, all);
        return all;
    }

    /// <summary><see cref="Score(Mat, IReadOnlyList{Mat}, int, int)"/> with the union of every annotation's mask
    /// (<paramref name="allTruth"/>) computed once per image: the other annotations' pixels outside the target's are
    /// that union less <paramref name="own"/>.</summary>
    private static (double Iou, double Spill) Score(Mat predicted, Mat own, Mat allTruth, int truePx)
    {
        using var inter = new Mat();
        using var union = new Mat();
        Cv2.BitwiseAnd(predicted, own, inter);
        Cv2.BitwiseOr(predicted, own, union);
        int u = Cv2.CountNonZero(union);
        double iou = u == 0 ? 0 : (double)Cv2.CountNonZero(inter) / u;
        using var others = allTruth.Clone();
        others.SetTo(Scalar.All(0), own);
        using var spill = new Mat();
        Cv2.BitwiseAnd(predicted, others, spill);
        return (iou, truePx == 0 ? 0 : (double)Cv2.CountNonZero(spill) / truePx);
    }
}
