using System.Diagnostics;
using InterCoG.Data;
using InterCoG.Imaging;
using InterCoG.Perception;
using OpenCvSharp;
using InterCoG.Sharding;

namespace InterCoG.Bench;

/// <summary>A referred object of a RefCOCO-style set: its annotation, image, COCO-80 class index and XYXY pixel box.</summary>
public sealed record RecallTarget(int AnnId, int ImageId, string FileName, int ClassId, Box Box)
{
    /// <summary>COCO class name of the target.</summary>
    public string Label => CocoClasses.Names[ClassId];
}

/// <summary>How one target was found. Each flag: some detection has IoU ≥ the threshold with the target box and
/// <see cref="Class"/> its arg-max class is the target's, <see cref="Top3"/> the target's class is among its 3 most
/// probable classes, <see cref="Agnostic"/> any class.</summary>
public sealed record RecallItem(RecallTarget Target, bool Class, bool Top3, bool Agnostic, float BestIou);

/// <summary>Detection recall of referred objects (fractions 0..1), the mean detector time per image in milliseconds
/// and the mean number of detections per image.</summary>
public sealed record RecallResult(string Detector, int Images, int Targets, double RecallClass, double RecallTop3,
                                  double RecallAgnostic, double MsPerImage, double DetectionsPerImage, IReadOnlyList<RecallItem> Items);

/// <summary>One image of a recall run: its id, the detector's time on it (ms), how many boxes it returned, and its targets' judgements.</summary>
public sealed record RecallUnit(int ImageId, double Ms, int Detections, List<RecallItem> Items);

/// <summary>Measures how many referred objects a detector finds: the ceiling on grounding accuracy that perception sets.</summary>
public static class DetectionRecall
{
    /// <summary>Distinct referred annotations (by ann_id) whose category is one of the 80 COCO classes, in ann_id order.</summary>
    public static IReadOnlyList<RecallTarget> ReferredTargets(CocoDataset coco, IReadOnlyList<RefCocoRef> refs) =>
        refs.Select(r => r.AnnId).Distinct().Order()
            .Select(coco.Annotation)
            .Select(a => (a, cls: coco.Category(a.CategoryId).CocoIndex))
            .Where(t => t.cls >= 0)
            .Select(t => new RecallTarget(t.a.Id, t.a.ImageId, coco.Image(t.a.ImageId).FileName, t.cls, t.a.Box))
            .ToList();

    /// <summary>Judge one target against a detection list (pure).</summary>
    public static RecallItem Judge(RecallTarget target, IReadOnlyList<Detection> detections, float minIou = 0.5f)
    {
        bool cls = false, top3 = false, any = false;
        float best = 0;
        foreach (var d in detections)
        {
            float iou = d.Box.Iou(target.Box);
            best = MathF.Max(best, iou);
            if (iou < minIou) continue;
            any = true;
            if (d.ClassId == target.ClassId) cls = true;
            if (InTopK(d.ClassProbs, target.ClassId, 3)) top3 = true;
        }
        return new RecallItem(target, cls, top3 || cls, any, best);
    }

    /// <summary>True when class <paramref name="classId"/> is among the <paramref name="k"/> largest entries of <paramref name="probs"/>.</summary>
    public static bool InTopK(float[] probs, int classId, int k)
    {
        if (classId < 0 || classId >= probs.Length) return false;
        float p = probs[classId];
        int larger = 0;
        for (int c = 0; c < probs.Length; c++)
            if (probs[c] > p || (probs[c] == p && c < classId)) larger++;
        return larger < k;
    }

    /// <summary>Run <paramref name="detector"/> once per image holding a target and judge every target.</summary>
    /// <param name="loadBgr">Reads an image file as 8-bit BGR (the caller owns the decoder).</param>
    /// <param name="imagesDir">Folder of the image files (default: the instances file's folder + "/images").</param>
    public static RecallResult Measure(IDetector detector, CocoDataset coco, IReadOnlyList<RefCocoRef> refs,
                                       Func<string, Mat> loadBgr, string? imagesDir = null, float minIou = 0.5f) =>
        Summarize(detector.Name, MeasureUnits(detector, coco, refs, loadBgr, ShardSpec.Whole, imagesDir, minIou).Select(u => u.Unit));

    /// <summary>The run's work units: the images holding a target, in image id order (unit i is the i-th).</summary>
    public static IReadOnlyList<int> UnitImages(CocoDataset coco, IReadOnlyList<RefCocoRef> refs) =>
        ReferredTargets(coco, refs).Select(t => t.ImageId).Distinct().Order().ToList();

    /// <summary>Detect and judge the images <paramref name="shard"/> owns (<see cref="UnitImages"/>), one unit per image
    /// with its index in the whole run; <see cref="Summarize"/> turns a complete set of units into the result.</summary>
    public static IReadOnlyList<(int Index, RecallUnit Unit)> MeasureUnits(IDetector detector, CocoDataset coco, IReadOnlyList<RefCocoRef> refs,
        Func<string, Mat> loadBgr, ShardSpec shard, string? imagesDir = null, float minIou = 0.5f)
    {
        var byImage = ReferredTargets(coco, refs).GroupBy(t => t.ImageId).ToDictionary(g => g.Key, g => g.ToList());
        string dir = imagesDir ?? Path.Combine(coco.Root, "images");
        var units = new List<(int, RecallUnit)>();
        foreach (var (index, imageId) in shard.Mine(UnitImages(coco, refs)))
        {
            using var bgr = loadBgr(Path.Combine(dir, coco.Image(imageId).FileName));
            var sw = Stopwatch.StartNew();
            var dets = detector.Detect(bgr);
            double ms = sw.Elapsed.TotalMilliseconds;
            units.Add((index, new RecallUnit(imageId, ms, dets.Count, byImage[imageId].Select(t => Judge(t, dets, minIou)).ToList())));
        }
        return units;
    }

    /// <summary>Recall over a run's units in run order (all of them, from one process or merged from shards): counts
    /// over every target, mean time and detections over every image.</summary>
    public static RecallResult Summarize(string detectorName, IEnumerable<RecallUnit> units)
    {
        var list = units.ToList();
        var items = list.SelectMany(u => u.Items).ToList();
        int images = list.Count;
        double n = Math.Max(1, items.Count);
        return new RecallResult(detectorName, images, items.Count, items.Count(i => i.Class) / n, items.Count(i => i.Top3) / n,
                                items.Count(i => i.Agnostic) / n, images == 0 ? 0 : list.Sum(u => u.Ms) / images,
                                images == 0 ? 0 : (double)list.Sum(u => u.Detections) / images, items);
    }
}
