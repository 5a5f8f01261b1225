using InterCoG.Bench;
using InterCoG.Reasoning;

namespace InterCoG.Tests.Reasoning;

/// <summary>The surface rules added for ComplexBench-Edit and the dev sets, each through the program it gives
/// (ProgramText notation).</summary>
public class SurfaceRuleTests
{
    private readonly Reasoner _reasoner = new();

    private string Program(string text) => ParseBench.Describe(_reasoner.ParseProgram(text));

    [Theory]
    [InlineData("add a candle at the top of the cake", "add{object_noun=candle, relation=on} cake[part=top]")]
    [InlineData("remove the pillow of the bed", "remove bed[part=pillow]")]
    [InlineData("change the color of the giraffe's spots to yellow", "recolor{color=yellow} giraffe[part=spots]")]
    [InlineData("change the color of the apple slice to green", "recolor{color=green} apple[part=slice]")]
    [InlineData("change the right person's t-shirt to red", "recolor{color=red} person[region=right, part=tshirt]")]
    [InlineData("take his hat off", "remove person[part=hat]")]
    public void Places_parts_and_possessions_limit_the_owner(string text, string program) => Assert.Equal(program, Program(text));

    [Theory]
    [InlineData("remove the backpack of the person", "remove backpack[held_by(person)]")]
    [InlineData("remove the bowl of broccoli", "remove bowl[with(broccoli)]")]
    [InlineData("the player swinging the bat", "ground person[with(baseball bat)]")]
    [InlineData("remove the stack of plates", "remove plates[count=0]")]
    public void Of_phrases_and_actions_relate_objects_the_detector_sees(string text, string program) => Assert.Equal(program, Program(text));

    [Theory]
    [InlineData("the guy with glasses", "ground person")]
    [InlineData("the sheep looking at the camera", "ground sheep")]
    [InlineData("white sheep facing away", "ground sheep[color=white]")]
    [InlineData("blue shirt", "ground person[color=blue, part=shirt]")]
    public void Looks_and_actions_no_detector_sees_are_kept_and_reported(string text, string program)
    {
        Assert.Equal(program, Program(text));
        var r = _reasoner.Parse(text);
        Assert.True(r.Request!.Target.Unresolved is { Count: > 0 } || r.Request.Target.Part is not null || r.Ignored.Count > 0 || r.Notes.Count > 0);
    }

    [Theory]
    [InlineData("change the pattern of the tie to solid red color", "recolor{color=red} tie")]
    [InlineData("change the pattern of the tie to solid red", "content{content=solid red} tie")]
    [InlineData("change the content of the shirt to text 'NYC'", "text{text=NYC} person[part=shirt]")]
    [InlineData("change the content of the sign to the number 7", "text{text=7} sign")]
    [InlineData("change the logo of the boat to N", "text{text=N} boat")]
    [InlineData("change the time of the clock to 3:00", "content{content=3:00, part=time} clock")]
    [InlineData("change the license plate number to 001234", "text{text=001234} license[part=plate]")]
    [InlineData("decorate the cake with strawberries", "content{content=strawberries} cake")]
    public void Content_values_that_are_a_colour_or_writing_change_the_operation(string text, string program) => Assert.Equal(program, Program(text));

    [Theory]
    [InlineData("make the table wooden", "material{material=wooden} dining table")]
    [InlineData("change the floor to marble", "material{material=marble} floor")]
    [InlineData("change the chair to a wooden stool", "replace{object_category=chair, object_noun=stool} chair")]
    [InlineData("replace the red bow tie with a blue one", "recolor{color=blue} tie[color=red]")]
    [InlineData("change the color of the locomotive from yellow to blue", "recolor{color=blue} train")]
    [InlineData("change the color of the car to red and white", "recolor{color=red} car")]
    [InlineData("replace the cat with a brown sitting dog", "replace{object_category=dog, object_color=brown, object_noun=dog} cat")]
    [InlineData("make the zebra on the right a horse", "replace{object_category=horse, object_noun=horse} zebra[region=right]")]
    public void Materials_colours_and_new_objects_are_told_apart(string text, string program) => Assert.Equal(program, Program(text));

    [Theory]
    [InlineData("change the front left cup to a bowl", "replace{object_category=bowl, object_noun=bowl} cup[region=left, ordinal=1:near]")]
    [InlineData("turn the sandwich on the left plate into a burger", "replace{object_category=sandwich, object_noun=burger} sandwich[region=left]")]
    [InlineData("remove the mug on the left side of the counter", "remove cup[region=left]")]
    [InlineData("change the bottle in the background to a vase", "replace{object_category=vase, object_noun=vase} bottle[ordinal=1:far]")]
    [InlineData("clear the weeds from the fence", "remove fence[part=weeds]")]
    public void Places_in_the_picture_survive_words_no_detector_knows(string text, string program) => Assert.Equal(program, Program(text));

    [Theory]
    [InlineData("fly the kite", "no verb I know: 'fly'")]
    [InlineData("remove the cup next to", "needs an object after it")]
    public void An_unknown_verb_or_a_relation_without_its_object_is_still_refused(string text, string reason) =>
        Assert.Contains(reason, Program(text));

    [Theory]
    [InlineData("replace the vase with a ceramic pitcher\nadd stickers on the surface of the ceramic pitcher", 2)]
    [InlineData("add brown sandbag on the street\nadd a small fence in front of the brown sandbags", 2)]
    [InlineData("change the surfboard to a boat\nadd an oar next to the man in the boat", 2)]
    public void A_later_step_refers_to_an_earlier_result_at_any_depth_and_in_either_number(string request, int step)
    {
        var program = _reasoner.ParseProgram(request);
        Assert.True(program.Parsed);
        Assert.Contains("step=1", ParseBench.Describe(program).Split(" ; ")[step - 1]);
    }
}
