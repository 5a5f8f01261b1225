using System.Globalization;
using InterCoG.Perception;
using InterCoG.Tracing;
using InterCoG.Programs;

namespace InterCoG.Reasoning;

/// <summary>How grounding ended: exactly one object, several that nothing tells apart, or none.</summary>
public enum GroundingKind { Unique, Ambiguous, NotFound }

/// <summary>The outcome of grounding a referring expression. Ambiguity and absence are outcomes, never guesses.</summary>
/// <param name="Target">The object meant (only when <see cref="Kind"/> is Unique); for a set ("both cups") the first of
/// <see cref="Targets"/> by id.</param>
/// <param name="Candidates">Ambiguous: the objects still in the running. NotFound: the nearest candidates (same
/// category ignoring the failed step, or the top entities by class probability). Unique: empty.</param>
/// <param name="Message">One sentence saying why.</param>
public sealed record GroundingOutcome(GroundingKind Kind, SceneEntity? Target, IReadOnlyList<SceneEntity> Candidates, string Message)
{
    /// <summary>Every object meant when Unique: one for a single object, several for a set whose count matched
    /// ("both", "the two", "all the"); empty otherwise.</summary>
    public IReadOnlyList<SceneEntity> Targets { get; init; } = Target is null ? [] : [Target];
}

/// <summary>One node of a grounding program: an operation name from the registry plus its literal inputs.</summary>
/// <param name="Op">Registry name, e.g. "filter_category", "relate_left_of", "region", "ordinal".</param>
/// <param name="Value">Literal: category, colour, side.</param>
/// <param name="Anchor">For relations: the expression naming the anchor, grounded by the same executor.</param>
/// <param name="N">For ordinals: 1-based position; for relations: 1 when the nearest may break a tie.</param>
/// <param name="Count">For region and ordinal picks: how many objects are picked (a set, "the two on the left"); 1 otherwise.</param>
/// <param name="Anchor2">For between: the second anchor.</param>
public sealed record GroundingNode(string Op, string? Value = null, ReferringExpression? Anchor = null, int N = 0, int Count = 1,
    ReferringExpression? Anchor2 = null);

/// <summary>What a node did: the entities it kept, the sentence and boxes of its trace step, and a stop outcome
/// when it cannot go on (an ambiguous pick, an anchor not found).</summary>
public sealed record NodeResult(IReadOnlyList<SceneEntity> Output, string Text, List<TraceBox> Boxes, GroundingOutcome? Stop = null);

/// <summary>Shared state of one grounding run, passed to every handler.</summary>
/// <param name="Emit">Appends a step to the trace (and tells any listener).</param>
public sealed record GroundingContext(Scene Scene, ReasoningOptions Options, Action<TraceStep> Emit, int Depth, string Prefix,
    Func<ReferringExpression, int, GroundingOutcome> GroundAnchor)
{
    /// <summary>Whether the target is grounded to be edited: then candidates too small to edit visibly
    /// (<see cref="SceneEntity.TooSmall"/>) are listed but never chosen; grounding alone may still name one.</summary>
    public bool ForEdit { get; init; } = true;
}

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
        _registry["relate_" + SpatialRelations.ClosestTo] = Closest(farthest: false);
        _registry["relate_" + SpatialRelations.FarthestFrom] = Closest(farthest: true);
        _registry["relate_" + SpatialRelations.Between] = Between;
        _registry["region"] = Region;
        _registry["ordinal"] = PickOrdinal;
        _registry["negate"] = Negate;
    }

    /// <summary>Category of "it" with no antecedent: any object of the scene counts (by its most probable class).</summary>
    public const string AnyObject = "object";

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

    /// <summary>Whether <paramref name="e"/> is a candidate for "a <paramref name="category"/>" at the category step: a member
    /// (<see cref="IsCategory"/>) whose probability of the class is at least <see cref="ReasoningOptions.CandidateMinProb"/>.</summary>
    public static bool IsCandidate(SceneEntity e, string category, ReasoningOptions o) =>
        IsCategory(e, category, o) && e.ProbOf(category) >= o.CandidateMinProb;

    /// <summary>The program for an expression, in execution order.</summary>
    public static List<GroundingNode> Compile(ReferringExpression e)
    {
        var nodes = new List<GroundingNode> { new("filter_category", e.Category) };
        nodes.AddRange(Modifiers(e));
        return nodes;
    }

    // Every node after the category filter; a negated expression runs the same list to find what to drop.
    private static List<GroundingNode> Modifiers(ReferringExpression e)
    {
        var nodes = new List<GroundingNode>();
        int count = e.Count is > 1 ? e.Count.Value : 1;
        if (e.Color is not null) nodes.Add(new("filter_color", e.Color));
        if (e.Negated is not null) nodes.Add(new("negate", null, e.Negated));
        // Every relation in turn ("left of the laptop and next to the bowl"): each keeps those that satisfy it.
        foreach (var r in (e.Relation is null ? [] : new[] { e.Relation }).Concat(e.MoreRelations ?? []))
            nodes.Add(new("relate_" + r.Kind, null, r.Anchor, e.Region is null && e.Ordinal is null ? 1 : 0, 1, r.SecondAnchor));
        if (e.Region is not null) nodes.Add(new("region", e.Region, null, 0, e.Ordinal is null ? count : 1));
        if (e.Ordinal is not null) nodes.Add(new("ordinal", e.Ordinal.From, null, e.Ordinal.N, count));
        return nodes;
    }

    /// <summary>Ground <paramref name="expr"/> in <paramref name="scene"/>, appending "reason" steps to <paramref name="trace"/>;
    /// <paramref name="onStep"/>, if given, hears each step as it is appended. <paramref name="forEdit"/>: the target will be
    /// edited, so candidates too small to edit are not chosen (false for grounding alone).</summary>
    public GroundingOutcome Execute(ReferringExpression expr, Scene scene, ChainTrace trace, Action<TraceStep>? onStep = null, bool forEdit = true)
    {
        void Emit(TraceStep s) { trace.Add(s); onStep?.Invoke(s); }
        return Run(expr, scene, Emit, 0, "", forEdit);
    }

    private GroundingOutcome Run(ReferringExpression expr, Scene scene, Action<TraceStep> emit, int depth, string prefix, bool forEdit = true)
    {
        var ctx = new GroundingContext(scene, _options, emit, depth, prefix,
            (anchor, d) => Run(anchor, scene, emit, d, $"Anchor ({ExpressionText.Describe(anchor)}): ")) { ForEdit = forEdit };
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
        if (expr.Count is int want)
        {
            // A set: unique only when the count matches ("all the": any number).
            if (want == 0 || current.Count == want)
            {
                var set = current.OrderBy(e => e.Id).ToList();
                return Finish(ctx, new GroundingOutcome(GroundingKind.Unique, set[0], [], $"{ExpressionText.Describe(expr)}: {Ids(set)}.") { Targets = set });
            }
            return Finish(ctx, new GroundingOutcome(GroundingKind.Ambiguous, null, current,
                $"{want} asked for but {current.Count} objects match {ExpressionText.Describe(expr)}: {Ids(current)}."));
        }
        if (current.Count == 1)
            return Finish(ctx, new GroundingOutcome(GroundingKind.Unique, current[0], [], $"{ExpressionText.Describe(expr)} is #{current[0].Id} at {current[0].Box}."));
        return Finish(ctx, new GroundingOutcome(GroundingKind.Ambiguous, null, current,
            $"{current.Count} objects match {ExpressionText.Describe(expr)}: {Ids(current)}; nothing tells them apart."));
    }

    private static GroundingOutcome Finish(GroundingContext ctx, GroundingOutcome outcome)
    {
        if (ctx.Depth > 0) return outcome; // an anchor's outcome is reported by the relation step that used it
        var boxes = outcome.Targets.Count > 0 ? outcome.Targets.Select(t => Box(t, "target")).ToList() : outcome.Candidates.Select(c => Box(c, "candidate")).ToList();
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

    // Category: members by label or probability (IsCategory); only confident detections (probability ≥
    // CandidateMinProb) are candidates. When every member is unsure the answer is not found, with the unsure
    // members listed (--choose can still pick one): an editor must not act on a detection it barely believes.
    private static NodeResult FilterCategory(GroundingContext ctx, IReadOnlyList<SceneEntity> input, GroundingNode node)
    {
        string category = node.Value!;
        float min = ctx.Options.CandidateMinProb;
        bool any = category == AnyObject;
        var members = input.Where(e => any || IsCategory(e, category, ctx.Options)).ToList();
        float Prob(SceneEntity e) => any ? (e.ClassProbs.Length > 0 ? e.ClassProbs.Max() : e.Score) : e.ProbOf(category);
        var kept = members.Where(e => Prob(e) >= min).ToList();
        var weak = members.Except(kept).ToList();
        // too small to edit visibly (SceneEntity.TooSmall): listed, never a candidate, never a cause of ambiguity
        var tiny = ctx.Depth == 0 && ctx.ForEdit ? kept.Where(e => e.TooSmall).ToList() : [];
        kept = kept.Except(tiny).ToList();
        var boxes = kept.Select(e => Box(e, "kept")).Concat(weak.Concat(tiny).Select(e => Box(e, "dropped"))).ToList();
        string unsure = string.Join(", ", weak.Select(e => $"#{e.Id} p={F(Prob(e))}"));
        string small = string.Join(", ", tiny.Select(e => $"#{e.Id} {e.Box}"));
        if (kept.Count == 0 && (weak.Count > 0 || tiny.Count > 0))
        {
            string msg = weak.Count > 0 ? $"No confident {category}; only unsure detections (p < {F(min)}): {unsure}." : "";
            if (tiny.Count > 0) msg = (msg + $" No {category} large enough to edit; too small: {small}.").Trim();
            return new NodeResult([], msg, boxes, new GroundingOutcome(GroundingKind.NotFound, null, weak.Concat(tiny).ToList(), msg));
        }
        string text = any ? $"Any object ('it' with no antecedent): {kept.Count} confident object(s): {Ids(kept)}."
            : DescribeCategory(ctx, input, kept, category);
        if (weak.Count > 0) text += $" Ignored as unsure (p < {F(min)}): {unsure}.";
        if (tiny.Count > 0) text += $" Ignored as too small to edit: {small}.";
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

    // Pick order shared by regions and ordinals: Key(e) is larger for the object met first when counting from
    // `from`; Margin is the key difference under which two objects are level.
    //   left/right: ∓ centre x in pixels; margin = fraction × mean width.
    //   top/bottom: ∓ SpatialRelations.Support (the bottom edge, where the object rests); margin = fraction × mean height.
    //   middle: −distance of the centre from the centre of the candidates' union box; corners (top_left …):
    //           −(±cx ± Support); both with margin = fraction × mean (w + h)/2.
    //   near/far: ± SpatialRelations.Support (ground contact: the lower an object rests in the image, the nearer), margin
    //             DepthTieFraction × mean height; candidates level on it and of one category are then ordered by
    //             ± SizeNearness (apparent size), margin DepthTieLogRatio.
    //   large/small: ± ln(area); tall/short: ± ln(height); margin SizeTieLogRatio.
    private static (Func<SceneEntity, double> Key, double Margin, Func<SceneEntity, double>? Key2, double Margin2) Order(IReadOnlyList<SceneEntity> input, string from, float fraction, ReasoningOptions o)
    {
        double meanW = input.Count == 0 ? 0 : input.Average(e => e.Box.Width), meanH = input.Count == 0 ? 0 : input.Average(e => e.Box.Height);
        double both = fraction * (meanW + meanH) / 2;
        bool same = input.Select(e => e.Label).Distinct().Count() <= 1;
        switch (from)
        {
            case "right": return (e => e.Box.CenterX, fraction * meanW, null, 0);
            case "top": return (e => -SpatialRelations.Support(e.Box), fraction * meanH, null, 0);
            case "bottom": return (e => SpatialRelations.Support(e.Box), fraction * meanH, null, 0);
            case "near": return (e => SpatialRelations.Support(e.Box), o.DepthTieFraction * meanH, same ? e => SpatialRelations.SizeNearness(e.Box) : null, o.DepthTieLogRatio);
            case "far": return (e => -SpatialRelations.Support(e.Box), o.DepthTieFraction * meanH, same ? e => -SpatialRelations.SizeNearness(e.Box) : null, o.DepthTieLogRatio);
            case "large": return (e => Math.Log(Math.Max(e.Area, 1)), o.SizeTieLogRatio, null, 0); // mask area once measured
            case "small": return (e => -Math.Log(Math.Max(e.Area, 1)), o.SizeTieLogRatio, null, 0);
            case "tall": return (e => Math.Log(Math.Max(e.Box.Height, 1)), o.SizeTieLogRatio, null, 0);
            case "short": return (e => -Math.Log(Math.Max(e.Box.Height, 1)), o.SizeTieLogRatio, null, 0);
            case "middle":
            {
                float ux = (input.Min(e => e.Box.X1) + input.Max(e => e.Box.X2)) / 2, uy = (input.Min(e => e.Box.Y1) + input.Max(e => e.Box.Y2)) / 2;
                return (e => -Math.Sqrt(Math.Pow(e.Box.CenterX - ux, 2) + Math.Pow(e.Box.CenterY - uy, 2)), both, null, 0);
            }
            case "top_left": return (e => -(e.Box.CenterX + SpatialRelations.Support(e.Box)), both, null, 0);
            case "top_right": return (e => e.Box.CenterX - SpatialRelations.Support(e.Box), both, null, 0);
            case "bottom_left": return (e => SpatialRelations.Support(e.Box) - e.Box.CenterX, both, null, 0);
            case "bottom_right": return (e => e.Box.CenterX + SpatialRelations.Support(e.Box), both, null, 0);
            default: return (e => -e.Box.CenterX, fraction * meanW, null, 0);
        }
    }

    // Sorted by Key (descending); runs of neighbours level on Key (within Margin) are re-sorted by Key2 when given.
    // Returns the order, Lead(i): how far the i-th leads the (i+1)-th (on Key2 inside such a run, else on Key), and
    // Level(i): whether that lead is under its margin (Margin2 on Key2, Margin on Key), i.e. nothing tells them apart.
    private static (List<SceneEntity> Sorted, Func<int, double> Lead, Func<int, bool> Level) Rank(IReadOnlyList<SceneEntity> input,
        (Func<SceneEntity, double> Key, double Margin, Func<SceneEntity, double>? Key2, double Margin2) order)
    {
        var (key, margin, key2, margin2) = order;
        var sorted = input.OrderByDescending(key).ThenBy(e => e.Id).ToList();
        var runOf = new int[sorted.Count];
        for (int i = 1; i < sorted.Count; i++) runOf[i] = key(sorted[i - 1]) - key(sorted[i]) < margin ? runOf[i - 1] : i;
        if (key2 is not null)
            sorted = sorted.Select((e, i) => (e, run: runOf[i])).OrderBy(t => t.run).ThenByDescending(t => key2(t.e)).ThenBy(t => t.e.Id).Select(t => t.e).ToList();
        var final = sorted;
        bool InRun(int i) => key2 is not null && runOf[i + 1] == runOf[i];
        double Lead(int i) => InRun(i) ? key2!(final[i]) - key2(final[i + 1]) : key(final[i]) - key(final[i + 1]);
        return (final, Lead, i => Lead(i) < (InRun(i) ? margin2 : margin));
    }

    private static string Words(string from) => from switch
    {
        "middle" => "In the middle", "near" => "Nearest", "far" => "Farthest", "large" => "Largest", "small" => "Smallest",
        "tall" => "Tallest", "short" => "Shortest", _ when from.Contains('_') => $"In the {from.Replace('_', ' ')} corner", _ => $"On the {from}",
    };

    // Region ("the horse on the left", "the cup in the middle"): the first candidate in the pick order, if it leads
    // the runner-up by the margin (RegionMargin × mean extent); otherwise ambiguous among those within it. With a
    // count k (a set), the first k, if the k-th leads the (k+1)-th.
    private static NodeResult Region(GroundingContext ctx, IReadOnlyList<SceneEntity> input, GroundingNode node)
    {
        string side = node.Value!;
        var order = Order(input, side, ctx.Options.RegionMargin, ctx.Options);
        var (sorted, leadAt, level) = Rank(input, order);
        double margin = order.Margin;
        int k = Math.Max(1, node.Count);
        string words = Words(side);
        if (sorted.Count < k)
            return new NodeResult([], $"{words}: only {sorted.Count} candidate(s) for {k}.", sorted.Select(e => Box(e, "dropped")).ToList(),
                new GroundingOutcome(GroundingKind.NotFound, null, sorted, $"asked for {k} but only {sorted.Count} match: {Ids(sorted)}."));
        var picked = sorted.Take(k).ToList();
        var boxes = sorted.Select(e => Box(e, picked.Contains(e) ? "kept" : "dropped")).ToList();
        if (sorted.Count == k) return new NodeResult(picked, $"{words}: {Ids(picked)} {(k == 1 ? "is the only candidate" : "are all the candidates")}.", boxes);
        double lead = leadAt(k - 1);
        if (level(k - 1))
        {
            int lo = k - 1, hi = k;
            while (lo > 0 && level(lo - 1)) lo--;
            while (hi < sorted.Count - 1 && level(hi)) hi++;
            var tied = sorted.Take(hi + 1).Skip(k == 1 ? lo : 0).ToList();
            string msg = $"{words}: {Ids(tied)} are level (lead {F(lead)}, margin {F(margin)}).";
            return new NodeResult(tied, msg, sorted.Select(e => Box(e, tied.Contains(e) ? "candidate" : "dropped")).ToList(),
                new GroundingOutcome(GroundingKind.Ambiguous, null, tied, msg));
        }
        return new NodeResult(picked, $"{words}: {Ids(picked)} (leads #{sorted[k].Id} by {F(lead)}, margin {F(margin)}).", boxes);
    }

    // Ordinal ("the second from the left", "the second closest"): sort by the pick order; level neighbours (keys
    // closer than the margin: OrdinalTieMargin × mean extent for sides, the log margins for depth and size) at the
    // picked position make the pick ambiguous.
    private static NodeResult PickOrdinal(GroundingContext ctx, IReadOnlyList<SceneEntity> input, GroundingNode node)
    {
        string side = node.Value!;
        var ord = Order(input, side, ctx.Options.OrdinalTieMargin, ctx.Options);
        var (sorted, _, level) = Rank(input, ord);
        double margin = ord.Margin;
        string order = $"Ordered {ExpressionText.Direction(side)}: {Ids(sorted)}";
        string nth = ExpressionText.OrdinalWord(node.N);
        int k = Math.Max(1, node.Count), first = node.N - 1, last = first + k - 1;
        if (node.N < 1 || last >= sorted.Count)
            return new NodeResult([], $"{order}; there is no {nth} (only {sorted.Count}).", sorted.Select(e => Box(e, "dropped")).ToList(),
                new GroundingOutcome(GroundingKind.NotFound, null, sorted, $"asked for the {nth} {ExpressionText.Direction(side)} but only {sorted.Count} match: {Ids(sorted)}."));
        int lo = first, hi = last;
        bool Level(int i) => level(i);
        if (lo > 0 && Level(lo - 1)) { while (lo > 0 && Level(lo - 1)) lo--; }
        if (hi < sorted.Count - 1 && Level(hi)) { while (hi < sorted.Count - 1 && Level(hi)) hi++; }
        if (lo < first || hi > last)
        {
            var tied = sorted.Skip(lo).Take(hi - lo + 1).ToList();
            string msg = $"{order}; the {nth} is not clear: {Ids(tied)} are level (within {F(margin)}).";
            return new NodeResult(tied, msg, sorted.Select(e => Box(e, tied.Contains(e) ? "candidate" : "dropped")).ToList(),
                new GroundingOutcome(GroundingKind.Ambiguous, null, tied, msg));
        }
        var picks = sorted.Skip(first).Take(k).ToList();
        return new NodeResult(picks, $"{order}; the {nth} is {Ids(picks)}.",
            sorted.Select(e => Box(e, picks.Contains(e) ? "kept" : "dropped")).ToList());
    }

    // Negation ("the cup that is not red", "not the big one"): run the negated expression's modifiers on the
    // candidates and drop what they pick. A negated pick that is itself ambiguous stops as ambiguous.
    private NodeResult Negate(GroundingContext ctx, IReadOnlyList<SceneEntity> input, GroundingNode node)
    {
        IReadOnlyList<SceneEntity> picked = input;
        // "everything on the table except the laptop": an exception naming a kind of object picks by that kind first.
        var steps = Modifiers(node.Anchor!);
        if (node.Anchor!.Category != AnyObject) steps.Insert(0, new GroundingNode("filter_category", node.Anchor.Category));
        foreach (var sub in steps)
        {
            if (!_registry.TryGetValue(sub.Op, out var handler)) break;
            var r = handler(ctx with { Emit = _ => { } }, picked, sub);
            if (r.Stop is { Kind: GroundingKind.Ambiguous } stop)
            {
                string m = $"Not {ExpressionText.WhichOne(node.Anchor!)}: which one that is is not clear ({stop.Message})";
                return new NodeResult(input, m, input.Select(e => Box(e, "candidate")).ToList(),
                    new GroundingOutcome(GroundingKind.Ambiguous, null, input, m));
            }
            picked = r.Stop is not null ? [] : r.Output;
            if (picked.Count == 0) break;
        }
        var kept = input.Where(e => !picked.Contains(e)).ToList();
        string text = $"Not {ExpressionText.WhichOne(node.Anchor!)}: " +
            string.Join(", ", input.Select(e => $"#{e.Id} {(kept.Contains(e) ? "kept" : "dropped")}")) + ".";
        return new NodeResult(kept, text, input.Select(e => Box(e, kept.Contains(e) ? "kept" : "dropped")).ToList());
    }

    private static IReadOnlyList<SceneEntity>? Anchors(GroundingContext ctx, ReferringExpression anchor) =>
        ctx.GroundAnchor(anchor, ctx.Depth + 1) switch
        {
            { Kind: GroundingKind.Unique } o => o.Targets,
            { Kind: GroundingKind.Ambiguous } o => o.Candidates,
            _ => null,
        };

    private static NodeResult NoAnchor(IReadOnlyList<SceneEntity> input, string words, ReferringExpression anchor)
    {
        string msg = $"No {ExpressionText.Describe(anchor, article: false)} to be {words}; {input.Count} candidate(s) left unresolved: {Ids(input)}.";
        return new NodeResult([], $"{Cap(words)} {ExpressionText.Describe(anchor)}: no anchor found.", input.Select(e => Box(e, "candidate")).ToList(),
            new GroundingOutcome(GroundingKind.NotFound, null, input, msg));
    }

    // closest_to / farthest_from ("the cup closest to the laptop"): d(c) = smallest centre distance from c to any
    // anchor candidate (CentreDistance); the candidate with the smallest (largest) d wins when it beats the runner-up
    // by ClosestMargin × the candidates' mean √area; otherwise ambiguous among those within that margin.
    private static GroundingHandler Closest(bool farthest) => (ctx, input, node) =>
    {
        string words = farthest ? "farthest from" : "closest to";
        if (ctx.Depth + 1 > ctx.Options.MaxNesting)
            return new NodeResult([], $"Too deeply nested at '{words}'.", [], new GroundingOutcome(GroundingKind.NotFound, null, input, $"more than {ctx.Options.MaxNesting} nested anchors"));
        var anchors = Anchors(ctx, node.Anchor!);
        if (anchors is null || anchors.Count == 0) return NoAnchor(input, words, node.Anchor!);
        var dist = new Dictionary<int, float>();
        foreach (var c in input)
        {
            var others = anchors.Where(a => a.Id != c.Id).ToList();
            if (others.Count > 0) dist[c.Id] = others.Min(a => SpatialRelations.CentreDistance(c.Box, a.Box));
        }
        var ranked = input.Where(e => dist.ContainsKey(e.Id)).OrderBy(e => farthest ? -dist[e.Id] : dist[e.Id]).ThenBy(e => e.Id).ToList();
        var boxes = input.Select(e => Box(e, ranked.Count > 0 && e == ranked[0] ? "kept" : "dropped"))
            .Concat(anchors.Where(a => !input.Contains(a)).Select(a => Box(a, "anchor"))).ToList();
        string head = $"{Cap(words)} {ExpressionText.Describe(node.Anchor!)} ({Ids(anchors)}): ";
        if (ranked.Count == 0) return new NodeResult([], head + "no candidate besides the anchor.", boxes);
        if (ranked.Count == 1) return new NodeResult(ranked, head + $"#{ranked[0].Id} is the only candidate.", boxes);
        double margin = ctx.Options.ClosestMargin * input.Average(e => Math.Sqrt(e.Box.Area));
        double lead = Math.Abs(dist[ranked[1].Id] - dist[ranked[0].Id]);
        if (lead < margin)
        {
            var tied = ranked.Where(e => Math.Abs(dist[e.Id] - dist[ranked[0].Id]) < margin).ToList();
            string msg = head + $"{Ids(tied)} are about as {(farthest ? "far" : "close")} (centre distances within {F(margin)} px).";
            return new NodeResult(tied, msg, boxes, new GroundingOutcome(GroundingKind.Ambiguous, null, tied, msg));
        }
        return new NodeResult([ranked[0]], head + $"#{ranked[0].Id} at {F(dist[ranked[0].Id])} px vs {F(dist[ranked[1].Id])} px for #{ranked[1].Id}.", boxes);
    };

    // between ("the cup between the laptop and the bowl"): the candidate's centre projects onto the segment joining
    // the two anchors' centres strictly inside it (0 < t < 1) and lies at most RelationBand × the anchors' mean √area
    // from that segment (SpatialRelations.Project). Ambiguous anchors: any pair counts.
    private static NodeResult Between(GroundingContext ctx, IReadOnlyList<SceneEntity> input, GroundingNode node)
    {
        if (node.Anchor2 is null) return NoAnchor(input, "between", node.Anchor!);
        if (ctx.Depth + 1 > ctx.Options.MaxNesting)
            return new NodeResult([], "Too deeply nested at 'between'.", [], new GroundingOutcome(GroundingKind.NotFound, null, input, $"more than {ctx.Options.MaxNesting} nested anchors"));
        var first = Anchors(ctx, node.Anchor!);
        if (first is null || first.Count == 0) return NoAnchor(input, "between", node.Anchor!);
        var second = Anchors(ctx, node.Anchor2);
        if (second is null || second.Count == 0) return NoAnchor(input, "between", node.Anchor2);
        bool Test(SceneEntity c) => first.Any(a1 => second.Any(a2 =>
        {
            if (a1.Id == a2.Id || c.Id == a1.Id || c.Id == a2.Id) return false;
            var (t, d) = SpatialRelations.Project(c.Box, a1.Box, a2.Box);
            return t > 0 && t < 1 && d <= ctx.Options.RelationBand * SpatialRelations.MeanSize(a1.Box, a2.Box);
        }));
        var kept = input.Where(Test).ToList();
        var anchors = first.Concat(second).Distinct().ToList();
        var boxes = input.Select(e => Box(e, kept.Contains(e) ? "kept" : "dropped"))
            .Concat(anchors.Where(a => !input.Contains(a)).Select(a => Box(a, "anchor"))).ToList();
        string text = $"Between {ExpressionText.Describe(node.Anchor!)} ({Ids(first)}) and {ExpressionText.Describe(node.Anchor2)} ({Ids(second)}): " +
            string.Join(", ", input.Select(e => $"#{e.Id} {(kept.Contains(e) ? "kept" : "dropped")}")) + ".";
        return new NodeResult(kept, text, boxes);
    }

    private static List<SceneEntity> TopByProb(Scene scene, string category, int n) =>
        scene.Entities.Where(e => e.ProbOf(category) > 0).OrderByDescending(e => e.ProbOf(category)).ThenBy(e => e.Id).Take(n).ToList();

    internal static TraceBox Box(SceneEntity e, string role) => TraceBox.From(e.Id, e.Label, e.Score, e.Box, role);

    internal static string Ids(IEnumerable<SceneEntity> es) => string.Join(" ", es.Select(e => "#" + e.Id));

    private static string F(double v) => v.ToString(v >= 10 ? "0" : "0.##", CultureInfo.InvariantCulture);

    private static string Cap(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
}
