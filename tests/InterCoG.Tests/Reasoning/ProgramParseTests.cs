using InterCoG.Bench;
using InterCoG.Chain;
using InterCoG.Programs;
using InterCoG.Reasoning;

namespace InterCoG.Tests.Reasoning;

public class ProgramParseTests
{
    private readonly InstructionParser _parser = new();

    private EditRequest Parse(string text)
    {
        var r = _parser.Parse(text);
        Assert.True(r.Parsed, $"'{text}' did not parse: {r.Reason}");
        return r.Request!;
    }

    [Theory]
    [InlineData("remove the eagle", "bird")]
    [InlineData("make the sedan red", "car")]
    [InlineData("blur the puppy", "dog")]
    [InlineData("remove the mug", "cup")]
    [InlineData("remove the poodle", "dog")]
    public void WordNet_maps_nouns_outside_the_hand_lexicon_onto_detector_classes(string text, string category)
    {
        var t = Parse(text).Target;
        Assert.Equal(category, t.Category);
        Assert.True(t.InVocabulary);
    }

    [Fact]
    public void A_noun_with_no_detector_class_parses_and_is_marked_out_of_vocabulary()
    {
        var t = Parse("remove the towel").Target;
        Assert.Equal("towel", t.Category);
        Assert.False(t.InVocabulary);
    }

    [Theory]
    [InlineData("navy blue", "blue")]
    [InlineData("salmon", null)] // a fish before a colour
    [InlineData("crimson", "red")]
    [InlineData("sky blue", "blue")]
    public void Css_colour_names_map_to_their_hue_family_unless_they_are_nouns(string word, string? family) =>
        Assert.Equal(family, ColorLexicon.Attribute(word));

    [Fact]
    public void Recolour_accepts_a_css_colour_name() => Assert.Equal("sky blue", Parse("make the car sky blue").Arguments["color"]);

    [Theory]
    [InlineData("make the man's shirt red", "person", "shirt", null)]
    [InlineData("blur the dog's collar", "dog", "collar", null)]
    [InlineData("make the left horse's head white", "horse", "head", "left")]
    [InlineData("pixelate the face of the woman", "person", "face", null)]
    [InlineData("blur its tail", "object", "tail", null)]
    public void Possessives_and_parts_name_the_owner_and_the_part(string text, string owner, string part, string? region)
    {
        var r = Parse(text);
        Assert.Equal(owner, r.Target.Category);
        Assert.Equal(part, r.Arguments["part"]);
        Assert.Equal(region, r.Target.Region);
    }

    [Theory]
    [InlineData("change the material of the bench to stone", "material", "material", "stone", "bench")]
    [InlineData("change the style to watercolor", "style", "style", "watercolor", "image")]
    [InlineData("change the background to a sunset beach", "background", "background", "sunset beach", "image")]
    [InlineData("change the text of the stop sign to SLOW", "text", "text", "SLOW", "stop sign")]
    [InlineData("change the pose of the dog to sitting", "pose", "pose", "sitting", "dog")]
    [InlineData("make the dog sit", "pose", "pose", "sit", "dog")]
    [InlineData("change the pattern of the tie to polka dots", "content", "content", "polka dots", "tie")]
    public void Every_edit_kind_has_a_program(string text, string op, string arg, string value, string target)
    {
        var r = Parse(text);
        Assert.Equal(op, r.Operation);
        Assert.Equal(value, r.Arguments[arg]);
        Assert.Equal(target, r.Target.Category);
    }

    [Fact]
    public void Replace_carries_the_new_object_noun_class_and_colour()
    {
        var r = Parse("change the cat to a white dog");
        Assert.Equal(Operations.Replace, r.Operation);
        Assert.Equal("dog", r.Arguments[ArgumentNames.ObjectNoun]);
        Assert.Equal("dog", r.Arguments[ArgumentNames.ObjectCategory]);
        Assert.Equal("white", r.Arguments[ArgumentNames.ObjectColor]);
    }

    [Fact]
    public void Unknown_words_are_ignored_and_reported_when_verb_and_object_are_clear()
    {
        var r = _parser.Parse("remove the cup glorbly frimp");
        Assert.True(r.Parsed);
        Assert.Equal("cup", r.Request!.Target.Category);
        Assert.Equal(["glorbly", "frimp"], r.Ignored);
    }

    [Fact]
    public void An_unknown_verb_is_refused_rather_than_read_as_a_description()
    {
        var r = _parser.Parse("frobnicate the cup");
        Assert.False(r.Parsed);
        Assert.Contains("frobnicate", r.Reason);
    }

    [Theory]
    [InlineData("remove the cup and make the plate blue", 2)]
    [InlineData("make the cup black and white", 1)]
    [InlineData("blur the dog, then remove the cat", 2)]
    [InlineData("remove the cup.\nMake the plate blue.\nBlur the dog", 3)]
    [InlineData("the cup between the laptop and the phone", 1)]
    public void Requests_split_into_steps(string text, int steps) => Assert.Equal(steps, StepSplitter.Split(text).Count);

    [Fact]
    public void A_later_step_refers_to_an_earlier_result()
    {
        var p = StepSplitter.Parse(_parser, "change the cat to a white dog\nadd a collar on the white dog\nblur it");
        Assert.True(p.Parsed);
        Assert.Null(p.Steps[0].Request!.Target.Step);
        Assert.Equal(1, p.Steps[1].Request!.Target.Step);
        Assert.Equal(2, p.Steps[2].Request!.Target.Step);
    }

    [Fact]
    public void A_reference_resolves_to_what_the_earlier_step_left()
    {
        var p = StepSplitter.Parse(_parser, "make the dog on the left red, then blur it");
        var first = p.Steps[0].Request!;
        var second = StepRunner.Resolve(p.Steps[1].Request!, [first]);
        Assert.Equal("dog", second.Target.Category);
        Assert.Equal("red", second.Target.Color);
        Assert.Equal("left", second.Target.Region);
    }

    [Fact]
    public void Parse_bench_scores_labelled_steps()
    {
        string dir = Directory.CreateTempSubdirectory("cbe").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "set.json"), """
                { "1": { "img_path": "1.jpg", "new_ins": "change the cat to white dog\r\nadd a collar on the white dog\r\ndelete the keyboard",
                  "edit pair": [ { "edit_type": "change object", "ori obj": "cat", "new_obj": "white dog" },
                                 { "edit_type": "chain two", "ori obj": "nothing", "new_obj": "collar" },
                                 { "edit_type": "delete object", "ori obj": "keyboard", "new_obj": "nothing" } ] },
                  "2": { "img_path": "2.jpg", "new_ins": "change the style to watercolor\r\nfrobnicate the cup",
                  "edit pair": [ { "edit_type": "change style", "ori obj": "nothing", "new_obj": "nothing" },
                                 { "edit_type": "color", "ori obj": "cup", "new_obj": "nothing" } ] } }
                """);
            var r = ParseBench.Run(dir);
            Assert.Equal(2, r.Instructions);
            Assert.Equal(5, r.Steps);
            Assert.Equal(0.8, r.Parsed, 3);
            Assert.Equal(0.8, r.EditType, 3);
            Assert.Single(r.Failures);
            Assert.StartsWith("not parsed", r.Failures[0].Cause);
        }
        finally { Directory.Delete(dir, true); }
    }
}
