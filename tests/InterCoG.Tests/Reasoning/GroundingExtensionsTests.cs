using InterCoG.Perception;
using InterCoG.Reasoning;
using Xunit;
using static InterCoG.Tests.Reasoning.ReasoningScenes;

namespace InterCoG.Tests.Reasoning;

/// <summary>Depth, size, closest-to, front/behind, between, middle/corner, negation and counts: parsed from text and
/// grounded on hand-made scenes (image 1000×800, y down).</summary>
public class GroundingExtensionsTests
{
    private readonly InstructionParser _parser = new();

    // Three cups of one size whose bottom edges are at 700 (near), 400 and 200 (far).
    private static Scene DepthCups() => S(
        E(1, "cup", 100, 350, 180, 400), E(2, "cup", 400, 620, 480, 700), E(3, "cup", 700, 150, 780, 200));

    [Theory]
    [InlineData("the nearest cup", 2)]
    [InlineData("closest cup", 2)]
    [InlineData("cup in the foreground", 2)]
    [InlineData("the cup in front", 2)]
    [InlineData("the farthest cup", 3)]
    [InlineData("most distant cup", 3)]
    [InlineData("cup in the background", 3)]
    [InlineData("the cup in the back", 3)]
    [InlineData("the cup behind", 3)]
    [InlineData("the second closest cup", 1)]
    public void Depth_without_an_object_ranks_by_the_bottom_edge(string text, int expected) =>
        Assert.Equal(expected, Pick(text, DepthCups()));

    [Fact]
    public void Depth_level_on_the_bottom_edge_is_decided_by_size_within_a_category_else_ambiguous()
    {
        // Same bottom edge; #2 is twice as wide and tall: nearer by the size cue.
        var sized = S(E(1, "cup", 100, 500, 150, 550), E(2, "cup", 400, 450, 500, 550));
        Assert.Equal(2, Pick("the nearest cup", sized));
        Assert.Equal(1, Pick("the farthest cup", sized));
        // Same bottom edge (1 px apart, under 5 % of the 50 px height) and same size: nothing tells them apart.
        var level = S(E(1, "cup", 100, 500, 150, 550), E(2, "cup", 400, 501, 450, 551));
        Assert.Equal(GroundingKind.Ambiguous, Ground("the nearest cup", level).Kind);
        // 5 px apart (over 5 % of the mean height): the lower bottom edge is nearer, whatever the size.
        var lower = S(E(1, "cup", 100, 500, 150, 550), E(2, "cup", 400, 530, 430, 555));
        Assert.Equal(2, Pick("the nearest cup", lower));
        Assert.Equal(1, Pick("the farthest cup", lower));
    }

    [Theory]
    [InlineData("the biggest cup", 1)]
    [InlineData("the largest cup", 1)]
    [InlineData("the big cup", 1)]
    [InlineData("the smallest cup", 2)]
    [InlineData("the tiny cup", 2)]
    [InlineData("the tallest cup", 3)]
    public void Size_superlatives_rank_by_area_or_height(string text, int expected) =>
        Assert.Equal(expected, Pick(text, S(E(1, "cup", 0, 0, 100, 100), E(2, "cup", 300, 0, 340, 40), E(3, "cup", 600, 0, 650, 120))));

    [Fact]
    public void Size_within_ten_percent_is_level()
    {
        var o = Ground("the biggest cup", S(E(1, "cup", 0, 0, 100, 100), E(2, "cup", 300, 0, 403, 100)));
        Assert.Equal(GroundingKind.Ambiguous, o.Kind);
        Assert.Equal([1, 2], o.Candidates.Select(e => e.Id).Order());
    }

    private static Scene CupsAndLaptop() => S(
        E(1, "cup", 100, 300, 150, 350), E(2, "laptop", 200, 250, 400, 400), E(3, "cup", 600, 300, 650, 350), E(4, "cup", 900, 300, 950, 350));

    [Fact]
    public void Closest_to_and_farthest_from_an_object_use_centre_distance()
    {
        Assert.Equal(1, Pick("the cup closest to the laptop", CupsAndLaptop()));
        Assert.Equal(1, Pick("the cup nearest to the laptop", CupsAndLaptop()));
        Assert.Equal(4, Pick("the cup farthest from the laptop", CupsAndLaptop()));
        // Two cups at the same distance on either side: ambiguous.
        var sym = S(E(1, "cup", 100, 300, 150, 350), E(2, "laptop", 400, 250, 600, 400), E(3, "cup", 850, 300, 900, 350));
        Assert.Equal(GroundingKind.Ambiguous, Ground("the cup closest to the laptop", sym).Kind);
    }

    // Laptop with its bottom edge at 400; cup 1 overlaps it and stands lower (front), cup 2 overlaps it and stands
    // higher (behind), cup 3 is lower but does not overlap horizontally.
    private static Scene FrontBehind() => S(
        E(1, "cup", 350, 400, 400, 480), E(2, "cup", 420, 150, 460, 250), E(3, "cup", 800, 400, 850, 480), E(4, "laptop", 300, 200, 500, 400));

    [Fact]
    public void In_front_of_and_behind_an_object_compare_bottom_edges_of_overlapping_boxes()
    {
        Assert.Equal(1, Pick("the cup in front of the laptop", FrontBehind()));
        Assert.Equal(2, Pick("the cup behind the laptop", FrontBehind()));
        Assert.Equal(SpatialRelations.InFrontOf, _parser.Parse("the cup in front of the laptop").Request!.Target.Relation!.Kind);
    }

    [Fact]
    public void Between_two_objects_lies_on_the_segment_joining_their_centres()
    {
        var scene = S(E(1, "laptop", 0, 300, 100, 400), E(2, "cup", 300, 320, 350, 380), E(3, "bowl", 600, 300, 700, 400),
                      E(4, "cup", 800, 320, 850, 380), E(5, "cup", 300, 700, 350, 760));
        Assert.Equal(2, Pick("the cup between the laptop and the bowl", scene));
        var rel = _parser.Parse("the cup between the laptop and the bowl").Request!.Target.Relation!;
        Assert.Equal(SpatialRelations.Between, rel.Kind);
        Assert.Equal("bowl", rel.SecondAnchor!.Category);
        Assert.Equal(GroundingKind.NotFound, Ground("the cup between the laptop and the bowl", S(E(1, "laptop", 0, 300, 100, 400), E(3, "bowl", 600, 300, 700, 400), E(4, "cup", 800, 320, 850, 380))).Kind);
    }

    [Fact]
    public void Middle_and_corners_use_both_axes()
    {
        var row = S(E(1, "cup", 0, 300, 100, 400), E(2, "cup", 450, 300, 550, 400), E(3, "cup", 900, 300, 1000, 400));
        Assert.Equal(2, Pick("the middle cup", row));
        Assert.Equal(2, Pick("the cup in the middle", row));
        Assert.Equal(2, Pick("the cup in the center of the image", row));
        var corners = S(E(1, "cup", 0, 0, 100, 100), E(2, "cup", 900, 0, 1000, 100), E(3, "cup", 0, 700, 100, 800), E(4, "cup", 900, 700, 1000, 800));
        Assert.Equal(1, Pick("the cup in the top left corner", corners));
        Assert.Equal(2, Pick("the cup in the top right corner", corners));
        Assert.Equal(3, Pick("the cup at the bottom left", corners));
        Assert.Equal(4, Pick("the cup in the lower right corner", corners));
    }

    [Fact]
    public void Negation_drops_what_the_negated_attributes_pick()
    {
        var scene = S(E(1, "cup", 0, 0, 100, 100, "red"), E(2, "cup", 300, 0, 350, 50, "white"));
        Assert.Equal(2, Pick("the cup that is not red", scene));
        Assert.Equal(2, Pick("the cup not the big one", scene));
        Assert.Equal(1, Pick("the cup that is not on the right", scene));
        Assert.Equal("red", _parser.Parse("the cup that is not red").Request!.Target.Negated!.Color);
    }

    [Fact]
    public void Counts_ground_a_set_only_when_the_number_matches()
    {
        var two = S(E(1, "cup", 0, 0, 100, 100), E(2, "cup", 300, 0, 400, 100), E(3, "bowl", 600, 0, 700, 100));
        var both = Ground("both cups", two);
        Assert.Equal(GroundingKind.Unique, both.Kind);
        Assert.Equal([1, 2], both.Targets.Select(e => e.Id));
        var three = S(E(1, "cup", 0, 0, 100, 100), E(2, "cup", 300, 0, 400, 100), E(3, "cup", 600, 0, 700, 100));
        Assert.Equal(GroundingKind.Ambiguous, Ground("both cups", three).Kind);
        Assert.Equal(3, Ground("all the cups", three).Targets.Count);
        var left2 = Ground("the two cups on the left", three);
        Assert.Equal(GroundingKind.Unique, left2.Kind);
        Assert.Equal([1, 2], left2.Targets.Select(e => e.Id));
        Assert.Equal(2, _parser.Parse("remove both of the dogs").Request!.Target.Count);
        Assert.Single(Ground("the cup on the left", three).Targets);
    }
}
