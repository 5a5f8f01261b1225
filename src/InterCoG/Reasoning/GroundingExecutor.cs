using System.Globalization;
using InterCoG.Chain;
using InterCoG.Perception;

namespace InterCoG.Reasoning;

/// <summary>How grounding ended: exactly one object, several that nothing tells apart, or none.</summary>
public enum GroundingKind { Unique, Ambiguous, NotFound }

/// <summary>The outcome of grounding a referring expression. Ambiguity and absence are outcomes, never guesses.</summary>
/// <param name="Target">The object meant (only when <see cref="Kind"/> is Unique).</param>
/// <param name="Candidates">Ambiguous: the objects still in the running. NotFound: the nearest candidates (same
/// category ignoring the failed step, or the top entities by class probability). Unique: empty.</param>
/// <param name="Message">One sentence saying why.</param>
public sealed record GroundingOutcome(GroundingKind Kind, SceneEntity? Target, IReadOnlyList<SceneEntity> Candidates, string Message);

/// <summary>One node of a grounding program: an operation name from the registry plus its literal inputs.</summary>
/// <param name="Op">Registry name, e.g. "filter_category", "relate_left_of", "region", "ordinal".</param>
/// <param name="Value">Literal: category, colour, side.</param>
/// <param name="Anchor">For relations: the expression naming the anchor, grounded by the same executor.</param>
/// <param name="N">For ordinals: 1-based position; for relations: 1 when the nearest may break a tie.</param>
public sealed record GroundingNode(string Op, string? Value = null, ReferringExpression? Anchor = null, int N = 0);

/// <summary>What a node did: the entities it kept, the sentence and boxes of its trace step, and a stop outcome
/// when it cannot go on (an ambiguous pick, an anchor not found).</summary>
public sealed record NodeResult(IReadOnlyList<SceneEntity> Output, string Text, List<TraceBox> Boxes, GroundingOutcome? Stop = null);

/// <summary>Shared state of one grounding run, passed to every handler.</summary>
/// <param name="Emit">Appends a step to the trace (and tells any listener).</param>
public sealed record GroundingContext(Scene Scene, ReasoningOptions Options, Action<TraceStep> Emit, int Depth, string Prefix,
    Func<ReferringExpression, int, GroundingOutcome> GroundAnchor);

/// <summary>The one signature every grounding operation shares.</summary>
public delegate NodeResult GroundingHandler(GroundingContext ctx, IReadOnlyList<SceneEntity> input, GroundingNode node);

/// <summary>Executes a <see cref="ReferringExpression"/> over a <see cref="Scene"/>: compiles it to a list of nodes
/// (category, colour, relation, region, ordinal), runs each through a registry of handlers, and appends one
/// "reason" trace step per node with the boxes it kept and dropped.</summary>
public sealed class GroundingExecutor
{
    private readonly ReasoningOptions _options;
    private readonly Dictionary<string, GroundingHandler> _registry = [];

    /// <summary>Create an executor with the default registry.</summary>
    public GroundingExecutor(ReasoningOptions? options = null)
    {
        _options = (options ?? new ReasoningOptions()).Validate();
        _registry["filter_category"] = FilterCategory;
        _registry["filter_color"] = Filter((e, v, _) => ColorLexicon.Attribute((e.ColorName ?? "").ToLowerInvariant()) == v, DescribeColor);
        foreach (var (kind, test) in SpatialRelations.All) _registry["relate_" + kind] = Relate(kind, test);
        _registry["region"] = Region;
        _registry["ordinal"] = PickOrdinal;
    }

    /// <summary>Names of the operations in the registry.</summary>
    public IReadOnlyCollection<string> OperationNames => _registry.Keys;

    /// <summary>Whether an entity counts as <paramref name="category"/>: its label is that category, or its probability
    /// for it is ≥ <see cref="ReasoningOptions.CategoryMinProb"/> and ≥ <see cref="ReasoningOptions.CategoryMinFractionOfTop"/>
    /// × its highest class probability.</summary>
    public static bool IsCategory(SceneEntity e, string category, ReasoningOptions o)
    {
        if (string.Equals(e.Label, category, StringComparison.OrdinalIgnoreCase)) return true;
        float p = e.ProbOf(category);
        float top = e.ClassProbs.Length > 0 ? e.ClassProbs.Max() : e.Score;
        return p >= o.CategoryMinProb && p >= o.CategoryMinFractionOfTop * top;
    }

    /// <summary>The program for an expression, in execution order.</summary>
    public static List<GroundingNode> Compile(ReferringExpression e)
    {
        var nodes = new List<GroundingNode> { new("filter_category", e.Category) };
        if (e.Color is not null) nodes.Add(new("filter_color", e.Color));
        if (e.Relation is not null)
            nodes.Add(new("relate_" + e.Relation.Kind, null, e.Relation.Anchor, e.Region is null && e.Ordinal is null ? 1 : 0));
        if (e.Region is not null) nodes.Add(new("region", e.Region));
        if (e.Ordinal is not null) nodes.Add(new("ordinal", e.Ordinal.From, null, e.Ordinal.N));
        return nodes;
    }

    /// <summary>Ground <paramref name="expr"/> in <paramref name="scene"/>, appending "reason" steps to <paramref name="trace"/>;
    /// <paramref name="onStep"/>, if given, hears each step as it is appended.</summary>
    public GroundingOutcome Execute(ReferringExpression expr, Scene scene, ChainTrace trace, Action<TraceStep>? onStep = null)
    {
        void Emit(TraceStep s) { trace.Add(s); onStep?.Invoke(s); }
        return Run(expr, scene, Emit, 0, "");
    }

    private GroundingOutcome Run(ReferringExpression expr, Scene scene, Action<TraceStep> emit, int depth, string prefix)
    {
        var ctx = new GroundingContext(scene, _options, emit, depth, prefix,
            (anchor, d) => Run(anchor, scene, emit, d, $"Anchor ({ExpressionText.Describe(anchor)}): "));
        IReadOnlyList<SceneEntity> current = scene.Entities;
        foreach (var node in Compile(expr))
        {
            if (!_registry.TryGetValue(node.Op, out var handler))
                return Finish(ctx, new GroundingOutcome(GroundingKind.NotFound, null, current,
                    $"operation '{node.Op}' is not supported; known: {string.Join(", ", _registry.Keys.Order(StringComparer.Ordinal))}"));
            var result = handler(ctx, current, node);
            emit(new TraceStep(Stages.Reason, prefix + result.Text) { Boxes = result.Boxes });
            if (result.Stop is not null) return Finish(ctx, result.Stop);
            if (result.Output.Count == 0)
            {
                var nearest = node.Op == "filter_category" ? TopByProb(scene, node.Value!, _options.NearestCount) : current;
                string near = nearest.Count == 0 ? "" : $" Nearest candidates: {Ids(nearest)}.";
                return Finish(ctx, new GroundingOutcome(GroundingKind.NotFound, null, nearest,
                    $"No {ExpressionText.Describe(expr, article: false)} found: {result.Text}{near}"));
            }
            current = result.Output;
        }
        if (current.Count == 1)
            return Finish(ctx, new GroundingOutcome(GroundingKind.Unique, current[0], [], $"{ExpressionText.Describe(expr)} is #{current[0].Id} at {current[0].Box}."));
        return Finish(ctx, new GroundingOutcome(GroundingKind.Ambiguous, null, current,
            $"{current.Count} objects match {ExpressionText.Describe(expr)}: {Ids(current)}; nothing tells them apart."));
    }

    private static GroundingOutcome Finish(GroundingContext ctx, GroundingOutcome outcome)
    {
        if (ctx.Depth > 0) return outcome; // an anchor's outcome is reported by the relation step that used it
        var boxes = outcome.Target is { } t ? [Box(t, "target")] : outcome.Candidates.Select(c => Box(c, "candidate")).ToList();
        ctx.Emit(new TraceStep(Stages.Reason, outcome.Kind switch
        {
            GroundingKind.Unique => "Unique: " + outcome.Message,
            GroundingKind.Ambiguous => "Ambiguous: " + outcome.Message,
            _ => "Not found: " + outcome.Message,
        }) { Boxes = boxes });
        return outcome;
    }

    // Filter family: one factory for every attribute test.
    private static GroundingHandler Filter(Func<SceneEntity, string, ReasoningOptions, bool> test,
        Func<GroundingContext, IReadOnlyList<SceneEntity>, IReadOnlyList<SceneEntity>, string, string> describe) =>
        (ctx, input, node) =>
        {
            var kept = input.Where(e => test(e, node.Value!, ctx.Options)).ToList();
            var boxes = node.Op == "filter_category"
                ? kept.Select(e => Box(e, "kept")).ToList()
                : input.Select(e => Box(e, kept.Contains(e) ? "kept" : "dropped")).ToList();
            return new NodeResult(kept, describe(ctx, input, kept, node.Value!), boxes);
        };

    // Category: members by label or probability (IsCategory); among them only confident detections
    // (probability ≥ CandidateMinProb) are candidates, unless there is no confident one at all.
    private static NodeResult FilterCategory(GroundingContext ctx, IReadOnlyList<SceneEntity> input, GroundingNode node)
    {
        string category = node.Value!;
        var members = input.Where(e => IsCategory(e, category, ctx.Options)).ToList();
        var confident = members.Where(e => e.ProbOf(category) >= ctx.Options.CandidateMinProb).ToList();
        var kept = confident.Count > 0 ? confident : members;
        var weak = members.Except(kept).ToList();
        var boxes = kept.Select(e => Box(e, "kept")).Concat(weak.Select(e => Box(e, "dropped"))).ToList();
        string text = DescribeCategory(ctx, input, kept, category);
        if (weak.Count > 0)
            text += $" Ignored as too unsure (p < {F(ctx.Options.CandidateMinProb)}): {string.Join(", ", weak.Select(e => $"#{e.Id} p={F(e.ProbOf(category))}"))}.";
        else if (confident.Count == 0 && members.Count > 0)
            text += $" All are unsure detections (p < {F(ctx.Options.CandidateMinProb)}).";
        return new NodeResult(kept, text, boxes);
    }

    private static string DescribeCategory(GroundingContext ctx, IReadOnlyList<SceneEntity> input, IReadOnlyList<SceneEntity> kept, string category)
    {
        if (kept.Count == 0)
            return CocoClasses.IndexOf(category) < 0
                ? $"'{category}' is not in the detector's vocabulary; nothing to look for."
                : $"No {category} among {input.Count} objects.";
        var byProb = kept.Where(e => !string.Equals(e.Label, category, StringComparison.OrdinalIgnoreCase))
            .Select(e => $"#{e.Id} labelled {e.Label}, {category} p={F(e.ProbOf(category))}").ToList();
        string extra = byProb.Count > 0 ? $" (counted by probability: {string.Join("; ", byProb)})" : "";
        return $"{kept.Count} {ExpressionText.Plural(category, kept.Count)}: {Ids(kept)}{extra}.";
    }

    private static string DescribeColor(GroundingContext ctx, IReadOnlyList<SceneEntity> input, IReadOnlyList<SceneEntity> kept, string color) =>
        $"Colour {color}: " + string.Join(", ", input.Select(e => $"#{e.Id} {(kept.Contains(e) ? "kept" : "dropped")} ({e.ColorName})")) + ".";

    // Relation family: one factory, one geometric test per kind (SpatialRelations). The anchor is grounded by the
    // same executor; when it is ambiguous, a candidate related to ANY of its candidates counts.
    private static GroundingHandler Relate(string kind, RelationTest test) => (ctx, input, node) =>
    {
        string words = SpatialRelations.Words(kind);
        string anchorText = ExpressionText.Describe(node.Anchor!);
        if (ctx.Depth + 1 > ctx.Options.MaxNesting)
            return new NodeResult([], $"Too deeply nested at '{words} {anchorText}'.", [],
                new GroundingOutcome(GroundingKind.NotFound, null, input, $"more than {ctx.Options.MaxNesting} nested anchors"));
        var anchorOutcome = ctx.GroundAnchor(node.Anchor!, ctx.Depth + 1);
        IReadOnlyList<SceneEntity> anchors = anchorOutcome.Kind switch
        {
            GroundingKind.Unique => [anchorOutcome.Target!],
            GroundingKind.Ambiguous => anchorOutcome.Candidates,
            _ => [],
        };
        if (anchors.Count == 0)
            return new NodeResult([], $"{Cap(words)} {anchorText}: no anchor found.", input.Select(e => Box(e, "candidate")).ToList(),
                new GroundingOutcome(GroundingKind.NotFound, null, input,
                    $"No {ExpressionText.Describe(node.Anchor!, article: false)} to be {words}; {input.Count} candidate(s) left unresolved: {Ids(input)}."));

        var kept = new List<SceneEntity>();
        var gaps = new Dictionary<int, float>();
        foreach (var c in input)
        {
            var related = anchors.Where(a => a.Id != c.Id && test(c.Box, a.Box, ctx.Options)).ToList();
            if (related.Count == 0) continue;
            kept.Add(c);
            gaps[c.Id] = related.Min(a => SpatialRelations.Gap(c.Box, a.Box));
        }
        var boxes = input.Select(e => Box(e, kept.Contains(e) ? "kept" : "dropped"))
            .Concat(anchors.Where(a => !input.Contains(a)).Select(a => Box(a, "anchor"))).ToList();
        string anchorIds = anchors.Count == 1 ? Ids(anchors) : $"any of {Ids(anchors)}";
        string text = $"{Cap(words)} {anchorText} ({anchorIds}): " +
            string.Join(", ", input.Select(e => $"#{e.Id} {(kept.Contains(e) ? "kept" : "dropped")}")) + ".";

        // next_to with nothing after it to decide: the nearest wins when clearly nearer than the runner-up.
        if (kind == SpatialRelations.NextTo && node.N == 1 && kept.Count > 1)
        {
            var byGap = kept.OrderBy(e => gaps[e.Id]).ThenBy(e => e.Id).ToList();
            float g0 = gaps[byGap[0].Id], g1 = gaps[byGap[1].Id];
            if (g0 <= ctx.Options.NextToPreferRatio * g1 + 1)
            {
                text += $" Nearest is #{byGap[0].Id} (gap {F(g0)} px vs {F(g1)} px for #{byGap[1].Id}).";
                return new NodeResult([byGap[0]], text, boxes);
            }
            text += $" Nearest #{byGap[0].Id} and #{byGap[1].Id} are about as close (gaps {F(g0)} and {F(g1)} px).";
        }
        return new NodeResult(kept, text, boxes);
    };

    // Region ("the horse on the left"): the extreme candidate along the axis, if it leads the runner-up by
    // RegionMargin × the candidates' mean extent; otherwise ambiguous among those within that margin.
    private static NodeResult Region(GroundingContext ctx, IReadOnlyList<SceneEntity> input, GroundingNode node)
    {
        string side = node.Value!;
        var sorted = SortFrom(input, side);
        float margin = ctx.Options.RegionMargin * MeanExtent(input, side);
        var boxes = sorted.Select((e, i) => Box(e, i == 0 ? "kept" : "dropped")).ToList();
        if (sorted.Count == 1) return new NodeResult(sorted, $"On the {side}: #{sorted[0].Id} is the only candidate.", boxes);
        float lead = Distance(sorted[0], sorted[1], side);
        if (lead < margin)
        {
            var tied = sorted.Where(e => Distance(sorted[0], e, side) < margin).ToList();
            string msg = $"On the {side}: {Ids(tied)} are level (centres {F(lead)} px apart, margin {F(margin)} px).";
            return new NodeResult(tied, msg, sorted.Select(e => Box(e, tied.Contains(e) ? "candidate" : "dropped")).ToList(),
                new GroundingOutcome(GroundingKind.Ambiguous, null, tied, msg));
        }
        return new NodeResult([sorted[0]], $"On the {side}: #{sorted[0].Id} (leads #{sorted[1].Id} by {F(lead)} px, margin {F(margin)} px).", boxes);
    }

    // Ordinal ("the second from the left"): sort centres along the axis; level neighbours (closer than
    // OrdinalTieMargin × mean extent) at the picked position make the pick ambiguous.
    private static NodeResult PickOrdinal(GroundingContext ctx, IReadOnlyList<SceneEntity> input, GroundingNode node)
    {
        string side = node.Value!;
        var sorted = SortFrom(input, side);
        string order = $"Ordered {ExpressionText.Direction(side)}: {Ids(sorted)}";
        string nth = ExpressionText.OrdinalWord(node.N);
        if (node.N < 1 || node.N > sorted.Count)
            return new NodeResult([], $"{order}; there is no {nth} (only {sorted.Count}).", sorted.Select(e => Box(e, "dropped")).ToList(),
                new GroundingOutcome(GroundingKind.NotFound, null, sorted, $"asked for the {nth} from the {side} but only {sorted.Count} match: {Ids(sorted)}."));
        float margin = ctx.Options.OrdinalTieMargin * MeanExtent(input, side);
        int lo = node.N - 1, hi = node.N - 1;
        while (lo > 0 && Distance(sorted[lo - 1], sorted[lo], side) < margin) lo--;
        while (hi < sorted.Count - 1 && Distance(sorted[hi], sorted[hi + 1], side) < margin) hi++;
        if (hi > lo)
        {
            var tied = sorted.Skip(lo).Take(hi - lo + 1).ToList();
            string msg = $"{order}; the {nth} is not clear: {Ids(tied)} are level (centres within {F(margin)} px).";
            return new NodeResult(tied, msg, sorted.Select(e => Box(e, tied.Contains(e) ? "candidate" : "dropped")).ToList(),
                new GroundingOutcome(GroundingKind.Ambiguous, null, tied, msg));
        }
        var pick = sorted[node.N - 1];
        return new NodeResult([pick], $"{order}; the {nth} is #{pick.Id}.",
            sorted.Select(e => Box(e, e == pick ? "kept" : "dropped")).ToList());
    }

    private static List<SceneEntity> SortFrom(IReadOnlyList<SceneEntity> input, string side) => side switch
    {
        "right" => input.OrderByDescending(e => e.Box.CenterX).ThenBy(e => e.Id).ToList(),
        "top" => input.OrderBy(e => e.Box.CenterY).ThenBy(e => e.Id).ToList(),
        "bottom" => input.OrderByDescending(e => e.Box.CenterY).ThenBy(e => e.Id).ToList(),
        _ => input.OrderBy(e => e.Box.CenterX).ThenBy(e => e.Id).ToList(),
    };

    private static bool Horizontal(string side) => side is "left" or "right";

    private static float Distance(SceneEntity a, SceneEntity b, string side) =>
        Horizontal(side) ? MathF.Abs(a.Box.CenterX - b.Box.CenterX) : MathF.Abs(a.Box.CenterY - b.Box.CenterY);

    private static float MeanExtent(IReadOnlyList<SceneEntity> es, string side) =>
        es.Count == 0 ? 0 : es.Average(e => Horizontal(side) ? e.Box.Width : e.Box.Height);

    private static List<SceneEntity> TopByProb(Scene scene, string category, int n) =>
        scene.Entities.Where(e => e.ProbOf(category) > 0).OrderByDescending(e => e.ProbOf(category)).ThenBy(e => e.Id).Take(n).ToList();

    internal static TraceBox Box(SceneEntity e, string role) => TraceBox.From(e.Id, e.Label, e.Score, e.Box, role);

    internal static string Ids(IEnumerable<SceneEntity> es) => string.Join(" ", es.Select(e => "#" + e.Id));

    private static string F(double v) => v.ToString(v >= 10 ? "0" : "0.##", CultureInfo.InvariantCulture);

    private static string Cap(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
}
