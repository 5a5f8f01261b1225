using InterCoG.Perception;
using InterCoG.Reasoning;
using InterCoG.Tracing;
using InterCoG.Programs;

namespace InterCoG.Dataset;

/// <summary>A referring expression that the reasoning engine grounded to exactly its target.</summary>
/// <param name="Text">The words, e.g. "the second cup from the left".</param>
/// <param name="Type">Relation type (see <see cref="ExpressionGenerator.Types"/>).</param>
/// <param name="Kind">The precise relation, e.g. "left_of", "ordinal_left", "largest".</param>
/// <param name="Nested">True when an anchor is itself named by a spatial phrase ("the cup left of the bowl on the right").</param>
/// <param name="AnchorIds">Scene ids of the anchors the expression names (empty without a relation).</param>
public sealed record Phrasing(string Text, string Type, string Kind, bool Nested, IReadOnlyList<int> AnchorIds);

/// <summary>Writes referring expressions for an object from the scene's geometry (ordinals, superlatives, regions,
/// depth, relations to other objects, between, negation, measured colour) in several wordings each, and keeps only
/// those that the project's own parser and grounding executor resolve to exactly that object. The check decides, not
/// the generator: a template the parser reads differently is dropped, never trusted.</summary>
public sealed class ExpressionGenerator(DatasetOptions options)
{
    /// <summary>Relation types in report order.</summary>
    public static readonly string[] Types =
        ["ordinal", "extreme", "size", "region", "depth", "spatial", "proximity", "front_behind", "between", "negation", "color", "plain"];

    private readonly Reasoner _reasoner = new(options.Reasoning);
    private readonly ReasoningOptions _ro = options.Reasoning;

    // Alternative nouns that name exactly the category (never a sub-kind or a gender): used for wording variety.
    private static readonly Dictionary<string, string[]> Synonyms = new(StringComparer.Ordinal)
    {
        ["tv"] = ["tv", "television"], ["dining table"] = ["dining table", "table"], ["couch"] = ["couch", "sofa"],
        ["cell phone"] = ["cell phone", "phone"], ["potted plant"] = ["potted plant", "plant"], ["motorcycle"] = ["motorcycle", "motorbike"],
        ["airplane"] = ["airplane", "plane"], ["bicycle"] = ["bicycle", "bike"], ["laptop"] = ["laptop"], ["cup"] = ["cup"],
        ["wine glass"] = ["wine glass"], ["sports ball"] = ["ball"], ["refrigerator"] = ["refrigerator", "fridge"],
    };

    private static readonly string[] OrdinalWords = ["", "first", "second", "third", "fourth", "fifth"];

    /// <summary>Every checked phrasing of <paramref name="target"/> in <paramref name="scene"/>, in a fixed order
    /// (the caller draws from them). <paramref name="anchorPhrases"/> caches the simple names of anchors per scene.</summary>
    public List<Phrasing> Generate(Scene scene, SceneEntity target, Dictionary<int, List<Phrasing>> anchorPhrases)
    {
        var result = new List<Phrasing>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Try(string text, string type, string kind, bool nested = false, IReadOnlyList<int>? anchors = null)
        {
            if (seen.Add(text) && Grounds(text, scene, target.Id)) result.Add(new Phrasing(text, type, kind, nested, anchors ?? []));
        }
        foreach (var p in Candidates(scene, target, anchorPhrases)) Try(p.Text, p.Type, p.Kind, p.Nested, p.AnchorIds);
        return result;
    }

    /// <summary>Every phrasing proposed for <paramref name="target"/>, not yet checked (anchors are named by checked
    /// phrases); a caller keeps one only after <see cref="Grounds"/> says so.</summary>
    public List<Phrasing> Candidates(Scene scene, SceneEntity target, Dictionary<int, List<Phrasing>> anchorPhrases)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return SimpleCandidates(scene, target).Concat(RelationCandidates(scene, target, anchorPhrases)).Where(p => seen.Add(p.Text)).ToList();
    }

    /// <summary>True when <paramref name="text"/> parses as a bare expression with every word used and grounds to
    /// exactly the entity <paramref name="targetId"/> of <paramref name="scene"/>.</summary>
    public bool Grounds(string text, Scene scene, int targetId)
    {
        var parse = _reasoner.Parse(text);
        if (!parse.Parsed || parse.Request is not { } req || req.Operation != Operations.Ground || !FullyUnderstood(parse)) return false;
        var outcome = _reasoner.Ground(req.Target, scene, NewTrace(scene, text));
        return IsExactly(outcome, targetId);
    }

    /// <summary>Unique outcome of one object with id <paramref name="targetId"/>.</summary>
    public static bool IsExactly(GroundingOutcome outcome, int targetId) =>
        outcome.Kind == GroundingKind.Unique && outcome.Targets.Count == 1 && outcome.Target?.Id == targetId;

    /// <summary>No word set aside: no notes, nothing unresolved (in the expression or any anchor), a single object.</summary>
    public static bool FullyUnderstood(ParseResult parse) =>
        parse.Notes.Count == 0 && parse.Request is { } r && Clean(r.Target);

    private static bool Clean(ReferringExpression? e) => e is null ||
        (e.InVocabulary && e.Count is null && (e.Unresolved is null || e.Unresolved.Count == 0) && Clean(e.Negated) &&
         (e.Relation is null || (Clean(e.Relation.Anchor) && Clean(e.Relation.SecondAnchor))));

    internal static ChainTrace NewTrace(Scene scene, string text) =>
        new() { Image = new TraceImage("", scene.Width, scene.Height, ""), Instruction = text };

    /// <summary>Nouns for a category: the COCO name and exact synonyms the lexicon maps back onto it.</summary>
    public static string[] Nouns(string category) =>
        (Synonyms.TryGetValue(category, out var s) ? s : [category]).Where(n => NounLexicon.Lookup(n) == category).DefaultIfEmpty(category).ToArray();

    // Phrases that need no other object: plain, colour, region, extreme, ordinal, size, depth, negation.
    private IEnumerable<Phrasing> SimpleCandidates(Scene scene, SceneEntity t)
    {
        var same = scene.Entities.Where(e => e.Label == t.Label).ToList();
        bool colorOk = !options.NoColorCategories.Contains(t.Label);
        string color = t.ColorName;
        foreach (string n in Nouns(t.Label))
        {
            yield return P($"the {n}", "plain", "plain");
            if (colorOk) yield return P($"the {color} {n}", "color", "color");
            if (same.Count < 2) continue;
            // Regions and extremes, only on the sides where the target comes first.
            foreach (var (side, key) in Sides)
            {
                if (same.Any(e => e != t && key(e.Box.CenterX, e.Box.CenterY) >= key(t.Box.CenterX, t.Box.CenterY))) continue;
                foreach (string w in RegionWords[side]) yield return P(string.Format(w, n), "region", "region_" + side);
                if (ExtremeWords.TryGetValue(side, out var ew)) yield return P($"the {ew} {n}", "extreme", "extreme_" + side);
                if (colorOk) yield return P($"the {color} {n} {RegionWords[side][0].Replace("the {0} ", "", StringComparison.Ordinal)}", "region", "region_" + side);
            }
            // Ordinals from each side (2nd..5th; the first is an extreme).
            foreach (var (side, key) in Sides)
            {
                int rank = 1 + same.Count(e => e != t && key(e.Box.CenterX, e.Box.CenterY) > key(t.Box.CenterX, t.Box.CenterY));
                if (rank is < 2 or > 5) continue;
                yield return P($"the {OrdinalWords[rank]} {n} from the {side}", "ordinal", "ordinal_" + side);
                yield return P($"the {n} {OrdinalWords[rank]} from the {side}", "ordinal", "ordinal_" + side);
            }
            // Size and depth superlatives (the engine's own margins decide whether the lead is clear).
            bool Most(Func<SceneEntity, double> f) => same.All(e => e == t || f(e) < f(t));
            if (Most(e => e.Box.Area)) { yield return P($"the largest {n}", "size", "largest"); yield return P($"the biggest {n}", "size", "largest"); }
            if (Most(e => -e.Box.Area)) yield return P($"the smallest {n}", "size", "smallest");
            if (Most(e => e.Box.Height)) yield return P($"the tallest {n}", "size", "tallest");
            if (Most(e => -e.Box.Height)) yield return P($"the shortest {n}", "size", "shortest");
            bool Leads(Func<SceneEntity, double> f) => same.All(e => e == t || f(t) - f(e) >= options.MinDepthLead);
            if (Leads(e => SpatialRelations.Nearness(e.Box)))
            {
                yield return P($"the nearest {n}", "depth", "nearest");
                yield return P($"the closest {n}", "depth", "nearest");
                yield return P($"the {n} in the foreground", "depth", "nearest");
            }
            if (Leads(e => -SpatialRelations.Nearness(e.Box)))
            {
                yield return P($"the farthest {n}", "depth", "farthest");
                yield return P($"the most distant {n}", "depth", "farthest");
                yield return P($"the {n} in the background", "depth", "farthest");
            }
            int nearRank = 1 + same.Count(e => e != t && SpatialRelations.Nearness(e.Box) > SpatialRelations.Nearness(t.Box));
            if (nearRank is >= 2 and <= 4) yield return P($"the {OrdinalWords[nearRank]} closest {n}", "ordinal", "ordinal_near");
            // Negation of a colour the other members show.
            foreach (string other in same.Where(e => e != t && colorOk).Select(e => e.ColorName).Where(c => c != color).Distinct().Order(StringComparer.Ordinal))
            {
                yield return P($"the {n} that is not {other}", "negation", "not_color");
                yield return P($"the {n} which is not {other}", "negation", "not_color");
            }
        }
    }

    private static Phrasing P(string text, string type, string kind) => new(text, type, kind, false, []);

    private static readonly (string Side, Func<float, float, float> Key)[] Sides =
    [
        ("left", (x, _) => -x), ("right", (x, _) => x), ("top", (_, y) => -y), ("bottom", (_, y) => y),
    ];

    private static readonly Dictionary<string, string[]> RegionWords = new(StringComparer.Ordinal)
    {
        ["left"] = ["the {0} on the left", "the {0} at the left", "the {0} on the left side", "the {0} on the left of the picture"],
        ["right"] = ["the {0} on the right", "the {0} at the right", "the {0} on the right side", "the {0} on the right of the image"],
        ["top"] = ["the {0} at the top", "the {0} on the top", "the {0} at the top of the picture"],
        ["bottom"] = ["the {0} at the bottom", "the {0} on the bottom", "the {0} at the bottom of the image"],
    };

    private static readonly Dictionary<string, string> ExtremeWords = new(StringComparer.Ordinal)
    {
        ["left"] = "leftmost", ["right"] = "rightmost", ["top"] = "topmost", ["bottom"] = "bottommost",
    };

    // Relation words per kind; the first is the plainest.
    private static readonly (string Kind, string Type, string[] Words)[] RelationWords =
    [
        (SpatialRelations.LeftOf, "spatial", ["left of", "to the left of", "on the left of"]),
        (SpatialRelations.RightOf, "spatial", ["right of", "to the right of", "on the right of"]),
        (SpatialRelations.Above, "spatial", ["above", "over"]),
        (SpatialRelations.Below, "spatial", ["below", "under", "beneath", "underneath"]),
        (SpatialRelations.NextTo, "proximity", ["next to", "beside", "near", "close to"]),
        (SpatialRelations.InFrontOf, "front_behind", ["in front of"]),
        (SpatialRelations.Behind, "front_behind", ["behind"]),
        (SpatialRelations.ClosestTo, "proximity", ["closest to", "nearest to"]),
        (SpatialRelations.FarthestFrom, "proximity", ["farthest from", "furthest from"]),
    ];

    // Relations to the nearest anchors, each anchor named by one of its own checked simple phrasings.
    private IEnumerable<Phrasing> RelationCandidates(Scene scene, SceneEntity t, Dictionary<int, List<Phrasing>> anchorPhrases)
    {
        var anchors = scene.Entities.Where(e => e != t)
            .OrderBy(e => SpatialRelations.CentreDistance(e.Box, t.Box)).ThenBy(e => e.Id).Take(Math.Max(0, options.MaxAnchors)).ToList();
        string n = Nouns(t.Label)[0];
        var rivals = scene.Entities.Where(e => e != t && e.Label == t.Label).ToList();
        foreach (var a in anchors)
        {
            var names = AnchorNames(scene, a, anchorPhrases);
            if (names.Count == 0) continue;
            foreach (var (kind, type, words) in RelationWords)
            {
                bool holds = SpatialRelations.All.TryGetValue(kind, out var test) ? test(t.Box, a.Box, _ro) : true;
                if (!holds) continue;
                // A pure filter relation that another object of the class also satisfies with this anchor cannot single
                // out the target (the executor keeps every candidate related to any anchor candidate): skip the check.
                if (test is not null && kind != SpatialRelations.NextTo && rivals.Any(r => r.Id != a.Id && test(r.Box, a.Box, _ro))) continue;
                for (int w = 0; w < words.Length; w++)
                {
                    var name = names[w % names.Count];
                    yield return new Phrasing($"the {n} {words[w]} {name.Text}", type, kind, name.Type != "plain" && name.Type != "color", [a.Id]);
                }
            }
        }
        // between: pairs of anchors with the target's centre inside the segment joining theirs.
        for (int i = 0; i < anchors.Count; i++)
            for (int j = i + 1; j < anchors.Count; j++)
            {
                var (a1, a2) = (anchors[i], anchors[j]);
                var (tt, d) = SpatialRelations.Project(t.Box, a1.Box, a2.Box);
                if (!(tt > 0 && tt < 1 && d <= _ro.RelationBand * SpatialRelations.MeanSize(a1.Box, a2.Box))) continue;
                var n1 = AnchorNames(scene, a1, anchorPhrases);
                var n2 = AnchorNames(scene, a2, anchorPhrases);
                if (n1.Count == 0 || n2.Count == 0) continue;
                yield return new Phrasing($"the {n} between {n1[0].Text} and {n2[0].Text}", "between", "between",
                    n1[0].Type is not ("plain" or "color") || n2[0].Type is not ("plain" or "color"), [a1.Id, a2.Id]);
            }
    }

    // Checked simple names of an anchor, plainest first (plain, colour, then spatial ones), cached per scene.
    private List<Phrasing> AnchorNames(Scene scene, SceneEntity a, Dictionary<int, List<Phrasing>> cache)
    {
        if (cache.TryGetValue(a.Id, out var names)) return names;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        // Ordered before checking (a stable sort), so the checks stop at the third name that grounds.
        names = SimpleCandidates(scene, a).Where(p => p.Type is not ("negation" or "ordinal") && seen.Add(p.Text))
            .OrderBy(p => p.Type switch { "plain" => 0, "color" => 1, _ => 2 }).Where(p => Grounds(p.Text, scene, a.Id)).Take(3).ToList();
        cache[a.Id] = names;
        return names;
    }
}
