using InterCoG.Chain;
using InterCoG.Perception;
using InterCoG.Reasoning;
using Xunit;
using static InterCoG.Tests.Reasoning.ReasoningScenes;
using InterCoG.Tracing;
using InterCoG.Programs;

namespace InterCoG.Tests.Reasoning;

public class GroundingExecutorTests
{
    private readonly GroundingExecutor _executor = new();

    private static ReferringExpression X(string category) => new() { Category = category };

    // Four horses in a row (ids not in x order) and a cow.
    private static Scene Horses() => S(
        E(1, "cow", 800, 100, 900, 200, "black"),
        E(2, "horse", 200, 300, 300, 400, "brown"),
        E(3, "horse", 0, 300, 100, 400, "white"),
        E(5, "horse", 600, 300, 700, 400, "brown"),
        E(6, "horse", 400, 300, 500, 400, "white"));

    [Fact]
    public void Category_step_lists_the_members()
    {
        var trace = Trace();
        var outcome = _executor.Execute(X("horse"), Horses(), trace);
        Assert.Equal("4 horses: #2 #3 #5 #6.", trace.Steps[0].Text);
        Assert.Equal(Stages.Reason, trace.Steps[0].Stage);
        Assert.Equal([2, 3, 5, 6], trace.Steps[0].Boxes!.Select(b => b.Id));
        Assert.Equal(GroundingKind.Ambiguous, outcome.Kind);
        Assert.Equal([2, 3, 5, 6], outcome.Candidates.Select(e => e.Id));
        Assert.Null(outcome.Target);
    }

    [Fact]
    public void Ordinal_from_the_left_orders_by_centre()
    {
        var trace = Trace();
        var outcome = _executor.Execute(X("horse") with { Ordinal = new Ordinal(2, "left") }, Horses(), trace);
        Assert.Equal(GroundingKind.Unique, outcome.Kind);
        Assert.Equal(2, outcome.Target!.Id);
        Assert.Equal("Ordered left to right: #3 #2 #6 #5; the second is #2.", trace.Steps[1].Text);
        Assert.Equal("kept", trace.Steps[1].Boxes!.Single(b => b.Id == 2).Role);
        Assert.Equal("dropped", trace.Steps[1].Boxes!.Single(b => b.Id == 3).Role);
        // Last step states the outcome with the target's box.
        Assert.StartsWith("Unique:", trace.Steps[^1].Text);
        Assert.Equal("target", trace.Steps[^1].Boxes!.Single().Role);
        Assert.Equal([200, 300, 300, 400], trace.Steps[^1].Boxes!.Single().Xyxy);
    }

    [Theory]
    [InlineData(1, "right", 5)]
    [InlineData(3, "right", 2)]
    [InlineData(4, "left", 5)]
    public void Ordinal_from_either_side(int n, string from, int expectedId) =>
        Assert.Equal(expectedId, _executor.Execute(X("horse") with { Ordinal = new Ordinal(n, from) }, Horses(), Trace()).Target!.Id);

    [Fact]
    public void Ordinal_beyond_the_count_is_not_found_with_the_candidates()
    {
        var outcome = _executor.Execute(X("horse") with { Ordinal = new Ordinal(5, "left") }, Horses(), Trace());
        Assert.Equal(GroundingKind.NotFound, outcome.Kind);
        Assert.Equal([3, 2, 6, 5], outcome.Candidates.Select(e => e.Id));
        Assert.Contains("only 4", outcome.Message);
    }

    [Fact]
    public void Ordinal_near_tie_at_the_picked_position_is_ambiguous()
    {
        // Widths 100 → tie margin 0.05·100 = 5 px. #2 and #4 centres are 3 px apart; #1 is well clear.
        var scene = S(E(1, "bottle", 0, 0, 100, 200), E(2, "bottle", 300, 0, 400, 200), E(4, "bottle", 303, 250, 403, 450));
        var trace = Trace();
        var second = _executor.Execute(X("bottle") with { Ordinal = new Ordinal(2, "left") }, scene, trace);
        Assert.Equal(GroundingKind.Ambiguous, second.Kind);
        Assert.Equal([2, 4], second.Candidates.Select(e => e.Id));
        Assert.Contains("not clear", trace.Steps[1].Text);
        // The first is not affected by a tie further along.
        Assert.Equal(1, _executor.Execute(X("bottle") with { Ordinal = new Ordinal(1, "left") }, scene, Trace()).Target!.Id);
        // 8 px apart: no longer level.
        var clear = S(E(1, "bottle", 0, 0, 100, 200), E(2, "bottle", 300, 0, 400, 200), E(4, "bottle", 308, 250, 408, 450));
        Assert.Equal(2, _executor.Execute(X("bottle") with { Ordinal = new Ordinal(2, "left") }, clear, Trace()).Target!.Id);
    }

    [Fact]
    public void Region_picks_the_extreme_when_it_leads_by_the_margin()
    {
        var trace = Trace();
        var outcome = _executor.Execute(X("horse") with { Region = "left" }, Horses(), trace);
        Assert.Equal(3, outcome.Target!.Id);
        Assert.Contains("On the left: #3", trace.Steps[1].Text);
        Assert.Equal(5, _executor.Execute(X("horse") with { Region = "right" }, Horses(), Trace()).Target!.Id);
    }

    [Fact]
    public void Region_with_level_candidates_is_ambiguous()
    {
        // Widths 100 → region margin 0.05·100 = 5 px; #1 and #2 centres are 3 px apart.
        var scene = S(E(1, "cup", 0, 0, 100, 100), E(2, "cup", 3, 300, 103, 400), E(3, "cup", 600, 0, 700, 100));
        var outcome = _executor.Execute(X("cup") with { Region = "left" }, scene, Trace());
        Assert.Equal(GroundingKind.Ambiguous, outcome.Kind);
        Assert.Equal([1, 2], outcome.Candidates.Select(e => e.Id));
        // 8 px apart: #1 leads by more than the margin.
        var clear = S(E(1, "cup", 0, 0, 100, 100), E(2, "cup", 8, 300, 108, 400), E(3, "cup", 600, 0, 700, 100));
        Assert.Equal(1, _executor.Execute(X("cup") with { Region = "left" }, clear, Trace()).Target!.Id);
        // Top/bottom use the bottom edge (where an object rests).
        Assert.Equal(2, _executor.Execute(X("cup") with { Region = "bottom" }, clear, Trace()).Target!.Id);
    }

    [Fact]
    public void Colour_filter_keeps_and_drops_with_reasons()
    {
        var scene = S(E(3, "horse", 0, 0, 100, 100, "white"), E(5, "horse", 300, 0, 400, 100, "brown"));
        var trace = Trace();
        var outcome = _executor.Execute(X("horse") with { Color = "white" }, scene, trace);
        Assert.Equal(3, outcome.Target!.Id);
        Assert.Equal("Colour white: #3 kept (white), #5 dropped (brown).", trace.Steps[1].Text);
        Assert.Equal(["kept", "dropped"], trace.Steps[1].Boxes!.Select(b => b.Role));
        // The scene's "grey" and the request's "gray" are the same colour.
        var grey = S(E(1, "car", 0, 0, 100, 100, "grey"), E(2, "car", 300, 0, 400, 100, "red"));
        Assert.Equal(1, _executor.Execute(X("car") with { Color = "gray" }, grey, Trace()).Target!.Id);
    }

    [Fact]
    public void Category_counts_by_probability_not_only_by_label()
    {
        var scene = S(
            E(1, "remote", 0, 0, 50, 100, score: 0.6f, extra: ("cell phone", 0.4f)),   // 0.4 ≥ 0.25 and ≥ 0.5·0.6: a phone
            E(2, "remote", 200, 0, 250, 100, score: 0.9f, extra: ("cell phone", 0.3f)), // 0.3 < 0.5·0.9: not a phone
            E(3, "remote", 400, 0, 450, 100, score: 0.3f, extra: ("cell phone", 0.2f)), // 0.2 < 0.25: not a phone
            E(4, "cell phone", 600, 0, 650, 100, score: 0.8f));
        var trace = Trace();
        var outcome = _executor.Execute(X("cell phone"), scene, trace);
        Assert.Equal([1, 4], outcome.Candidates.Select(e => e.Id));
        Assert.Contains("#1 labelled remote, cell phone p=0.4", trace.Steps[0].Text);

        var o = new ReasoningOptions();
        Assert.True(GroundingExecutor.IsCategory(scene.Entities[0], "cell phone", o));
        Assert.False(GroundingExecutor.IsCategory(scene.Entities[1], "cell phone", o));
        Assert.True(GroundingExecutor.IsCategory(scene.Entities[1], "cell phone", o with { CategoryMinFractionOfTop = 0.3f }));
        Assert.False(GroundingExecutor.IsCategory(scene.Entities[2], "cell phone", o));
    }

    [Fact]
    public void Relation_uses_the_grounded_anchor()
    {
        // Laptop #4 in the middle; cup #1 left of it, cup #2 right of it.
        var scene = S(E(1, "cup", 100, 200, 180, 280), E(2, "cup", 600, 200, 680, 280), E(4, "laptop", 300, 150, 500, 300));
        var trace = Trace();
        var outcome = _executor.Execute(X("cup") with { Relation = new Relation(SpatialRelations.LeftOf, X("laptop")) }, scene, trace);
        Assert.Equal(1, outcome.Target!.Id);
        // The anchor's own steps are written with a prefix, then the relation step.
        Assert.Contains(trace.Steps, s => s.Text == "Anchor (the laptop): 1 laptop: #4.");
        var rel = trace.Steps.Single(s => s.Text.StartsWith("Left of the laptop"));
        Assert.Equal("Left of the laptop (#4): #1 kept, #2 dropped.", rel.Text);
        Assert.Equal("anchor", rel.Boxes!.Single(b => b.Id == 4).Role);
        Assert.Equal(2, _executor.Execute(X("cup") with { Relation = new Relation(SpatialRelations.RightOf, X("laptop")) }, scene, Trace()).Target!.Id);
    }

    [Fact]
    public void Ambiguous_anchor_relates_to_any_of_its_candidates()
    {
        // Two laptops; cup #1 is next to laptop #4 only, cup #2 next to nothing.
        var scene = S(E(1, "cup", 100, 200, 180, 280), E(2, "cup", 900, 600, 980, 680),
            E(4, "laptop", 200, 150, 400, 300), E(5, "laptop", 500, 150, 700, 300));
        var trace = Trace();
        var outcome = _executor.Execute(X("cup") with { Relation = new Relation(SpatialRelations.NextTo, X("laptop")) }, scene, trace);
        Assert.Equal(1, outcome.Target!.Id);
        Assert.Contains(trace.Steps, s => s.Text.Contains("(any of #4 #5)"));
    }

    [Fact]
    public void Anchor_not_found_is_not_found_with_the_same_category_candidates()
    {
        var scene = S(E(1, "cup", 100, 200, 180, 280), E(2, "cup", 600, 200, 680, 280));
        var outcome = _executor.Execute(X("cup") with { Relation = new Relation(SpatialRelations.NextTo, X("laptop")) }, scene, Trace());
        Assert.Equal(GroundingKind.NotFound, outcome.Kind);
        Assert.Equal([1, 2], outcome.Candidates.Select(e => e.Id));
        Assert.Contains("No laptop", outcome.Message);
    }

    [Fact]
    public void Next_to_prefers_the_clearly_nearest_and_is_ambiguous_otherwise()
    {
        // Laptop 200 px wide; cup #1 touches it (gap 0 → 0 ≤ 0.5·40 + 1), cup #2 40 px away.
        var near = S(E(1, "cup", 500, 200, 580, 280), E(2, "cup", 40, 200, 160, 280), E(4, "laptop", 200, 150, 500, 300));
        Assert.Equal(1, _executor.Execute(X("cup") with { Relation = new Relation(SpatialRelations.NextTo, X("laptop")) }, near, Trace()).Target!.Id);
        // Both 40 px away: ambiguous between them.
        var level = S(E(1, "cup", 540, 200, 620, 280), E(2, "cup", 80, 200, 160, 280), E(4, "laptop", 200, 150, 500, 300));
        var outcome = _executor.Execute(X("cup") with { Relation = new Relation(SpatialRelations.NextTo, X("laptop")) }, level, Trace());
        Assert.Equal(GroundingKind.Ambiguous, outcome.Kind);
        Assert.Equal([1, 2], outcome.Candidates.Select(e => e.Id));
    }

    [Fact]
    public void A_candidate_is_never_its_own_anchor()
    {
        // "the cup next to the cup": two touching cups both qualify (each next to the other); a lone cup far away does not.
        var scene = S(E(1, "cup", 0, 0, 100, 100), E(2, "cup", 110, 0, 210, 100), E(3, "cup", 800, 600, 900, 700));
        var outcome = _executor.Execute(X("cup") with { Relation = new Relation(SpatialRelations.NextTo, X("cup")) }, scene, Trace());
        Assert.Equal(GroundingKind.Ambiguous, outcome.Kind);
        Assert.Equal([1, 2], outcome.Candidates.Select(e => e.Id));
    }

    [Fact]
    public void Missing_category_is_not_found_with_the_most_probable_entities()
    {
        var scene = S(E(1, "truck", 0, 0, 300, 200, extra: ("bus", 0.2f)), E(2, "car", 400, 0, 500, 100, extra: ("bus", 0.05f)), E(3, "dog", 600, 0, 700, 100));
        var trace = Trace();
        var outcome = _executor.Execute(X("bus"), scene, trace);
        Assert.Equal(GroundingKind.NotFound, outcome.Kind);
        Assert.Equal([1, 2], outcome.Candidates.Select(e => e.Id));
        Assert.Equal("No bus among 3 objects.", trace.Steps[0].Text);
        Assert.StartsWith("Not found:", trace.Steps[^1].Text);
    }

    [Fact]
    public void Failed_attribute_is_not_found_with_the_category_members()
    {
        var outcome = _executor.Execute(X("horse") with { Color = "red" }, Horses(), Trace());
        Assert.Equal(GroundingKind.NotFound, outcome.Kind);
        Assert.Equal([2, 3, 5, 6], outcome.Candidates.Select(e => e.Id));
        Assert.Contains("No red horse", outcome.Message);
    }

    [Fact]
    public void Out_of_vocabulary_category_is_not_found_and_says_why()
    {
        var outcome = _executor.Execute(new ReferringExpression { Category = "kettle", InVocabulary = false }, Horses(), Trace());
        Assert.Equal(GroundingKind.NotFound, outcome.Kind);
        Assert.Empty(outcome.Candidates);
        Assert.Contains("not in the detector's vocabulary", outcome.Message);
    }

    [Fact]
    public void Program_is_compiled_in_a_fixed_order_of_registered_operations()
    {
        var e = X("cup") with { Color = "red", Region = "left", Ordinal = new Ordinal(2, "right"), Relation = new Relation(SpatialRelations.Above, X("tv")) };
        var nodes = GroundingExecutor.Compile(e);
        Assert.Equal(["filter_category", "filter_color", "relate_above", "region", "ordinal"], nodes.Select(n => n.Op));
        foreach (var n in nodes) Assert.Contains(n.Op, _executor.OperationNames);
    }

    [Fact]
    public void Same_input_gives_a_byte_identical_trace()
    {
        var e = X("horse") with { Color = "white", Ordinal = new Ordinal(1, "right") };
        var t1 = Trace(); var t2 = Trace();
        _executor.Execute(e, Horses(), t1);
        _executor.Execute(e, Horses(), t2);
        Assert.Equal(t1.ToJson(), t2.ToJson());
        Assert.Contains("\"role\": \"dropped\"", t1.ToJson());
    }
}
