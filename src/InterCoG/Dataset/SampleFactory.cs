using System.Globalization;
using InterCoG.Bench;
using InterCoG.Data;
using InterCoG.Editing;
using InterCoG.Imaging;
using InterCoG.Perception;
using InterCoG.Reasoning;
using OpenCvSharp;
using InterCoG.Tracing;
using InterCoG.Programs;

namespace InterCoG.Dataset;

/// <summary>A sample with the bytes of its files: the mask PNG and, with edits, the edited PNG.</summary>
public sealed record BuiltSample(DatasetSample Sample, byte[] MaskPng, byte[]? EditedPng);

/// <summary>Everything one image gave: its number in the instances file, its file bytes and its samples in order.</summary>
public sealed record ImageSamples(int ImageIndex, string ImageFile, byte[] SourceBytes, IReadOnlyList<BuiltSample> Samples);

/// <summary>Turns one annotated image into samples: draws targets (hard ones first), names each with checked referring
/// expressions of balanced relation types, wraps them in an instruction the parser reads back to the same operation and
/// target, records the chain in the trace format and, with edits, makes the ground-truth edited image. A pure function
/// of (options, instances, image bytes, image number): no shared state, so images may run on any thread.</summary>
public sealed class SampleFactory(CocoDataset coco, string imagesDir, DatasetOptions options)
{
    private static readonly string[] RecolorTargets = ["red", "orange", "yellow", "green", "blue", "purple", "pink", "brown", "white", "gray", "black"];

    // Instruction wordings per operation: {0} = expression, {1} = colour.
    private static readonly Dictionary<string, string[]> Verbs = new(StringComparer.Ordinal)
    {
        [Operations.Recolor] = ["make {0} {1}", "turn {0} {1}", "paint {0} {1}", "change the colour of {0} to {1}", "recolor {0} to {1}", "repaint {0} {1}", "color {0} {1}"],
        [Operations.Remove] = ["remove {0}", "delete {0}", "erase {0}", "get rid of {0}", "take out {0}", "take away {0}"],
        [Operations.Blur] = ["blur {0}", "blur out {0}", "make {0} blurry", "obscure {0}"],
        [Operations.Pixelate] = ["pixelate {0}", "censor {0}", "make {0} pixelated", "pixelize {0}"],
        [Operations.Brighten] = ["brighten {0}", "lighten {0}", "make {0} brighter", "make {0} lighter"],
        [Operations.Darken] = ["darken {0}", "dim {0}", "make {0} darker"],
        [Operations.Desaturate] = ["desaturate {0}", "make {0} black and white", "make {0} grayscale", "turn {0} grayscale", "make {0} monochrome"],
        [Operations.Flip] = ["flip {0}", "mirror {0}", "flip {0} horizontally"],
        [Operations.Cutout] = ["cut out {0}", "extract {0}", "isolate {0}", "cut {0} out"],
    };

    private readonly ExpressionGenerator _generator = new(options);
    private readonly Reasoner _reasoner = new(options.Reasoning);
    private readonly ClassicEditBackend _backend = new();
    private readonly SceneBuilder _sceneBuilder = new();

    /// <summary>Samples of image number <paramref name="imageIndex"/> of the instances file (in <see cref="CocoDataset.Images"/> order).</summary>
    public ImageSamples Build(int imageIndex)
    {
        var image = coco.Images[imageIndex];
        string path = coco.ImagePath(image, imagesDir);
        if (!File.Exists(path)) throw new InputException($"image not found: {path} (image {image.Id} of the instances file)");
        byte[] bytes = File.ReadAllBytes(path);
        using var loaded = ImageCodec.Decode(bytes, path);
        using var gt = GroundTruthScene.Build(coco, image, loaded.Bgr, _sceneBuilder);
        var scene = gt.Scene;
        var rng = new Random(MixSeed(options.Seed, ImageKey(coco, image)));
        string imageRel = ImageRelPath(imageIndex, image.FileName);
        var anchorCache = new Dictionary<int, List<Phrasing>>();
        var typeUse = new Dictionary<string, int>(StringComparer.Ordinal);
        var samples = new List<BuiltSample>();
        double imageArea = (double)scene.Width * scene.Height;

        foreach (var target in DrawTargets(gt, imageArea, rng))
        {
            // Candidates per type in a random order; each type is checked lazily, up to its first phrasing that grounds.
            // Anchors of a class with a crowd region cannot be named for sure (unannotated members): never used.
            var byType = _generator.Candidates(scene, target, anchorCache).Where(p => !p.AnchorIds.Any(gt.InCrowdedClass)).GroupBy(p => p.Type)
                .ToDictionary(g => g.Key, g => g.OrderBy(_ => rng.Next()).ToList());
            var valid = new Dictionary<string, Phrasing?>(StringComparer.Ordinal);
            Phrasing? FirstValid(string type)
            {
                if (!valid.TryGetValue(type, out var v))
                    valid[type] = v = byType[type].FirstOrDefault(p => _generator.Grounds(p.Text, scene, target.Id));
                return v;
            }
            var types = ExpressionGenerator.Types.Where(t => t != "plain" && byType.ContainsKey(t)).ToList();
            var chosen = new List<Phrasing>();
            while (chosen.Count < options.SamplesPerTarget)
            {
                // Balance: the type least used so far in this image, ties broken at random; a plain name ("the laptop")
                // only when nothing that needs reasoning names the target.
                if (types.Count == 0)
                {
                    if (chosen.Count == 0 && byType.ContainsKey("plain") && FirstValid("plain") is { } plain) chosen.Add(plain);
                    break;
                }
                int least = types.Min(t => typeUse.GetValueOrDefault(t));
                var pool = types.Where(t => typeUse.GetValueOrDefault(t) == least).ToList();
                string type = pool[rng.Next(pool.Count)];
                types.Remove(type);
                if (FirstValid(type) is { } p) chosen.Add(p);
            }
            // Alternatives: the first checked phrasing of up to MaxAlternatives other types.
            var alternatives = ExpressionGenerator.Types.Where(byType.ContainsKey).Select(FirstValid).OfType<Phrasing>()
                .Where(p => !chosen.Contains(p)).Take(options.MaxAlternatives).ToList();
            foreach (var phrasing in chosen)
            {
                string op = options.Operations[rng.Next(options.Operations.Count)];
                var built = MakeSample(loaded, gt, target, phrasing, alternatives, op, rng, imageIndex, samples.Count, imageRel);
                if (built is null) continue;
                typeUse[phrasing.Type] = typeUse.GetValueOrDefault(phrasing.Type) + 1;
                samples.Add(built);
            }
        }
        return new ImageSamples(imageIndex, imageRel, bytes, samples);
    }

    /// <summary>Relative path of an image's copy in the dataset: images/IIIIII.ext (ext of the source file).</summary>
    public static string ImageRelPath(int imageIndex, string fileName) =>
        $"images/{imageIndex.ToString("D6", CultureInfo.InvariantCulture)}{Path.GetExtension(fileName).ToLowerInvariant()}";

    /// <summary>A per-image seed from the build seed and an image key (SplitMix64 finaliser), so an image's samples do
    /// not depend on which shard or chunk it lands in.</summary>
    public static int MixSeed(int seed, int imageKey)
    {
        ulong z = ((ulong)(uint)seed << 32 | (uint)imageKey) + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z & 0x7FFFFFFF);
    }

    /// <summary>A 32-bit key of an image from its (64-bit) id, file name and annotations (FNV-1a), so two datasets whose image ids
    /// coincide still draw differently.</summary>
    public static int ImageKey(CocoDataset coco, CocoImage image)
    {
        uint h = 2166136261;
        void Mix(string s) { foreach (char ch in s) { h ^= ch; h *= 16777619; } }
        Mix(string.Create(CultureInfo.InvariantCulture, $"{image.Id}|{image.FileName}|"));
        foreach (var a in coco.AnnotationsOf(image.Id)) Mix(string.Create(CultureInfo.InvariantCulture, $"{a.Id},{a.CategoryId},{a.Box};"));
        return (int)h;
    }

    /// <summary>"hard" with ≥ 3 same-class distractors or with a distractor and a small target (box under
    /// SmallAreaFraction of the image); "medium" with a distractor or a small target; "easy" otherwise.</summary>
    public static string Level(int distractors, double relativeArea, double smallFraction) =>
        distractors >= 3 || (distractors >= 1 && relativeArea < smallFraction) ? "hard"
        : distractors >= 1 || relativeArea < smallFraction ? "medium" : "easy";

    // Weighted draw without replacement: weight 1 + DistractorWeight × distractors + SmallTargetWeight when small.
    private List<SceneEntity> DrawTargets(GroundTruthScene gt, double imageArea, Random rng)
    {
        var pool = gt.Scene.Entities.Where(e => !gt.CrowdLabels.Contains(e.Label)
                && MaskOps.Count(gt.MaskOf[e.Id]) >= options.MinTargetAreaPx && e.Box.Area / imageArea <= options.MaxTargetAreaFraction)
            .Select(e => (e, w: 1 + options.DistractorWeight * Distractors(gt.Scene, e) + (e.Box.Area / imageArea < options.SmallAreaFraction ? options.SmallTargetWeight : 0)))
            .ToList();
        var drawn = new List<SceneEntity>();
        while (pool.Count > 0 && drawn.Count < options.TargetsPerImage)
        {
            double r = rng.NextDouble() * pool.Sum(p => p.w);
            int i = 0;
            for (; i < pool.Count - 1 && r >= pool[i].w; i++) r -= pool[i].w;
            drawn.Add(pool[i].e);
            pool.RemoveAt(i);
        }
        return drawn;
    }

    private static int Distractors(Scene scene, SceneEntity t) => scene.Entities.Count(e => e != t && e.Label == t.Label);

    private BuiltSample? MakeSample(LoadedImage loaded, GroundTruthScene gt, SceneEntity target, Phrasing phrasing, List<Phrasing> all,
        string op, Random rng, int imageIndex, int number, string imageRel)
    {
        var scene = gt.Scene;
        string? color = op == Operations.Recolor ? Pick(RecolorTargets.Where(c => c != target.ColorName).ToList(), rng) : null;
        // Wordings in a random order; the first the parser reads back to this operation and this target wins.
        var wordings = Verbs[op].OrderBy(_ => rng.Next()).ToList();
        bool capital = rng.Next(2) == 0, period = rng.Next(3) == 0;
        foreach (string w in wordings)
        {
            string text = string.Format(CultureInfo.InvariantCulture, w, phrasing.Text, color);
            if (capital) text = char.ToUpperInvariant(text[0]) + text[1..];
            if (period) text += ".";
            var parse = _reasoner.Parse(text);
            if (!parse.Parsed || parse.Request is not { } req || req.Operation != op || !ExpressionGenerator.FullyUnderstood(parse)) continue;
            if (color is not null && req.Arguments.GetValueOrDefault("color") != color) continue;
            var trace = new ChainTrace { Image = new TraceImage(imageRel, scene.Width, scene.Height, loaded.Sha256), Instruction = text, Request = req };
            trace.Add(new TraceStep(Stages.Reason, Reasoner.Describe(req)));
            trace.Add(DetectStep(scene, target.Label));
            int before = trace.Steps.Count;
            var outcome = _reasoner.Ground(req.Target, scene, trace);
            if (!ExpressionGenerator.IsExactly(outcome, target.Id)) continue;
            return Finish(loaded, gt, target, phrasing, all, req, text, trace, trace.Steps.Count - before, imageIndex, number, imageRel);
        }
        return null;
    }

    private static string? Pick(List<string> items, Random rng) => items.Count == 0 ? null : items[rng.Next(items.Count)];

    private static TraceStep DetectStep(Scene scene, string category)
    {
        string counts = string.Join(", ", scene.Entities.GroupBy(e => e.Label).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Count()} {g.Key}"));
        var same = scene.Entities.Where(e => e.Label == category).ToList();
        return new TraceStep(Stages.Detect, $"{scene.Entities.Count} annotated objects: {counts}; {category}: {string.Join(" ", same.Select(e => "#" + e.Id))}.")
        {
            Boxes = scene.Entities.Select(e => TraceBox.From(e.Id, e.Label, e.Score, e.Box, e.Label == category ? "candidate" : null)).ToList(),
        };
    }

    private BuiltSample Finish(LoadedImage loaded, GroundTruthScene gt, SceneEntity target, Phrasing phrasing, List<Phrasing> all,
        EditRequest req, string text, ChainTrace trace, int reasonSteps, int imageIndex, int number, string imageRel)
    {
        var scene = gt.Scene;
        var ann = gt.AnnotationOf[target.Id];
        var mask = gt.MaskOf[target.Id];
        string id = $"{imageIndex.ToString("D6", CultureInfo.InvariantCulture)}-{number.ToString("D2", CultureInfo.InvariantCulture)}";
        var rle = CocoRle.Encode(mask);
        int maskPx = MaskOps.Count(mask);
        trace.Add(new TraceStep(Stages.Ground, $"Target #{target.Id} {target.Label} at {target.Box}; mask from annotation {ann.Id} ({maskPx} px).")
        {
            Boxes = [TraceBox.From(target.Id, target.Label, target.Score, target.Box, "target")],
            Mask = rle,
        });
        string rewritten = Rewriter.Rewrite(req, target);
        trace.Add(new TraceStep(Stages.Rewrite, rewritten));

        byte[]? edited = null;
        if (options.Edits)
        {
            using var edit = _backend.Apply(new EditContext(loaded.Bgr, mask, EditOperation.From(req), target));
            using var output = edit.Bgra is { } cut ? cut.Clone() : Compositor.Composite(loaded, edit.Edited, edit.Region, options.FeatherPx);
            edited = ImageCodec.Encode(output, "png");
            trace.Add(new TraceStep(Stages.Edit, edit.Text) { Mask = CocoRle.Encode(edit.Region), Data = edit.Data });
        }
        double imageArea = (double)scene.Width * scene.Height;
        int distractors = Distractors(scene, target);
        double rel = target.Box.Area / imageArea;
        double halfDiag = Math.Sqrt(scene.Width * (double)scene.Width + scene.Height * (double)scene.Height) / 2;
        double offset = Math.Sqrt(Math.Pow(target.Box.CenterX - scene.Width / 2.0, 2) + Math.Pow(target.Box.CenterY - scene.Height / 2.0, 2)) / halfDiag;
        var difficulty = new SampleDifficulty(Level(distractors, rel, options.SmallAreaFraction), distractors, scene.Entities.Count, Math.Round(rel, 5),
            Math.Round(maskPx / imageArea, 5), 1 + scene.Entities.Count(e => e.Box.Area > target.Box.Area), Math.Round(offset, 4),
            GroundingBench.SizeClass(target.Box), reasonSteps);
        var sample = new DatasetSample
        {
            Id = id, Image = imageRel, SourceFile = coco.Images[imageIndex].FileName, ImageId = coco.Images[imageIndex].Id,
            Width = scene.Width, Height = scene.Height, Instruction = text, Expression = phrasing.Text, Operation = req.Operation,
            Arguments = new SortedDictionary<string, string>(req.Arguments, StringComparer.Ordinal).ToDictionary(),
            Relation = phrasing.Type, RelationKind = phrasing.Kind, Nested = phrasing.Nested,
            AnchorAnnIds = phrasing.AnchorIds.Select(a => gt.AnnotationOf[a].Id).ToArray(),
            Target = new SampleTarget(ann.Id, target.Id, target.Label, [R(ann.Box.X1), R(ann.Box.Y1), R(ann.Box.X2), R(ann.Box.Y2)]),
            Mask = new CompressedRle(rle.Size, CocoMasks.EncodeCompressedCounts(rle.Counts)),
            MaskImage = $"masks/{id}.png",
            EditedImage = edited is null ? null : $"edited/{id}.png",
            Rewritten = rewritten, Difficulty = difficulty,
            Alternatives = all.Where(p => p != phrasing).Select(p => new AltPhrasing(p.Text, p.Type)).ToArray(),
            Chain = trace.Steps,
        };
        return new BuiltSample(sample, ImageCodec.Encode(mask, "png"), edited);
    }

    private static float R(float v) => MathF.Round(v, 2);
}
