using InterCoG.Imaging;
using InterCoG.Perception;
using InterCoG.Reasoning;
using Xunit;
using static InterCoG.Tests.Reasoning.ReasoningScenes;
using InterCoG.Programs;

namespace InterCoG.Tests.Reasoning;

/// <summary>Ground contact for top/bottom and depth, box-edge tie margins, several relations per object, on/inside,
/// negation synonyms, colour by "in red", pronouns without antecedent and the wording of operation arguments
/// (hand-made scenes, image 1000×800, y down).</summary>
public class GroundingProgramTests
{
    private readonly InstructionParser _parser = new();
    private readonly GroundingExecutor _executor = new();

    [Fact]
    public void Top_and_bottom_go_by_where_an_object_rests_not_by_its_extent()
    {
        // #1 is a tall bottle whose top and centre are higher, but it stands lower (bottom edge 500) than the short #2 (480).
        var scene = S(E(1, "bottle", 100, 200, 150, 500), E(2, "bottle", 400, 420, 440, 480));
        Assert.Equal(2, Pick("the topmost bottle", scene));
        Assert.Equal(2, Pick("the bottle at the top", scene));
        Assert.Equal(1, Pick("the bottommost bottle", scene));
        Assert.Equal(1, Pick("the nearest bottle", scene));   // lower ground contact: nearer
        Assert.Equal(2, Pick("the farthest bottle", scene));
    }

    [Fact]
    public void Depth_ground_contact_beats_apparent_size_when_they_disagree()
    {
        // #1 is big but rests higher (farther); #2 is small but its bottom edge is 30 px lower (well over 5 % of the heights).
        var scene = S(E(1, "bowl", 100, 300, 400, 470), E(2, "bowl", 600, 460, 660, 500));
        Assert.Equal(2, Pick("the nearest bowl", scene));
        Assert.Equal(1, Pick("the bowl in the background", scene));
    }

    [Fact]
    public void Every_relation_of_an_object_must_hold()
    {
        // Cups #1 (left of the laptop, far from the bowl) and #2 (left of the laptop, touching the bowl #11); #3 right of the laptop.
        var scene = S(E(1, "cup", 100, 380, 150, 430), E(2, "cup", 300, 400, 350, 450), E(3, "cup", 800, 400, 850, 450),
            E(10, "laptop", 500, 300, 700, 500), E(11, "bowl", 360, 400, 420, 450));
        var r = _parser.Parse("the cup left of the laptop and next to the bowl");
        Assert.True(r.Parsed, r.Reason);
        Assert.Equal(SpatialRelations.LeftOf, r.Request!.Target.Relation!.Kind);
        Assert.Equal(SpatialRelations.NextTo, Assert.Single(r.Request.Target.MoreRelations!).Kind);
        Assert.Null(r.Request.Target.Relation.Anchor.Relation); // "and" attaches to the cup, not to the laptop
        Assert.Equal(2, Pick("the cup left of the laptop and next to the bowl", scene));
        // Only the first relation: two cups qualify and nothing tells them apart.
        Assert.Equal(GroundingKind.Ambiguous, Ground("the cup left of the laptop", S(E(1, "cup", 100, 400, 150, 450),
            E(2, "cup", 300, 400, 350, 450), E(10, "laptop", 500, 300, 700, 500))).Kind);
        Assert.Contains("and next to the bowl", ExpressionText.Describe(r.Request.Target));
    }

    [Fact]
    public void Nested_relations_chain_through_anchors()
    {
        // "the cup on the table left of the laptop": the cup resting on the table that is left of the laptop.
        var scene = S(E(1, "cup", 150, 250, 200, 310), E(2, "cup", 750, 250, 800, 310),
            E(10, "dining table", 50, 300, 400, 600), E(11, "dining table", 650, 300, 950, 600), E(12, "laptop", 450, 250, 600, 350));
        var r = _parser.Parse("the cup on the table left of the laptop");
        Assert.True(r.Parsed, r.Reason);
        Assert.Equal(SpatialRelations.On, r.Request!.Target.Relation!.Kind);
        Assert.Equal(SpatialRelations.LeftOf, r.Request.Target.Relation.Anchor.Relation!.Kind);
        Assert.Equal(1, Pick("the cup on the table left of the laptop", scene));
        Assert.Equal(2, Pick("the cup on the table right of the laptop", scene));
    }

    [Fact]
    public void On_and_inside_have_their_geometry()
    {
        var table = new Box(100, 300, 500, 600);
        Assert.True(SpatialRelations.All[SpatialRelations.On](new Box(200, 240, 260, 310), table, new ReasoningOptions()));   // rests on it
        Assert.False(SpatialRelations.All[SpatialRelations.On](new Box(200, 100, 260, 200), table, new ReasoningOptions()));  // floats above it
        Assert.False(SpatialRelations.All[SpatialRelations.On](new Box(600, 240, 660, 310), table, new ReasoningOptions()));  // beside it
        Assert.False(SpatialRelations.All[SpatialRelations.On](new Box(200, 500, 260, 600), table, new ReasoningOptions()));  // under it (centre below)
        Assert.True(SpatialRelations.All[SpatialRelations.Inside](new Box(150, 350, 250, 450), table, new ReasoningOptions()));
        Assert.False(SpatialRelations.All[SpatialRelations.Inside](new Box(450, 350, 650, 450), table, new ReasoningOptions())); // a quarter inside
        Assert.Equal(1, Pick("the person riding the horse", S(E(1, "person", 220, 100, 280, 260), E(2, "person", 700, 100, 760, 400),
            E(10, "horse", 150, 200, 400, 400))));
    }

    [Theory]
    [InlineData("the dog other than the big one")]
    [InlineData("the dog except the big one")]
    [InlineData("the dog but not the big one")]
    [InlineData("the dog that is not the big one")]
    public void Exclusion_phrasings_drop_what_they_name(string text)
    {
        var scene = S(E(1, "dog", 0, 0, 300, 300), E(2, "dog", 500, 0, 560, 60));
        Assert.Equal(2, Pick(text, scene));
    }

    [Theory]
    [InlineData("the guy in red", "red")]
    [InlineData("the woman wearing blue", "blue")]
    [InlineData("the man in a green shirt", "green")]
    [InlineData("the boy dressed in white", "white")]
    public void Colour_phrases_after_a_person_are_colour_attributes(string text, string colour)
    {
        var r = _parser.Parse(text);
        Assert.True(r.Parsed, r.Reason);
        Assert.Equal("person", r.Request!.Target.Category);
        Assert.Equal(colour, r.Request.Target.Color);
    }

    [Fact]
    public void Pronouns_without_antecedent_mean_the_people_and_are_reported()
    {
        var her = _parser.Parse("make her blonde");
        Assert.True(her.Parsed, her.Reason);
        Assert.Equal(Operations.Recolor, her.Request!.Operation);
        Assert.Equal("person", her.Request.Target.Category);
        Assert.Null(her.Request.Target.Count);
        Assert.Equal("hair", her.Request.Arguments["part"]);
        Assert.Contains(her.Notes, n => n.Contains("no antecedent"));

        var them = _parser.Parse("give them hats");
        Assert.True(them.Parsed, them.Reason);
        Assert.Equal(Operations.Add, them.Request!.Operation);
        Assert.Equal("hats", them.Request.Arguments["object"]);
        Assert.Equal(0, them.Request.Target.Count); // all the people
        var people = S(E(1, "person", 0, 0, 100, 300), E(2, "person", 500, 0, 600, 300), E(3, "dog", 700, 200, 800, 300));
        var o = _executor.Execute(them.Request.Target, people, Trace());
        Assert.Equal([1, 2], o.Targets.Select(t => t.Id));

        // "it": whichever single object there is; ambiguous among several.
        var it = _parser.Parse("move it 50 px left");
        Assert.True(it.Parsed, it.Reason);
        Assert.Equal("-50", it.Request!.Arguments["dx"]);
        Assert.Equal(3, _executor.Execute(it.Request.Target, S(E(3, "dog", 700, 200, 800, 300)), Trace()).Target!.Id);
        Assert.Equal(GroundingKind.Ambiguous, _executor.Execute(it.Request.Target, people, Trace()).Kind);
    }

    [Theory]
    [InlineData("move the cup 50 px to the left", "Move a cup by 50 px left")]
    [InlineData("move the cup next to the laptop", "Move a cup next to the laptop")]
    [InlineData("make the dog twice as big", "Resize a dog by ×2")]
    [InlineData("flip the horse upside down", "Flip a horse vertically")]
    [InlineData("turn the cat on the left into a tiger", "Replace a cat with tiger")]
    [InlineData("add a bench to the right of the boy", "Add a bench to the right of a person")]
    [InlineData("pixelate the face of the man on the right", "Pixelate the face of a person")]
    [InlineData("outline the dog in red", "Outline a dog in red")]
    [InlineData("give them hats", "Add hats on all the people; the people meant are all the ones")]
    [InlineData("remove both cups", "Remove 2 cups; the cups meant are the 2 ones")]
    public void Summary_words_the_operation_arguments(string text, string start)
    {
        var r = _parser.Parse(text);
        Assert.True(r.Parsed, r.Reason);
        Assert.StartsWith(start, ExpressionText.Summarize(r.Request!));
    }

    [Theory]
    [InlineData("remove the bottle second from the right", "bottle o=2/right")]
    [InlineData("the smaller of the two dogs", "dog o=1/small")]
    [InlineData("the leftmost of the three bottles", "bottle o=1/left")]
    [InlineData("remove the cup nearest the laptop", "cup rel=closest_to(laptop)")]
    [InlineData("the bottle nearest the camera", "bottle o=1/near")]
    [InlineData("make the cup that isn't red blue", "cup not(c=red)")]
    [InlineData("the dog to the left of the cat and right of the car", "dog rel=left_of(cat) rel=right_of(car)")]
    [InlineData("the person in front of the car on the left", "person rel=in_front_of(car r=left)")]
    public void Paraphrases_parse_to_the_same_program(string text, string expected)
    {
        var r = _parser.Parse(text);
        Assert.True(r.Parsed, r.Reason);
        Assert.Equal(expected, Compact(r.Request!.Target));
    }

    [Theory]
    [InlineData("shift the cup up by 30 px", "0", "-30")]
    [InlineData("move the dog 20 pixels up", "0", "-20")]
    [InlineData("move it 50 px left", "-50", "0")]
    public void Move_offsets_in_either_order(string text, string dx, string dy)
    {
        var r = _parser.Parse(text);
        Assert.True(r.Parsed, r.Reason);
        Assert.Equal(Operations.Move, r.Request!.Operation);
        Assert.Equal(dx, r.Request.Arguments["dx"]);
        Assert.Equal(dy, r.Request.Arguments["dy"]);
    }

    [Fact]
    public void A_possessive_pronoun_and_a_part_limit_the_recolour_to_that_part()
    {
        var r = _parser.Parse("paint his shirt red");
        Assert.True(r.Parsed, r.Reason);
        Assert.Equal("person", r.Request!.Target.Category);
        Assert.Equal("shirt", r.Request.Arguments["part"]);
        Assert.Equal("red", r.Request.Arguments["color"]);
    }

    private static string Compact(ReferringExpression e) =>
        e.Category + (e.Color is null ? "" : " c=" + e.Color) + (e.Region is null ? "" : " r=" + e.Region)
        + (e.Ordinal is null ? "" : $" o={e.Ordinal.N}/{e.Ordinal.From}")
        + (e.Negated is null ? "" : $" not({Compact(e.Negated)[(e.Negated.Category.Length + 1)..]})")
        + string.Concat((e.Relation is null ? [] : new[] { e.Relation }).Concat(e.MoreRelations ?? []).Select(r => $" rel={r.Kind}({Compact(r.Anchor)})"));

    [Fact]
    public void A_box_counts_as_a_category_by_its_class_probabilities()
    {
        // #2 is labelled cup but is 0.4 bottle (≥ 0.25 and ≥ half its top 0.6): it counts as a bottle for the ordering.
        var scene = S(E(1, "bottle", 100, 0, 150, 200), E(2, "cup", 400, 0, 450, 200, score: 0.6f, extra: ("bottle", 0.4f)),
            E(3, "cup", 700, 0, 750, 200));
        Assert.Equal(2, Pick("the rightmost bottle", scene));
        Assert.Equal(3, Pick("the rightmost cup", scene));
    }
}

public class ParseCliNotesTests
{
    [Fact]
    public void Parse_reports_what_it_read_by_a_default()
    {
        var json = InterCoG.Tests.TestSupport.CliRunner.Run("parse", "--json", "give them hats");
        Assert.True(json.ExitCode == 0, json.Err);
        using var doc = System.Text.Json.JsonDocument.Parse(json.Out);
        Assert.Contains(doc.RootElement.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("no antecedent"));
        var text = InterCoG.Tests.TestSupport.CliRunner.Run("parse", "make the kettle red");
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("note: 'kettle' is not in the detector's vocabulary", text.Err);
    }
}
