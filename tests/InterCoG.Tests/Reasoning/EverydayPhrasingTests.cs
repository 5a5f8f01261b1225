using InterCoG.Imaging;
using InterCoG.Reasoning;
using Xunit;
using static InterCoG.Tests.Reasoning.ReasoningScenes;
using InterCoG.Programs;

namespace InterCoG.Tests.Reasoning;

/// <summary>Phrasings people use that name no category ("the left one"), hold something ("the man holding an
/// umbrella"), name a garment by its owner ("the girl's dress"), put a participle before a relation ("the bird
/// flying above the boat"), or "put" an existing object somewhere (hand-made scenes, image 1000×800, y down).</summary>
public class EverydayPhrasingTests
{
    private readonly InstructionParser _parser = new();

    [Theory]
    [InlineData("the one on the left", 1)]
    [InlineData("make the left one red", 1)]
    [InlineData("the right one", 3)]
    [InlineData("remove the thing next to the laptop", 2)]
    public void Words_that_name_no_category_mean_any_object(string text, int expected)
    {
        // A cup, a bowl touching the laptop, the laptop itself.
        var scene = S(E(1, "cup", 50, 400, 100, 450), E(2, "bowl", 560, 420, 620, 470), E(3, "laptop", 630, 300, 900, 500));
        var r = _parser.Parse(text);
        Assert.True(r.Parsed, r.Reason);
        Assert.Equal(GroundingExecutor.AnyObject, r.Request!.Target.Category);
        Assert.Contains(r.Notes, n => n.Contains("names no kind of object"));
        Assert.Equal(expected, Pick(text, scene));
    }

    [Fact]
    public void Plural_generic_nouns_mean_all_of_them()
    {
        var r = _parser.Parse("remove the things on the table");
        Assert.True(r.Parsed, r.Reason);
        Assert.Equal(0, r.Request!.Target.Count);
        var scene = S(E(1, "cup", 150, 250, 200, 310), E(2, "bowl", 250, 260, 320, 310), E(3, "dog", 700, 500, 850, 700),
            E(10, "dining table", 100, 300, 450, 600));
        var o = new GroundingExecutor().Execute(r.Request.Target, scene, Trace());
        Assert.Equal([1, 2], o.Targets.Select(t => t.Id).Order());
    }

    [Fact]
    public void With_and_held_by_test_box_overlap_against_the_smaller_box()
    {
        var o = new ReasoningOptions();
        var person = new Box(100, 100, 200, 500);
        var with = SpatialRelations.All[SpatialRelations.With];
        Assert.True(with(person, new Box(150, 250, 190, 300), o));   // a cup in the hand: wholly inside
        // An umbrella held over the head: 100 × 60 = 6 000 px² of its 220 × 120 = 26 400 px² box overlap the person (0.23 of the smaller box).
        Assert.False(with(person, new Box(40, 40, 260, 160), o));
        Assert.True(with(person, new Box(60, 60, 240, 180), o));     // held lower: 100 × 80 = 8 000 of 21 600 px² (0.37)
        Assert.False(with(person, new Box(210, 250, 260, 300), o));  // beside the person, no overlap
        Assert.Equal(with(person, new Box(150, 250, 190, 300), o), SpatialRelations.All[SpatialRelations.HeldBy](new Box(150, 250, 190, 300), person, o));
    }

    [Fact]
    public void The_person_holding_an_object_and_the_object_held_by_a_person_are_found()
    {
        // Person #1 holds umbrella #10 (overlapping his upper body); person #2 stands apart; umbrella #11 lies on the ground.
        var scene = S(E(1, "person", 100, 200, 200, 600), E(2, "person", 500, 200, 600, 600),
            E(10, "umbrella", 60, 150, 240, 330), E(11, "umbrella", 750, 650, 900, 720));
        foreach (var text in new[] { "the man holding an umbrella", "the person with the umbrella", "the woman carrying an umbrella" })
        {
            var r = _parser.Parse(text);
            Assert.True(r.Parsed, r.Reason);
            Assert.Equal(SpatialRelations.With, r.Request!.Target.Relation!.Kind);
            Assert.Null(r.Request.Target.Unresolved);
            Assert.Equal(1, Pick(text, scene));
        }
        var held = _parser.Parse("recolor the umbrella held by the woman to green");
        Assert.True(held.Parsed, held.Reason);
        Assert.Equal(Operations.Recolor, held.Request!.Operation);
        Assert.Equal(SpatialRelations.HeldBy, held.Request.Target.Relation!.Kind);
        Assert.Equal(10, Pick("the umbrella held by the woman", scene));
        Assert.Equal(10, Pick("the umbrella in the hands of the person on the left", scene));
    }

    [Fact]
    public void A_thing_worn_that_the_detector_cannot_find_is_reported_not_dropped()
    {
        var r = _parser.Parse("make the person wearing a hat blue");
        Assert.True(r.Parsed, r.Reason);
        Assert.Equal(["wearing a hat"], r.Request!.Target.Unresolved!);
        Assert.Contains(r.Notes, n => n.Contains("'hat' is not in the detector's vocabulary"));
    }

    [Theory]
    [InlineData("make the girl's dress red", "dress", null)]
    [InlineData("change the color of their shirts to blue", "shirt", 0)]
    [InlineData("paint his jacket black", "jacket", null)]
    public void A_garment_after_its_owner_limits_the_recolour_to_that_part(string text, string part, int? count)
    {
        var r = _parser.Parse(text);
        Assert.True(r.Parsed, r.Reason);
        Assert.Equal(Operations.Recolor, r.Request!.Operation);
        Assert.Equal("person", r.Request.Target.Category);
        Assert.Equal(part, r.Request.Arguments["part"]);
        Assert.Equal(count, r.Request.Target.Count);
    }

    [Fact]
    public void Make_him_bald_is_a_replacement_of_the_hair()
    {
        var r = _parser.Parse("make him bald");
        Assert.True(r.Parsed, r.Reason);
        Assert.Equal(Operations.Replace, r.Request!.Operation);
        Assert.Equal("hair", r.Request.Arguments["part"]);
        Assert.Equal("person", r.Request.Target.Category);
    }

    [Theory]
    [InlineData("remove the bird flying above the boat", SpatialRelations.Above)]
    [InlineData("the car parked behind the bus", SpatialRelations.Behind)]
    [InlineData("the cat sleeping on the bed", SpatialRelations.On)]
    [InlineData("the clock hanging above the tv", SpatialRelations.Above)]
    public void A_participle_before_a_relation_is_a_filler(string text, string kind)
    {
        var r = _parser.Parse(text);
        Assert.True(r.Parsed, r.Reason);
        Assert.Equal(kind, r.Request!.Target.Relation!.Kind);
        Assert.Null(r.Request.Target.Unresolved);
    }

    [Fact]
    public void Put_the_object_somewhere_moves_it_and_put_an_object_adds_one()
    {
        var move = _parser.Parse("put the cup next to the laptop");
        Assert.True(move.Parsed, move.Reason);
        Assert.Equal(Operations.Move, move.Request!.Operation);
        Assert.Equal("cup", move.Request.Target.Category);
        Assert.Equal(SpatialRelations.NextTo, move.Request.Arguments["relation"]);
        var add = _parser.Parse("put a cup next to the laptop");
        Assert.True(add.Parsed, add.Reason);
        Assert.Equal(Operations.Add, add.Request!.Operation);
        Assert.Equal("laptop", add.Request.Target.Category);
    }

    [Theory]
    [InlineData("I want the red cup removed", Operations.Remove, "cup")]
    [InlineData("have the bird removed", Operations.Remove, "bird")]
    [InlineData("the dog should be removed", Operations.Remove, "dog")]
    [InlineData("I'd like the car on the left to be blue", Operations.Recolor, "car")]
    [InlineData("the cup on the left should be red", Operations.Recolor, "cup")]
    [InlineData("can the dog be made brown?", Operations.Recolor, "dog")]
    [InlineData("the car on the left, make it red", Operations.Recolor, "car")]
    [InlineData("give the dog a red color", Operations.Recolor, "dog")]
    public void Wishes_passives_and_fronted_objects_read_as_the_imperative(string text, string operation, string category)
    {
        var r = _parser.Parse(text);
        Assert.True(r.Parsed, r.Reason);
        Assert.Equal(operation, r.Request!.Operation);
        Assert.Equal(category, r.Request.Target.Category);
        if (operation == Operations.Recolor) Assert.False(string.IsNullOrEmpty(r.Request.Arguments["color"]));
    }

    [Fact]
    public void Rewrites_are_reported_and_keep_every_modifier()
    {
        var r = _parser.Parse("the car on the left, make it red");
        Assert.Contains(r.Notes, n => n == "read as 'make the car on the left red'");
        Assert.Equal("left", r.Request!.Target.Region);
        var plain = _parser.Parse("the cup that is not white");   // no copula, no verb: still a bare description
        Assert.True(plain.Parsed, plain.Reason);
        Assert.Equal(Operations.Ground, plain.Request!.Operation);
        Assert.DoesNotContain(plain.Notes, n => n.StartsWith("read as", StringComparison.Ordinal));
    }

    [Fact]
    public void An_exception_may_be_an_ordinal_or_another_kind_of_object()
    {
        var bottles = S(E(1, "bottle", 100, 300, 140, 400), E(2, "bottle", 300, 300, 340, 400), E(3, "bottle", 500, 300, 540, 400));
        var r = _parser.Parse("remove every bottle but the first");
        Assert.True(r.Parsed, r.Reason);
        var o = new GroundingExecutor().Execute(r.Request!.Target, bottles, Trace());
        Assert.Equal([2, 3], o.Targets.Select(t => t.Id).Order());

        var table = S(E(1, "cup", 150, 250, 200, 310), E(2, "laptop", 250, 200, 400, 310), E(3, "dog", 700, 500, 850, 700),
            E(10, "dining table", 100, 300, 450, 600));
        var e = _parser.Parse("remove everything on the table except the laptop");
        Assert.True(e.Parsed, e.Reason);
        var kept = new GroundingExecutor().Execute(e.Request!.Target, table, Trace());
        Assert.Equal([1], kept.Targets.Select(t => t.Id));
    }

    [Fact]
    public void Wear_and_dress_recolour_the_clothes_and_the_picture_is_no_anchor()
    {
        var wear = _parser.Parse("make the second person from the right wear red");
        Assert.True(wear.Parsed, wear.Reason);
        Assert.Equal("clothes", wear.Request!.Arguments["part"]);
        Assert.Equal(2, wear.Request.Target.Ordinal!.N);
        var dress = _parser.Parse("dress the man in white");
        Assert.True(dress.Parsed, dress.Reason);
        Assert.Equal("clothes", dress.Request!.Arguments["part"]);
        Assert.Equal("white", dress.Request.Arguments["color"]);
        var picture = _parser.Parse("make the rightmost horse in the picture black");
        Assert.True(picture.Parsed, picture.Reason);
        Assert.Null(picture.Request!.Target.Unresolved);
    }
}
