using Xunit;
using System.Text.Json;
using InterCoG.Chain;
using InterCoG.Reasoning;
using InterCoG.Tracing;
using InterCoG.Programs;

namespace InterCoG.Tests.Reasoning;

public class InstructionParserTests
{
    private readonly InstructionParser _parser = new();

    // Compact form: "op[ color]: category[?][ c=colour][ r=region][ o=N/from][ rel=kind(anchor)][ u=unresolved]".
    private static string Compact(EditRequest r) =>
        r.Operation + (r.Arguments.TryGetValue("color", out string? c) ? " " + c : "") + ": " + Compact(r.Target);

    private static string Compact(ReferringExpression e) =>
        e.Category + (e.InVocabulary ? "" : "?") + (e.Color is null ? "" : " c=" + e.Color) + (e.Region is null ? "" : " r=" + e.Region)
        + (e.Ordinal is null ? "" : $" o={e.Ordinal.N}/{e.Ordinal.From}")
        + (e.Relation is null ? "" : $" rel={e.Relation.Kind}({Compact(e.Relation.Anchor)})")
        + (e.Unresolved is null ? "" : $" u=[{string.Join("|", e.Unresolved)}]");

    [Theory]
    [InlineData("make the horse on the left brown", "recolor brown: horse r=left")]
    [InlineData("paint the white car blue", "recolor blue: car c=white")]
    [InlineData("make the leftmost horse black", "recolor black: horse o=1/left")]
    [InlineData("Make the rightmost horse black.", "recolor black: horse o=1/right")]
    [InlineData("remove the cup next to the laptop", "remove: cup rel=next_to(laptop)")]
    [InlineData("delete the third person from the right", "remove: person o=3/right")]
    [InlineData("get rid of the dog", "remove: dog")]
    [InlineData("Please get rid of the dog!", "remove: dog")]
    [InlineData("take out the bottle", "remove: bottle")]
    [InlineData("erase the mugs", "remove: cup")]
    [InlineData("Could you please erase the puppy", "remove: dog")]
    [InlineData("change the colour of the sofa to green", "recolor green: couch")]
    [InlineData("change the color of the car to #FF8800", "recolor #ff8800: car")]
    [InlineData("change the car's colour to navy", "recolor navy: car")]
    [InlineData("recolor the bottle red", "recolor red: bottle")]
    [InlineData("colour the umbrella in yellow", "recolor yellow: umbrella")]
    [InlineData("turn the phone into gold", "recolor gold: cell phone")]
    [InlineData("turn the grey cat light blue", "recolor light blue: cat c=gray")]
    [InlineData("paint the teddy bear pink", "recolor pink: teddy bear")]
    [InlineData("make the second bottle from the left red", "recolor red: bottle o=2/left")]
    [InlineData("make the 2nd bottle red", "recolor red: bottle o=2/left")]
    [InlineData("make the second from the left bottle red", "recolor red: bottle o=2/left")]
    [InlineData("paint the third horse from the right brown", "recolor brown: horse o=3/right")]
    [InlineData("remove the last car", "remove: car o=1/right")]
    [InlineData("remove the topmost clock", "remove: clock o=1/top")]
    [InlineData("remove the cup on the right side of the image", "remove: cup r=right")]
    [InlineData("remove the bird at the top", "remove: bird r=top")]
    [InlineData("remove the bird in the left", "remove: bird r=left")]
    [InlineData("remove the left horse", "remove: horse r=left")]
    [InlineData("remove the cup to the left of the laptop", "remove: cup rel=left_of(laptop)")]
    [InlineData("remove the cup left of the laptop", "remove: cup rel=left_of(laptop)")]
    [InlineData("remove the cup that is right of the monitor", "remove: cup rel=right_of(tv)")]
    [InlineData("remove the clock above the tv", "remove: clock rel=above(tv)")]
    [InlineData("remove the cat under the table", "remove: cat rel=below(dining table)")]
    [InlineData("remove the book on top of the white fridge", "remove: book rel=above(refrigerator c=white)")]
    [InlineData("remove the dog beside the red couch", "remove: dog rel=next_to(couch c=red)")]
    [InlineData("remove the cup next to the laptop on the left", "remove: cup rel=next_to(laptop r=left)")]
    [InlineData("make the orange cup red", "recolor red: cup c=orange")]
    [InlineData("remove the orange", "remove: orange")]
    [InlineData("the horse on the left", "ground: horse r=left")]
    [InlineData("horse", "ground: horse")]
    [InlineData("the second white bottle from the left", "ground: bottle c=white o=2/left")]
    [InlineData("the person on the far right of the photo", "ground: person r=right")]
    [InlineData("REMOVE   THE   CUP,   PLEASE.", "remove: cup")]
    [InlineData("cell phone on the left", "ground: cell phone r=left")]
    [InlineData("potted plant near the top", "ground: potted plant r=top")]
    [InlineData("bowl near the left", "ground: bowl r=left")]
    [InlineData("closest bowl", "ground: bowl o=1/near")]
    [InlineData("most distant remote", "ground: remote o=1/far")]
    [InlineData("remove the broken white cup", "remove: cup c=white u=[broken]")]
    [InlineData("bottle in the background", "ground: bottle o=1/far")]
    public void Parses_phrasings(string instruction, string expected)
    {
        var r = _parser.Parse(instruction);
        Assert.True(r.Parsed, r.Reason);
        Assert.Equal(expected, Compact(r.Request!));
    }

    [Fact]
    public void On_the_counter_is_kept_as_unresolved_and_reported()
    {
        var r = _parser.Parse("make the second bottle from the left on the counter red");
        Assert.True(r.Parsed, r.Reason);
        Assert.Equal("recolor red: bottle o=2/left u=[on the counter]", Compact(r.Request!));
        Assert.Contains(r.Notes, n => n.Contains("'counter' is not in the detector's vocabulary"));
        Assert.Contains(r.Notes, n => n.Contains("on the counter") && n.Contains("not something the detector can find"));
    }

    [Fact]
    public void Unknown_adjective_before_a_known_noun_is_reported()
    {
        var r = _parser.Parse("remove the broken bowl");
        Assert.True(r.Parsed, r.Reason);
        Assert.Contains(r.Notes, n => n.Contains("'broken' is not understood"));
    }

    [Fact]
    public void Supported_relation_with_unknown_anchor_is_unresolved_not_dropped()
    {
        var r = _parser.Parse("remove the cup next to the kettle");
        Assert.True(r.Parsed, r.Reason);
        Assert.Equal("remove: cup u=[next to the kettle]", Compact(r.Request!));
        Assert.Contains(r.Notes, n => n.Contains("kettle"));
    }

    [Fact]
    public void Relation_on_with_known_anchor_is_grounded()
    {
        var r = _parser.Parse("remove the cup on the table");
        Assert.True(r.Parsed, r.Reason);
        Assert.Equal("remove: cup rel=on(dining table)", Compact(r.Request!));
        Assert.Empty(r.Notes);
    }

    [Fact]
    public void Unknown_noun_is_kept_and_marked_out_of_vocabulary()
    {
        var r = _parser.Parse("paint the kettle red");
        Assert.True(r.Parsed, r.Reason);
        Assert.False(r.Request!.Target.InVocabulary);
        Assert.Equal("kettle", r.Request.Target.Category);
        Assert.Contains(r.Notes, n => n.Contains("kettle"));
    }

    [Fact]
    public void Noun_as_written_is_kept_when_it_differs_from_the_category()
    {
        var r = _parser.Parse("remove the mugs");
        Assert.Equal("mugs", r.Request!.Target.Noun);
        Assert.Null(_parser.Parse("remove the cup").Request!.Target.Noun);
    }

    [Theory]
    [InlineData("", "empty instruction")]
    [InlineData("   ", "empty instruction")]
    [InlineData("please", "empty instruction")]
    [InlineData("make the horse", "recolor needs a target colour")]
    [InlineData("make the car flurple", "'flurple' is not a colour I know")]
    [InlineData("paint it", "recolor needs a target colour")]
    [InlineData("paint the orange", "recolor needs a target colour")]
    [InlineData("remove", "no object named")]
    [InlineData("remove the", "no object named")]
    [InlineData("fly the kite", "no verb I know: 'fly'")]
    [InlineData("asdkj qwpoe zzx", "no verb I know: 'asdkj'")]
    [InlineData("remove the cup next to", "needs an object after it")]
    public void Fails_with_a_reason(string instruction, string reasonPart)
    {
        var r = _parser.Parse(instruction);
        Assert.False(r.Parsed);
        Assert.Null(r.Request);
        Assert.Contains(reasonPart, r.Reason);
    }

    [Theory]
    [InlineData("make these red", "'these' does not say which object")]
    [InlineData("remove the red", "colour 'red' without an object")]
    public void Counts_pronouns_and_bare_colours_fail_clearly(string instruction, string reasonPart)
    {
        var r = _parser.Parse(instruction);
        Assert.False(r.Parsed);
        Assert.Contains(reasonPart, r.Reason);
    }

    [Fact]
    public void Second_colour_and_second_side_are_reported_not_silently_dropped()
    {
        var bus = _parser.Parse("remove the red and white bus");
        Assert.True(bus.Parsed, bus.Reason);
        Assert.Equal("remove: bus c=red", Compact(bus.Request!));
        Assert.Contains(bus.Notes, n => n.Contains("second colour 'white'"));

        var corner = _parser.Parse("remove the bus in the top left corner");
        Assert.True(corner.Parsed, corner.Reason);
        Assert.Equal("remove: bus r=top_left", Compact(corner.Request!));
    }

    [Fact]
    public void Options_out_of_range_are_refused_at_construction()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new InstructionParser(new ReasoningOptions { MaxInstructionChars = 0 }));
        Assert.Contains("MaxInstructionChars", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new GroundingExecutor(new ReasoningOptions { CategoryMinProb = 1.5f }));
    }

    [Fact]
    public void Null_is_an_empty_instruction() => Assert.False(_parser.Parse(null).Parsed);

    [Fact]
    public void Refuses_text_longer_than_the_limit()
    {
        string huge = string.Concat(Enumerable.Repeat("make the horse on the left brown ", 3200)); // ~100 KB
        var r = _parser.Parse(huge);
        Assert.False(r.Parsed);
        Assert.Contains("at most 1000", r.Reason);

        var strict = new InstructionParser(new ReasoningOptions { MaxInstructionChars = 10 });
        Assert.False(strict.Parse("remove the cup").Parsed);
        Assert.True(new InstructionParser(new ReasoningOptions { MaxInstructionChars = 14 }).Parse("remove the cup").Parsed);
    }

    [Fact]
    public void Nesting_beyond_the_limit_fails()
    {
        var shallow = new InstructionParser(new ReasoningOptions { MaxNesting = 1 });
        Assert.True(shallow.Parse("remove the cup next to the laptop").Parsed);
        var r = shallow.Parse("remove the cup next to the laptop left of the tv");
        Assert.False(r.Parsed);
        Assert.Contains("nested", r.Reason);
    }

    [Fact]
    public void Request_serialises_in_the_design_shape()
    {
        var r = _parser.Parse("make the second bottle from the left red");
        string json = JsonSerializer.Serialize(r.Request, ChainTrace.JsonOptions);
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal("recolor", root.GetProperty("operation").GetString());
        Assert.Equal("red", root.GetProperty("arguments").GetProperty("color").GetString());
        var target = root.GetProperty("target");
        Assert.Equal("bottle", target.GetProperty("category").GetString());
        Assert.Equal(2, target.GetProperty("ordinal").GetProperty("n").GetInt32());
        Assert.Equal("left", target.GetProperty("ordinal").GetProperty("from").GetString());
        Assert.False(target.TryGetProperty("unresolved", out _));
    }

    [Fact]
    public void Same_input_gives_the_same_request()
    {
        string a = JsonSerializer.Serialize(_parser.Parse("remove the cup next to the laptop on the left").Request, ChainTrace.JsonOptions);
        string b = JsonSerializer.Serialize(_parser.Parse("remove the cup next to the laptop on the left").Request, ChainTrace.JsonOptions);
        Assert.Equal(a, b);
    }
}
