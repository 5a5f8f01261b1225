using InterCoG.Reasoning;
using Xunit;

namespace InterCoG.Tests.Reasoning;

/// <summary>Verbs and arguments of every operation of DESIGN.md.</summary>
public class OperationParserTests
{
    private readonly InstructionParser _parser = new();

    // "op arg=value …: category [r=region] [o=N/from] [rel=kind(anchor)]", arguments in key order.
    private string Compact(string text)
    {
        var r = _parser.Parse(text);
        Assert.True(r.Parsed, $"{text}: {r.Reason}");
        var q = r.Request!;
        var e = q.Target;
        string args = string.Concat(q.Arguments.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $" {kv.Key}={kv.Value}"));
        return q.Operation + args + ": " + e.Category + (e.Color is null ? "" : " c=" + e.Color) + (e.Region is null ? "" : " r=" + e.Region)
            + (e.Ordinal is null ? "" : $" o={e.Ordinal.N}/{e.Ordinal.From}") + (e.Relation is null ? "" : $" rel={e.Relation.Kind}({e.Relation.Anchor.Category})");
    }

    [Theory]
    [InlineData("blur the face of the man on the left", "blur part=face: person r=left")]
    [InlineData("blur the dog", "blur: dog")]
    [InlineData("blur out the license plate car", "blur: car")]
    [InlineData("pixelate the man on the left", "pixelate: person r=left")]
    [InlineData("censor the face of the woman", "pixelate part=face: person")]
    [InlineData("make the cup blurry", "blur: cup")]
    [InlineData("make the cup brighter", "brighten: cup")]
    [InlineData("make the cup a bit lighter", "brighten: cup")]
    [InlineData("brighten the white car", "brighten: car c=white")]
    [InlineData("make the cup darker", "darken: cup")]
    [InlineData("darken the sky dog", "darken: dog")]
    [InlineData("make the car black and white", "desaturate: car")]
    [InlineData("desaturate the bus", "desaturate: bus")]
    [InlineData("make the horse on the right grayscale", "desaturate: horse r=right")]
    [InlineData("make the flowers vase more colorful", "saturate: vase")]
    [InlineData("saturate the apple", "saturate: apple")]
    [InlineData("flip the horse horizontally", "flip axis=horizontal: horse")]
    [InlineData("flip the cup upside down", "flip axis=vertical: cup")]
    [InlineData("mirror the dog", "flip axis=horizontal: dog")]
    [InlineData("duplicate the cup", "duplicate: cup")]
    [InlineData("make a copy of the leftmost bottle", "duplicate: bottle o=1/left")]
    [InlineData("cut out the dog", "cutout: dog")]
    [InlineData("cut the dog out", "cutout: dog")]
    [InlineData("outline the cat", "outline: cat")]
    [InlineData("highlight the cup next to the laptop in yellow", "outline color=yellow: cup rel=next_to(laptop)")]
    [InlineData("draw a box around the closest chair", "outline: chair o=1/near")]
    public void Verbs_map_onto_operations(string text, string expected) => Assert.Equal(expected, Compact(text));

    [Theory]
    [InlineData("move the cup 50 px left", "move dx=-50 dy=0: cup")]
    [InlineData("move the cup by 20 pixels up", "move dx=0 dy=-20: cup")]
    [InlineData("move the cup to the right", "move direction=right: cup")]
    [InlineData("shift the dog on the left a bit down", "move direction=down: dog r=left")]
    [InlineData("move the cup next to the laptop", "move anchor=the laptop relation=next_to: cup")]
    [InlineData("move the cup on the left to the left of the bowl", "move anchor=the bowl relation=left_of: cup r=left")]
    [InlineData("move the horse on the left next to the horse on the right", "move anchor=the horse on the right relation=next_to: horse r=left")]
    public void Move_takes_pixels_a_direction_or_an_anchor(string text, string expected) => Assert.Equal(expected, Compact(text));

    [Theory]
    [InlineData("make the dog twice as big", "resize scale=2: dog")]
    [InlineData("make the dog half the size", "resize scale=0.5: dog")]
    [InlineData("make the dog 3 times bigger", "resize scale=3: dog")]
    [InlineData("make the dog bigger", "resize scale=1.5: dog")]
    [InlineData("make the cup smaller", "resize scale=0.667: cup")]
    [InlineData("shrink the cup", "resize scale=0.667: cup")]
    [InlineData("enlarge the cup by 2", "resize scale=2: cup")]
    [InlineData("resize the cup by 50 percent", "resize scale=1.5: cup")]
    [InlineData("resize the cup to 50 percent", "resize scale=0.5: cup")]
    [InlineData("scale the horse on the left up", "resize scale=1.5: horse r=left")]
    [InlineData("scale the cup by a factor of 3", "resize scale=3: cup")]
    public void Resize_takes_a_scale_factor(string text, string expected) => Assert.Equal(expected, Compact(text));

    [Theory]
    [InlineData("replace the bed with a sofa", "replace object_category=couch object_noun=sofa with=sofa: bed")]
    [InlineData("turn the cat on the left into a tiger", "replace object_noun=tiger with=tiger: cat r=left")]
    [InlineData("swap the knife for a pen", "replace object_noun=pen with=pen: knife")]
    [InlineData("change the car to a truck", "replace object_category=truck object_noun=truck with=truck: car")]
    [InlineData("replace the cup next to the laptop with a red vase", "replace object_category=vase object_color=red object_noun=vase with=red vase: cup rel=next_to(laptop)")]
    public void Replace_takes_what_to_put_instead(string text, string expected) => Assert.Equal(expected, Compact(text));

    [Theory]
    [InlineData("add a bench to the right of the boy", "add object=bench object_category=bench object_noun=bench relation=right_of: person")]
    [InlineData("add a hat on the man", "add object=hat object_noun=hat relation=on: person")]
    [InlineData("put a lamp next to the couch", "add object=lamp object_noun=lamp relation=next_to: couch")]
    [InlineData("add a cat behind the leftmost chair", "add object=cat object_category=cat object_noun=cat relation=behind: chair o=1/left")]
    public void Add_grounds_the_anchor_and_keeps_object_and_side(string text, string expected) => Assert.Equal(expected, Compact(text));

    [Fact]
    public void Colour_endings_stay_recolor_and_turn_into_a_colour_stays_recolor()
    {
        Assert.Equal("recolor color=black: car", Compact("make the car black"));
        Assert.Equal("recolor color=gold: cell phone", Compact("turn the phone into gold"));
        Assert.Equal("recolor color=red: cup", Compact("make the big cup red").Replace(" o=1/large", ""));
    }

    [Theory]
    [InlineData("move the cup", "move needs where to")]
    [InlineData("resize the cup", "resize needs a size")]
    [InlineData("replace the bed", "replace needs what to put instead")]
    [InlineData("cut the dog", "'cut' needs 'out'")]
    public void Missing_arguments_fail_with_a_reason(string text, string reasonPart)
    {
        var r = _parser.Parse(text);
        Assert.False(r.Parsed);
        Assert.Contains(reasonPart, r.Reason);
    }
}
