using Xunit;
using InterCoG.Perception;
using InterCoG.Reasoning;

namespace InterCoG.Tests.Reasoning;

public class LexiconTests
{
    [Theory]
    [InlineData("mug", "cup")]
    [InlineData("mugs", "cup")]
    [InlineData("sofa", "couch")]
    [InlineData("settee", "couch")]
    [InlineData("couches", "couch")]
    [InlineData("puppy", "dog")]
    [InlineData("puppies", "dog")]
    [InlineData("monitor", "tv")]
    [InlineData("television", "tv")]
    [InlineData("tv set", "tv")]
    [InlineData("phone", "cell phone")]
    [InlineData("smartphone", "cell phone")]
    [InlineData("mobile", "cell phone")]
    [InlineData("plant", "potted plant")]
    [InlineData("table", "dining table")]
    [InlineData("fridge", "refrigerator")]
    [InlineData("motorbike", "motorcycle")]
    [InlineData("bike", "bicycle")]
    [InlineData("woman", "person")]
    [InlineData("people", "person")]
    [InlineData("persons", "person")]
    [InlineData("children", "person")]
    [InlineData("pony", "horse")]
    [InlineData("horses", "horse")]
    [InlineData("glass", "cup")]
    [InlineData("glasses", "cup")]
    [InlineData("wine glasses", "wine glass")]
    [InlineData("notebook", "laptop")]
    [InlineData("tv remote", "remote")]
    [InlineData("doughnut", "donut")]
    [InlineData("knives", "knife")]
    [InlineData("buses", "bus")]
    [InlineData("teddy bears", "teddy bear")]
    public void Synonyms_and_plurals_map_onto_coco_names(string phrase, string category) =>
        Assert.Equal(category, NounLexicon.Lookup(phrase));

    [Fact]
    public void Every_coco_name_maps_onto_itself_and_every_synonym_onto_a_coco_name()
    {
        foreach (string name in CocoClasses.Names) Assert.Equal(name, NounLexicon.Lookup(name));
        foreach (var (phrase, category) in NounLexicon.Phrases) Assert.True(CocoClasses.IndexOf(category) >= 0, phrase);
    }

    [Theory]
    [InlineData("teddy bear", "teddy bear", 2)]
    [InlineData("cell phone", "cell phone", 2)]
    [InlineData("dining table", "dining table", 2)]
    [InlineData("traffic light", "traffic light", 2)]
    [InlineData("wine glass", "wine glass", 2)]
    [InlineData("potted plant", "potted plant", 2)]
    [InlineData("tv remote", "remote", 2)]
    [InlineData("bear", "bear", 1)]
    public void Multiword_names_match_before_single_words(string text, string category, int tokens)
    {
        var m = NounLexicon.Match(text.Split(' ').Append("on").ToList(), 0);
        Assert.NotNull(m);
        Assert.Equal(category, m.Category);
        Assert.Equal(tokens, m.TokenCount);
    }

    [Fact]
    public void Unknown_nouns_match_nothing()
    {
        Assert.Null(NounLexicon.Lookup("counter"));
        Assert.Null(NounLexicon.Match(["flurble", "cup"], 0));
    }

    [Theory]
    [InlineData("grey", "gray")]
    [InlineData("violet", "purple")]
    [InlineData("navy", "blue")]
    [InlineData("maroon", "red")]
    [InlineData("white", "white")]
    [InlineData("car", null)]
    public void Attribute_colours_map_onto_the_eleven_basic_names(string word, string? basic) =>
        Assert.Equal(basic, ColorLexicon.Attribute(word));

    [Fact]
    public void Palette_resolves_names_aliases_and_hex()
    {
        Assert.True(ColorPalette.TryResolve("grey", out string c, out var rgb));
        Assert.Equal("gray", c);
        Assert.Equal(new InterCoG.Editing.Rgb(128, 128, 128), rgb);
        Assert.True(ColorPalette.TryResolve("#FF8800", out c, out rgb));
        Assert.Equal("#ff8800", c);
        Assert.Equal(new InterCoG.Editing.Rgb(255, 136, 0), rgb);
        Assert.Equal("#ff8800", rgb.ToString());
        Assert.True(ColorPalette.TryResolve("teal", out _, out _));
        Assert.False(ColorPalette.TryResolve("#ff88", out _, out _));
        Assert.False(ColorPalette.TryResolve("flurple", out _, out _));
        // Every basic attribute colour is also a paintable target.
        foreach (string b in ColorLexicon.BasicNames) Assert.True(ColorPalette.TryResolve(b, out _, out _), b);
    }
}
