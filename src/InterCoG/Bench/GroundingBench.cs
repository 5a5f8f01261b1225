using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using InterCoG.Data;
using InterCoG.Imaging;
using InterCoG.Perception;
using InterCoG.Reasoning;
using OpenCvSharp;
using InterCoG.Tracing;
using InterCoG.Programs;
using InterCoG.Sharding;

namespace InterCoG.Bench;

/// <summary>How one sentence of a RefCOCO-style set was grounded.</summary>
/// <param name="Relation">Relation type from the sentence's words, see <see cref="GroundingBench.Classify"/>.</param>
/// <param name="Distractors">Other annotations of the referred object's class in its image.</param>
/// <param name="Size">"small" (area &lt; 32²), "medium" (&lt; 96²) or "large", from the referred box.</param>
/// <param name="Outcome">"unique", "ambiguous", "not_found" or "not_parsed".</param>
/// <param name="Iou">IoU (0..1) of the grounded box with the referred box; 0 when nothing unique was grounded.</param>
/// <param name="Reason">Why it failed (parse reason or grounding message); empty for hits.</param>
public sealed record GroundingItem(long SentId, long RefId, long AnnId, long ImageId, string Sentence, string Relation, int Distractors,
                                   string Size, string Outcome, float Iou, bool Hit, string Reason)
{
    /// <summary>IoU (0..1) of the grounded box taken as a mask (box-as-mask) with the referred annotation's mask
    /// (polygon or RLE); 0 when nothing unique was grounded; null when the annotation has no segmentation.</summary>
    public float? MaskIou { get; init; }

    /// <summary>Parse + ground time of this sentence in milliseconds (detection excluded).</summary>
    public double Ms { get; init; }

    /// <summary>Detector scenes only (null with oracle boxes): whether a candidate of the referred category
    /// (<see cref="GroundingExecutor.IsCandidate"/>) overlaps the referred box with IoU ≥ the hit threshold, i.e. whether
    /// the reasoning could pick it at all.</summary>
    public bool? TargetDetected { get; init; }

    /// <summary>Detector scenes only (null with oracle boxes): whether the candidates of the referred category match the
    /// image's annotations of that category one to one (each annotation matched with IoU ≥ the hit threshold, no
    /// candidate left over), so that orders and superlatives over the candidates are the annotations' own.</summary>
    public bool? SceneComplete { get; init; }

    /// <summary>The grounded object's own label (its arg-max class) when the answer was unique; null otherwise. A label
    /// other than the referred category means the object was counted by its class probability.</summary>
    public string? PickedLabel { get; init; }
}

/// <summary>End-to-end failures split between perception and reasoning (detector scenes only; fractions 0..1).</summary>
/// <param name="TargetDetected">Share of sentences whose referred object is among the candidates.</param>
/// <param name="SceneComplete">Share of sentences whose category's candidates match the annotations one to one.</param>
/// <param name="Acc50GivenDetected">Acc@0.5 over the sentences whose referred object is among the candidates.</param>
/// <param name="Acc50GivenComplete">Acc@0.5 over the sentences with a complete scene for their category.</param>
public sealed record PerceptionSplit(int N, int Detected, int Complete, double TargetDetected, double SceneComplete,
    double Acc50GivenDetected, double Acc50GivenComplete);

/// <summary>One image of a grounding run: its id, the time to build its scene (detection + colour naming, ms) and its
/// sentences' items in ref id order.</summary>
public sealed record GroundingUnit(long ImageId, double SceneMs, List<GroundingItem> Items);

/// <summary>Accuracy of one group of sentences: count, hits, Acc@0.5 (0..1), mean IoU (0..1).</summary>
public sealed record GroundingBucket(int N, int Hits, double Acc50, double MIoU);

/// <summary>Grounding accuracy on a RefCOCO-style set (fractions 0..1, times in milliseconds).</summary>
/// <param name="MsPerSentence">Mean parse + ground time per sentence (detection excluded, see <see cref="MsPerImage"/>).</param>
/// <param name="MsPerImage">Mean scene-building time per image (detection + colour naming; oracle: colour naming only).</param>
public sealed record GroundingBenchResult(int N, double Acc50, double MIoU, bool Oracle, int Parsed, int Ambiguous, int NotFound,
    IReadOnlyDictionary<string, GroundingBucket> ByRelation, IReadOnlyDictionary<string, GroundingBucket> ByDistractors,
    IReadOnlyDictionary<string, GroundingBucket> BySize, double MsPerSentence, double MsPerImage, IReadOnlyList<GroundingItem> Items)
{
    /// <summary>Mean mask IoU (0..1) over the sentences whose annotation has a segmentation, with the grounded box
    /// taken as the mask (<see cref="GroundingItem.MaskIou"/>); null when no annotation has one.</summary>
    public double? MaskIoU { get; init; }

    /// <summary>What the mask IoU compares: "box-as-mask vs annotation mask".</summary>
    public string MaskKind { get; init; } = "box-as-mask vs annotation mask";

    /// <summary>Detector scenes only (null with oracle boxes): how many failures perception leaves the reasoning no chance
    /// to avoid.</summary>
    public PerceptionSplit? Perception { get; init; }

    /// <summary>Grounding outcomes by relation type: relation → outcome ("unique", "ambiguous", "not_found", "not_parsed",
    /// "hit") → count.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> OutcomesByRelation { get; init; } = new Dictionary<string, IReadOnlyDictionary<string, int>>();
}

/// <summary>Measures referring-expression grounding: every sentence of refs.json is parsed as a bare expression and
/// grounded over a scene (from the annotations themselves with oracle boxes, or from a detector); a hit is a unique
/// target whose box has IoU ≥ the threshold with the referred annotation's box.</summary>
public static class GroundingBench
{
    /// <summary>Relation types in report order.</summary>
    public static readonly string[] RelationTypes =
        ["ordinal", "extreme", "region", "depth_near", "depth_far", "depth_front_behind", "next_to", "between", "size", "color", "count", "negation", "plain"];

    /// <summary>Relation type of a sentence from its words (first rule that matches): ordinal (first…tenth, 2nd…),
    /// extreme (leftmost, rightmost, topmost, bottommost, last), depth_near (nearest, closest, foreground),
    /// depth_far (farthest, furthest, most distant, background, back), depth_front_behind (in front, behind),
    /// between, next_to (next to, beside, near the X), size (largest, biggest, smallest, big, small, tallest…),
    /// negation (not), count (both, all, two), region (left, right, top, bottom, middle, center), colour (a colour word), plain.</summary>
    public static string Classify(string sentence)
    {
        var t = InstructionParser.Tokenize(sentence);
        bool Has(params string[] words) => words.Any(t.Contains);
        bool Phrase(params string[] words)
        {
            for (int i = 0; i + words.Length <= t.Count; i++)
                if (words.Select((w, k) => t[i + k] == w).All(b => b)) return true;
            return false;
        }
        if (t.Any(w => InstructionParser.OrdinalOf(w) is not null)) return "ordinal";
        if (Has("leftmost", "rightmost", "topmost", "bottommost", "uppermost", "lowermost", "last")) return "extreme";
        if (Has("nearest", "closest", "foreground", "nearer", "closer") && !Phrase("closest", "to") && !Phrase("nearest", "to")) return "depth_near";
        if (Has("farthest", "furthest", "background", "distant", "farther", "further") || Phrase("in", "the", "back")) return "depth_far";
        if (Phrase("in", "front") || Has("behind")) return "depth_front_behind";
        if (Has("between")) return "between";
        if (Phrase("next", "to") || Has("beside", "closest", "nearest") || Phrase("close", "to") ||
            t.Select((w, i) => w == "near" && i + 2 < t.Count && t[i + 1] == "the" && NounLexicon.IsKnownNoun(t[i + 2])).Any(b => b)) return "next_to";
        if (Has("largest", "biggest", "smallest", "tallest", "shortest", "big", "small", "large", "little", "tiny", "bigger", "smaller")) return "size";
        if (Has("not")) return "negation";
        if (Has("both", "all", "two", "three")) return "count";
        if (Has("left", "right", "top", "bottom", "middle", "center", "centre", "upper", "lower")) return "region";
        if (t.Any(w => ColorLexicon.Attribute(w) is not null && !NounLexicon.IsKnownNoun(w))) return "color";
        return "plain";
    }

    /// <summary>Size class of a box by area in pixels²: small &lt; 32², medium &lt; 96², large otherwise (COCO's convention).</summary>
    public static string SizeClass(Box b) => b.Area < 32 * 32 ? "small" : b.Area < 96 * 96 ? "medium" : "large";

    /// <summary>"0", "1", "2" or "3+" for a number of same-class distractors.</summary>
    public static string DistractorClass(int n) => n >= 3 ? "3+" : n.ToString(CultureInfo.InvariantCulture);

    /// <summary>Detections standing in for an image's annotations (oracle boxes): one per annotation whose category is
    /// one of the 80 COCO classes, score 1 and a one-hot class vector. <paramref name="classOf"/>, when given, maps a
    /// category onto its detector class index (-1: skipped) instead of <see cref="CocoCategory.CocoIndex"/>.</summary>
    public static List<Detection> OracleDetections(CocoDataset coco, IReadOnlyList<CocoAnnotation> annotations, Func<CocoCategory, int>? classOf = null)
    {
        var list = new List<Detection>();
        foreach (var a in annotations)
        {
            var category = coco.Category(a.CategoryId);
            int cls = classOf is null ? category.CocoIndex : classOf(category);
            if (cls < 0) continue;
            var probs = new float[CocoClasses.Names.Length];
            probs[cls] = 1f;
            list.Add(new Detection(a.Box, cls, 1f, probs));
        }
        return list;
    }

    /// <summary>Ground every sentence of <paramref name="refs"/>. <paramref name="detector"/> null means oracle boxes
    /// (scenes from the annotations); otherwise each image is detected once. Images are read with
    /// <paramref name="loadBgr"/> (8-bit BGR) from <paramref name="imagesDir"/>.</summary>
    public static GroundingBenchResult Run(CocoDataset coco, IReadOnlyList<RefCocoRef> refs, string imagesDir, Func<string, Mat> loadBgr,
        IDetector? detector, ReasoningOptions? options = null, float minIou = 0.5f, IProgress<string>? progress = null,
        Action<int, int, double>? onSentence = null) =>
        Summarize(RunUnits(coco, refs, imagesDir, loadBgr, detector, ShardSpec.Whole, options, minIou, progress, onSentence).Select(u => u.Unit),
            oracle: detector is null);

    /// <summary>The run's work units: the images holding a referred object, in image id order (unit i is the i-th).</summary>
    public static IReadOnlyList<long> UnitImages(IReadOnlyList<RefCocoRef> refs) => refs.Select(r => r.ImageId).Distinct().Order().ToList();

    /// <summary>Ground the sentences of the images <paramref name="shard"/> owns (<see cref="UnitImages"/>), one unit per
    /// image with its index in the whole run; <see cref="Summarize"/> turns any complete set of units into the result.</summary>
    public static IReadOnlyList<(int Index, GroundingUnit Unit)> RunUnits(CocoDataset coco, IReadOnlyList<RefCocoRef> refs, string imagesDir,
        Func<string, Mat> loadBgr, IDetector? detector, ShardSpec shard, ReasoningOptions? options = null, float minIou = 0.5f,
        IProgress<string>? progress = null, Action<int, int, double>? onSentence = null)
    {
        var annMasks = new Dictionary<long, (Mat Mask, int Area)?>();
        var parser = new InstructionParser(options);
        var executor = new GroundingExecutor(options);
        var builder = new SceneBuilder();
        var byImage = refs.GroupBy(r => r.ImageId).ToDictionary(g => g.Key, g => g.OrderBy(r => r.RefId).ToList());
        var mine = shard.Mine(UnitImages(refs)).ToList();
        var units = new List<(int, GroundingUnit)>();
        int total = mine.Sum(m => byImage[m.Item].Sum(r => r.Sentences.Count)), done = 0, hits = 0;
        foreach (var (index, imageId) in mine)
        {
            var image = coco.Image(imageId);
            Scene scene;
            double sceneMs;
            using (var bgr = loadBgr(Path.Combine(imagesDir, image.FileName)))
            {
                var sw0 = Stopwatch.StartNew();
                var dets = detector is null ? OracleDetections(coco, coco.AnnotationsOf(imageId)) : detector.Detect(bgr);
                scene = builder.Build(bgr, dets);
                sceneMs = sw0.Elapsed.TotalMilliseconds;
            }
            var items = new List<GroundingItem>();
            foreach (var r in byImage[imageId])
            {
                var ann = coco.Annotation(r.AnnId);
                int distractors = coco.AnnotationsOf(r.ImageId).Count(a => a.Id != ann.Id && a.CategoryId == ann.CategoryId);
                var (targetDetected, complete) = detector is null ? ((bool?)null, (bool?)null) : Coverage(coco, ann, scene, options ?? new ReasoningOptions(), minIou);
                foreach (var s in r.Sentences)
                {
                    string text = s.Sent.Length > 0 ? s.Sent : s.Raw;
                    var sw = Stopwatch.StartNew();
                    var parsed = parser.Parse(text);
                    GroundingOutcome? outcome = null;
                    if (parsed.Parsed)
                    {
                        var trace = new ChainTrace { Image = new TraceImage(r.FileName, scene.Width, scene.Height, ""), Instruction = text };
                        outcome = executor.Execute(parsed.Request!.Target, scene, trace, forEdit: false);
                    }
                    double ms = sw.Elapsed.TotalMilliseconds;
                    string kind = outcome?.Kind switch
                    {
                        GroundingKind.Unique => "unique", GroundingKind.Ambiguous => "ambiguous", GroundingKind.NotFound => "not_found", _ => "not_parsed",
                    };
                    float iou = outcome is { Kind: GroundingKind.Unique, Target: { } t } ? t.Box.Iou(ann.Box) : 0f;
                    float? maskIou = AnnotationMask(coco, ann, annMasks) is (Mat am, int aArea)
                        ? outcome is { Kind: GroundingKind.Unique, Target: { } mt } ? BoxMaskIou(mt.Box, am, aArea) : 0f
                        : null;
                    bool hit = iou >= minIou;
                    string reason = hit ? "" : outcome is null ? parsed.Reason ?? "not parsed"
                        : outcome.Kind == GroundingKind.Unique ? $"wrong object: {outcome.Message} (IoU {iou:0.00})" : outcome.Message;
                    items.Add(new GroundingItem(s.SentId, r.RefId, r.AnnId, r.ImageId, text, Classify(text), distractors, SizeClass(ann.Box), kind, iou, hit, reason)
                        { MaskIou = maskIou, Ms = ms, TargetDetected = targetDetected, SceneComplete = complete,
                          PickedLabel = outcome is { Kind: GroundingKind.Unique, Target: { } pt } ? pt.Label : null });
                    ++done;
                    if (hit) hits++;
                    onSentence?.Invoke(done, total, hits / (double)done);
                    if (done % 50 == 0 || done == total) progress?.Report($"grounding: {done}/{total} sentences, Acc@{minIou:0.0} so far {hits / (double)done:P1}");
                }
            }
            units.Add((index, new GroundingUnit(imageId, sceneMs, items)));
        }
        foreach (var m in annMasks.Values) m?.Mask.Dispose();
        return units;
    }

    /// <summary>The figures of a run from its units in run order (all of them, from one process or merged from shards):
    /// counts and sums over every sentence, never averages of averages. <paramref name="oracle"/>: scenes were the annotations.</summary>
    public static GroundingBenchResult Summarize(IEnumerable<GroundingUnit> units, bool oracle)
    {
        var list = units.ToList();
        var items = list.SelectMany(u => u.Items).ToList();
        int n = items.Count;
        var withMask = items.Where(i => i.MaskIou is not null).ToList();
        var outcomes = RelationTypes.Where(k => items.Any(i => i.Relation == k)).ToDictionary(k => k, k =>
            (IReadOnlyDictionary<string, int>)items.Where(i => i.Relation == k).GroupBy(i => i.Hit ? "hit" : i.Outcome)
                .OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count()));
        return new GroundingBenchResult(n, Acc(items), MeanIou(items), oracle,
            items.Count(i => i.Outcome != "not_parsed"), items.Count(i => i.Outcome == "ambiguous"), items.Count(i => i.Outcome == "not_found"),
            Group(items, i => i.Relation, RelationTypes), Group(items, i => DistractorClass(i.Distractors), ["0", "1", "2", "3+"]),
            Group(items, i => i.Size, ["small", "medium", "large"]),
            n == 0 ? 0 : items.Sum(i => i.Ms) / n, list.Count == 0 ? 0 : list.Sum(u => u.SceneMs) / list.Count, items)
        {
            MaskIoU = withMask.Count == 0 ? null : withMask.Average(i => (double)i.MaskIou!.Value),
            OutcomesByRelation = outcomes,
            Perception = oracle ? null : Split(items),
        };
    }

    // Whether the referred annotation is among the candidates of its category, and whether those candidates match the
    // image's annotations of the category one to one (greedy by IoU, each at least minIou).
    private static (bool? Detected, bool? Complete) Coverage(CocoDataset coco, CocoAnnotation ann, Scene scene, ReasoningOptions o, float minIou)
    {
        string category = coco.Category(ann.CategoryId).Name;
        var candidates = scene.Entities.Where(e => GroundingExecutor.IsCandidate(e, category, o)).ToList();
        bool detected = candidates.Any(e => e.Box.Iou(ann.Box) >= minIou);
        var same = coco.AnnotationsOf(ann.ImageId).Where(a => a.CategoryId == ann.CategoryId).ToList();
        if (candidates.Count != same.Count) return (detected, false);
        var pairs = (from a in same from e in candidates let iou = e.Box.Iou(a.Box) where iou >= minIou
                     orderby iou descending, a.Id, e.Id select (a, e)).ToList();
        var usedA = new HashSet<long>();
        var usedE = new HashSet<int>();
        foreach (var (a, e) in pairs)
            if (!usedA.Contains(a.Id) && !usedE.Contains(e.Id)) { usedA.Add(a.Id); usedE.Add(e.Id); }
        return (detected, usedA.Count == same.Count);
    }

    private static PerceptionSplit Split(List<GroundingItem> items)
    {
        var detected = items.Where(i => i.TargetDetected == true).ToList();
        var complete = items.Where(i => i.SceneComplete == true).ToList();
        int n = items.Count;
        return new PerceptionSplit(n, detected.Count, complete.Count, n == 0 ? 0 : detected.Count / (double)n, n == 0 ? 0 : complete.Count / (double)n,
            Acc(detected), Acc(complete));
    }

    /// <summary>How far each 2-D cue alone gets on the sentences that pick an extreme (leftmost, topmost, nearest,
    /// farthest … and "on the left"-style regions): for each such sentence the same-category annotations of its image
    /// are ranked by the cue and the first compared with the referred one. Cues: "centre" (x or y of the box centre),
    /// "bottom edge" (Y2) or "right edge" (X2), "top edge" (Y1) or "left edge" (X1), "box size" (√area) and "mask size" (√ segmentation area; near/far only,
    /// larger = nearer). No ties: the cue's order alone decides, so this measures the cue, not the executor's margins.</summary>
    /// <returns>Rows (pick: left, right, top, bottom, near, far; cue; hits; n), in a fixed order.</returns>
    public static List<(string Pick, string Cue, int Hits, int N)> Cues(CocoDataset coco, IReadOnlyList<RefCocoRef> refs)
    {
        var parser = new InstructionParser();
        var tally = new SortedDictionary<(int, string, string), (int Hits, int N)>();
        string[] picks = ["left", "right", "top", "bottom", "near", "far"];
        foreach (var r in refs)
        {
            var ann = coco.Annotation(r.AnnId);
            var same = coco.AnnotationsOf(r.ImageId).Where(a => a.CategoryId == ann.CategoryId).ToList();
            if (same.Count < 2) continue;
            foreach (var s in r.Sentences)
            {
                var parsed = parser.Parse(s.Sent.Length > 0 ? s.Sent : s.Raw);
                if (!parsed.Parsed) continue;
                var t = parsed.Request!.Target;
                string? pick = t.Ordinal is { N: 1 } o ? o.From : t.Region;
                int idx = Array.IndexOf(picks, pick);
                if (idx < 0) continue;
                bool vertical = pick is "top" or "bottom" or "near" or "far";
                // Larger key = picked first.
                double sign = pick is "left" or "top" or "far" ? -1 : 1;
                var cues = new List<(string, Func<CocoAnnotation, double>)>
                {
                    ("centre", a => sign * (vertical ? a.Box.CenterY : a.Box.CenterX)),
                    (vertical ? "bottom edge" : "right edge", a => sign * (vertical ? a.Box.Y2 : a.Box.X2)),
                    (vertical ? "top edge" : "left edge", a => sign * (vertical ? a.Box.Y1 : a.Box.X1)),
                };
                if (pick is "near" or "far")
                {
                    cues.Add(("box size", a => sign * Math.Sqrt(a.Box.Area)));
                    cues.Add(("mask size", a => sign * Math.Sqrt(a.Area)));
                }
                foreach (var (cue, key) in cues)
                {
                    var best = same.OrderByDescending(key).ThenBy(a => a.Id).First();
                    var k = (idx, pick!, cue);
                    var (h, n) = tally.GetValueOrDefault(k);
                    tally[k] = (h + (best.Id == ann.Id ? 1 : 0), n + 1);
                }
            }
        }
        return tally.Select(kv => (kv.Key.Item2, kv.Key.Item3, kv.Value.Hits, kv.Value.N)).ToList();
    }

    // The referred annotation's mask (CV_8UC1, 255 inside) and its pixel count; null without a segmentation. Cached per annotation.
    private static (Mat Mask, int Area)? AnnotationMask(CocoDataset coco, CocoAnnotation ann, Dictionary<long, (Mat Mask, int Area)?> cache)
    {
        if (cache.TryGetValue(ann.Id, out var hit)) return hit;
        (Mat, int)? value = null;
        if (ann.Rle is not null || ann.Polygons.Count > 0)
        {
            var image = coco.Image(ann.ImageId);
            var mask = CocoMasks.ToMask(ann, image.Width, image.Height);
            int area = Cv2.CountNonZero(mask);
            if (area > 0) value = (mask, area);
            else mask.Dispose();
        }
        cache[ann.Id] = value;
        return value;
    }

    /// <summary>IoU (0..1) of a box, filled as a mask (pixels whose centres lie inside it), with a CV_8UC1 mask of
    /// <paramref name="maskArea"/> non-zero pixels.</summary>
    public static float BoxMaskIou(Box box, Mat mask, int maskArea)
    {
        int x1 = Math.Clamp((int)MathF.Round(box.X1), 0, mask.Cols), y1 = Math.Clamp((int)MathF.Round(box.Y1), 0, mask.Rows);
        int x2 = Math.Clamp((int)MathF.Round(box.X2), 0, mask.Cols), y2 = Math.Clamp((int)MathF.Round(box.Y2), 0, mask.Rows);
        int boxArea = Math.Max(0, x2 - x1) * Math.Max(0, y2 - y1);
        int inter = 0;
        if (boxArea > 0)
        {
            using var roi = new Mat(mask, new Rect(x1, y1, x2 - x1, y2 - y1));
            inter = Cv2.CountNonZero(roi);
        }
        int union = boxArea + maskArea - inter;
        return union <= 0 ? 0f : inter / (float)union;
    }

    private static double Acc(IReadOnlyCollection<GroundingItem> items) => items.Count == 0 ? 0 : items.Count(i => i.Hit) / (double)items.Count;

    private static double MeanIou(IReadOnlyCollection<GroundingItem> items) => items.Count == 0 ? 0 : items.Average(i => (double)i.Iou);

    private static Dictionary<string, GroundingBucket> Group(List<GroundingItem> items, Func<GroundingItem, string> key, string[] order)
    {
        var d = new Dictionary<string, GroundingBucket>();
        foreach (string k in order)
        {
            var g = items.Where(i => key(i) == k).ToList();
            if (g.Count > 0) d[k] = new GroundingBucket(g.Count, g.Count(i => i.Hit), Acc(g), MeanIou(g));
        }
        return d;
    }

    /// <summary>A self-contained HTML page: the totals, outcomes by relation, one table and one inline-SVG bar chart per
    /// breakdown, a histogram of the per-sentence time, the cue table when given (<see cref="Cues"/>), and the failures.</summary>
    public static string Html(GroundingBenchResult r, string title, int maxFailures = 200) => Html(r, title, null, maxFailures);

    /// <summary>As <see cref="Html(GroundingBenchResult, string, int)"/>, with the rows of <see cref="Cues"/> (or null).</summary>
    public static string Html(GroundingBenchResult r, string title, IReadOnlyList<(string Pick, string Cue, int Hits, int N)>? cues, int maxFailures = 200)
    {
        static string E(string s) => WebUtility.HtmlEncode(s);
        static string P(double v) => v.ToString("0.0%", CultureInfo.InvariantCulture);
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>").Append(E(title)).Append("</title><style>")
          .Append("body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}")
          .Append("td:first-child,th:first-child{text-align:left}.f td{text-align:left;font-size:90%}</style></head><body>");
        sb.Append("<h1>").Append(E(title)).Append("</h1><p>")
          .Append(CultureInfo.InvariantCulture, $"{r.N} sentences, {(r.Oracle ? "oracle boxes" : "detector boxes")}: Acc@0.5 <b>{P(r.Acc50)}</b>, mean IoU {r.MIoU:0.000}; ")
          .Append(CultureInfo.InvariantCulture, $"parsed {r.Parsed}, ambiguous {r.Ambiguous}, not found {r.NotFound}; {r.MsPerSentence:0.00} ms/sentence, {r.MsPerImage:0} ms/image scene.")
          .Append(r.MaskIoU is double mi ? string.Format(CultureInfo.InvariantCulture, " Mask IoU ({0}): {1:0.000}.", E(r.MaskKind), mi) : " No annotation masks.")
          .Append("</p>");
        if (r.Perception is { } ps)
            sb.Append(CultureInfo.InvariantCulture, $"<h2>Perception or reasoning</h2><p>The referred object is among the candidates in {P(ps.TargetDetected)} of the sentences ({ps.Detected}/{ps.N}); ")
              .Append(CultureInfo.InvariantCulture, $"its category's candidates match the annotations one to one in {P(ps.SceneComplete)} ({ps.Complete}). ")
              .Append(CultureInfo.InvariantCulture, $"Acc@0.5 when the object is among the candidates: <b>{P(ps.Acc50GivenDetected)}</b>; when the category is found exactly: <b>{P(ps.Acc50GivenComplete)}</b>.</p>");
        sb.Append("<h2>Outcomes by relation</h2><table><tr><th>relation</th><th>hit</th><th>wrong object</th><th>ambiguous</th><th>not found</th><th>not parsed</th></tr>");
        foreach (var (k, o) in r.OutcomesByRelation)
            sb.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(k)}</td><td>{o.GetValueOrDefault("hit")}</td><td>{o.GetValueOrDefault("unique")}</td><td>{o.GetValueOrDefault("ambiguous")}</td><td>{o.GetValueOrDefault("not_found")}</td><td>{o.GetValueOrDefault("not_parsed")}</td></tr>");
        sb.Append("</table>");
        foreach (var (name, buckets) in new[] { ("By relation", r.ByRelation), ("By same-class distractors", r.ByDistractors), ("By target size", r.BySize) })
        {
            sb.Append("<h2>").Append(E(name)).Append("</h2><table><tr><th>group</th><th>n</th><th>hits</th><th>Acc@0.5</th><th>mIoU</th></tr>");
            foreach (var (k, b) in buckets)
                sb.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(k)}</td><td>{b.N}</td><td>{b.Hits}</td><td>{P(b.Acc50)}</td><td>{b.MIoU:0.000}</td></tr>");
            sb.Append("</table>");
            const int barH = 18, labelW = 140, chartW = 400;
            sb.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{labelW + chartW + 60}\" height=\"{buckets.Count * (barH + 4) + 4}\">");
            int y = 2;
            foreach (var (k, b) in buckets)
            {
                double w = chartW * b.Acc50;
                sb.Append(CultureInfo.InvariantCulture, $"<text x=\"0\" y=\"{y + 13}\" font-size=\"12\">{E(k)}</text>")
                  .Append(CultureInfo.InvariantCulture, $"<rect x=\"{labelW}\" y=\"{y}\" width=\"{chartW}\" height=\"{barH}\" fill=\"#eee\"/>")
                  .Append(CultureInfo.InvariantCulture, $"<rect x=\"{labelW}\" y=\"{y}\" width=\"{w:0.0}\" height=\"{barH}\" fill=\"#4a7\"/>")
                  .Append(CultureInfo.InvariantCulture, $"<text x=\"{labelW + chartW + 4}\" y=\"{y + 13}\" font-size=\"12\">{P(b.Acc50)}</text>");
                y += barH + 4;
            }
            sb.Append("</svg>");
        }
        // Per-sentence parse + ground time: 20 bins from 0 to the 99th percentile.
        var ms = r.Items.Select(i => i.Ms).OrderBy(v => v).ToList();
        if (ms.Count > 0)
        {
            double top = Math.Max(ms[(int)Math.Min(ms.Count - 1, Math.Floor(0.99 * ms.Count))], 1e-3);
            const int bins = 20, bw = 20, hMax = 80;
            var counts = new int[bins];
            foreach (double v in ms) counts[Math.Min(bins - 1, (int)(v / top * bins))]++;
            int cmax = Math.Max(1, counts.Max());
            sb.Append(CultureInfo.InvariantCulture, $"<h2>Time per sentence</h2><p>median {BenchStats.Median(ms):0.000} ms, mean {r.MsPerSentence:0.000} ms, 99th percentile {top:0.000} ms (parse + ground).</p>")
              .Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{bins * bw + 80}\" height=\"{hMax + 24}\">");
            for (int b = 0; b < bins; b++)
            {
                double h = hMax * counts[b] / (double)cmax;
                sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{b * bw}\" y=\"{hMax - h:0.0}\" width=\"{bw - 2}\" height=\"{h:0.0}\" fill=\"#47a\"><title>{counts[b]} sentences</title></rect>");
            }
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"0\" y=\"{hMax + 16}\" font-size=\"12\">0 ms</text><text x=\"{bins * bw - 30}\" y=\"{hMax + 16}\" font-size=\"12\">{top:0.00} ms</text></svg>");
        }
        if (cues is { Count: > 0 })
        {
            sb.Append("<h2>Each cue alone (annotations ranked by the cue only)</h2><table><tr><th>pick</th><th>cue</th><th>hits</th><th>n</th><th>share</th></tr>");
            foreach (var c in cues)
                sb.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(c.Pick)}</td><td>{E(c.Cue)}</td><td>{c.Hits}</td><td>{c.N}</td><td>{P(c.N == 0 ? 0 : c.Hits / (double)c.N)}</td></tr>");
            sb.Append("</table>");
        }
        var failures = r.Items.Where(i => !i.Hit).Take(maxFailures).ToList();
        sb.Append(CultureInfo.InvariantCulture, $"<h2>Failures ({r.Items.Count(i => !i.Hit)}, first {failures.Count})</h2><table class=\"f\"><tr><th>sentence</th><th>relation</th><th>outcome</th><th>reason</th></tr>");
        foreach (var f in failures)
            sb.Append("<tr><td>").Append(E(f.Sentence)).Append("</td><td>").Append(E(f.Relation)).Append("</td><td>").Append(E(f.Outcome))
              .Append("</td><td>").Append(E(f.Reason)).Append("</td></tr>");
        sb.Append("</table></body></html>\n");
        return sb.ToString();
    }
}
