using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using InterCoG.Chain;
using InterCoG.Data;
using InterCoG.Imaging;
using InterCoG.Perception;
using InterCoG.Reasoning;
using OpenCvSharp;

namespace InterCoG.Bench;

/// <summary>How one sentence of a RefCOCO-style set was grounded.</summary>
/// <param name="Relation">Relation type from the sentence's words, see <see cref="GroundingBench.Classify"/>.</param>
/// <param name="Distractors">Other annotations of the referred object's class in its image.</param>
/// <param name="Size">"small" (area &lt; 32²), "medium" (&lt; 96²) or "large", from the referred box.</param>
/// <param name="Outcome">"unique", "ambiguous", "not_found" or "not_parsed".</param>
/// <param name="Iou">IoU (0..1) of the grounded box with the referred box; 0 when nothing unique was grounded.</param>
/// <param name="Reason">Why it failed (parse reason or grounding message); empty for hits.</param>
public sealed record GroundingItem(int SentId, int RefId, int AnnId, int ImageId, string Sentence, string Relation, int Distractors,
                                   string Size, string Outcome, float Iou, bool Hit, string Reason);

/// <summary>Accuracy of one group of sentences: count, hits, Acc@0.5 (0..1), mean IoU (0..1).</summary>
public sealed record GroundingBucket(int N, int Hits, double Acc50, double MIoU);

/// <summary>Grounding accuracy on a RefCOCO-style set (fractions 0..1, times in milliseconds).</summary>
/// <param name="MsPerSentence">Mean parse + ground time per sentence (detection excluded, see <see cref="MsPerImage"/>).</param>
/// <param name="MsPerImage">Mean scene-building time per image (detection + colour naming; oracle: colour naming only).</param>
public sealed record GroundingBenchResult(int N, double Acc50, double MIoU, bool Oracle, int Parsed, int Ambiguous, int NotFound,
    IReadOnlyDictionary<string, GroundingBucket> ByRelation, IReadOnlyDictionary<string, GroundingBucket> ByDistractors,
    IReadOnlyDictionary<string, GroundingBucket> BySize, double MsPerSentence, double MsPerImage, IReadOnlyList<GroundingItem> Items);

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
        IDetector? detector, ReasoningOptions? options = null, float minIou = 0.5f, IProgress<string>? progress = null)
    {
        var parser = new InstructionParser(options);
        var executor = new GroundingExecutor(options);
        var builder = new SceneBuilder();
        var scenes = new Dictionary<int, Scene>();
        var items = new List<GroundingItem>();
        double sceneMs = 0, groundMs = 0;
        int total = refs.Sum(r => r.Sentences.Count), done = 0;
        foreach (var r in refs.OrderBy(r => r.ImageId).ThenBy(r => r.RefId))
        {
            var ann = coco.Annotation(r.AnnId);
            if (!scenes.TryGetValue(r.ImageId, out var scene))
            {
                var image = coco.Image(r.ImageId);
                using var bgr = loadBgr(Path.Combine(imagesDir, image.FileName));
                var sw = Stopwatch.StartNew();
                var dets = detector is null ? OracleDetections(coco, coco.AnnotationsOf(r.ImageId)) : detector.Detect(bgr);
                scene = builder.Build(bgr, dets);
                sceneMs += sw.Elapsed.TotalMilliseconds;
                scenes[r.ImageId] = scene;
            }
            int distractors = coco.AnnotationsOf(r.ImageId).Count(a => a.Id != ann.Id && a.CategoryId == ann.CategoryId);
            foreach (var s in r.Sentences)
            {
                string text = s.Sent.Length > 0 ? s.Sent : s.Raw;
                var sw = Stopwatch.StartNew();
                var parsed = parser.Parse(text);
                GroundingOutcome? outcome = null;
                if (parsed.Parsed)
                {
                    var trace = new ChainTrace { Image = new TraceImage(r.FileName, scene.Width, scene.Height, ""), Instruction = text };
                    outcome = executor.Execute(parsed.Request!.Target, scene, trace);
                }
                groundMs += sw.Elapsed.TotalMilliseconds;
                string kind = outcome?.Kind switch
                {
                    GroundingKind.Unique => "unique", GroundingKind.Ambiguous => "ambiguous", GroundingKind.NotFound => "not_found", _ => "not_parsed",
                };
                float iou = outcome is { Kind: GroundingKind.Unique, Target: { } t } ? t.Box.Iou(ann.Box) : 0f;
                bool hit = iou >= minIou;
                string reason = hit ? "" : outcome is null ? parsed.Reason ?? "not parsed"
                    : outcome.Kind == GroundingKind.Unique ? $"wrong object: {outcome.Message} (IoU {iou:0.00})" : outcome.Message;
                items.Add(new GroundingItem(s.SentId, r.RefId, r.AnnId, r.ImageId, text, Classify(text), distractors, SizeClass(ann.Box), kind, iou, hit, reason));
                if (++done % 50 == 0 || done == total) progress?.Report($"grounding: {done}/{total} sentences, Acc@{minIou:0.0} so far {items.Count(i => i.Hit) / (double)items.Count:P1}");
            }
        }
        int n = items.Count;
        return new GroundingBenchResult(n, Acc(items), MeanIou(items), detector is null,
            items.Count(i => i.Outcome != "not_parsed"), items.Count(i => i.Outcome == "ambiguous"), items.Count(i => i.Outcome == "not_found"),
            Group(items, i => i.Relation, RelationTypes), Group(items, i => DistractorClass(i.Distractors), ["0", "1", "2", "3+"]),
            Group(items, i => i.Size, ["small", "medium", "large"]),
            n == 0 ? 0 : groundMs / n, scenes.Count == 0 ? 0 : sceneMs / scenes.Count, items);
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

    /// <summary>A self-contained HTML page: the totals, one table and one inline-SVG bar chart per breakdown, and the failures.</summary>
    public static string Html(GroundingBenchResult r, string title, int maxFailures = 200)
    {
        static string E(string s) => WebUtility.HtmlEncode(s);
        static string P(double v) => v.ToString("0.0%", CultureInfo.InvariantCulture);
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>").Append(E(title)).Append("</title><style>")
          .Append("body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}")
          .Append("td:first-child,th:first-child{text-align:left}.f td{text-align:left;font-size:90%}</style></head><body>");
        sb.Append("<h1>").Append(E(title)).Append("</h1><p>")
          .Append(CultureInfo.InvariantCulture, $"{r.N} sentences, {(r.Oracle ? "oracle boxes" : "detector boxes")}: Acc@0.5 <b>{P(r.Acc50)}</b>, mean IoU {r.MIoU:0.000}; ")
          .Append(CultureInfo.InvariantCulture, $"parsed {r.Parsed}, ambiguous {r.Ambiguous}, not found {r.NotFound}; {r.MsPerSentence:0.00} ms/sentence, {r.MsPerImage:0} ms/image scene.</p>");
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
        var failures = r.Items.Where(i => !i.Hit).Take(maxFailures).ToList();
        sb.Append(CultureInfo.InvariantCulture, $"<h2>Failures ({r.Items.Count(i => !i.Hit)}, first {failures.Count})</h2><table class=\"f\"><tr><th>sentence</th><th>relation</th><th>outcome</th><th>reason</th></tr>");
        foreach (var f in failures)
            sb.Append("<tr><td>").Append(E(f.Sentence)).Append("</td><td>").Append(E(f.Relation)).Append("</td><td>").Append(E(f.Outcome))
              .Append("</td><td>").Append(E(f.Reason)).Append("</td></tr>");
        sb.Append("</table></body></html>\n");
        return sb.ToString();
    }
}
