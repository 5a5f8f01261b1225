using InterCoG.Editing;
using Xunit;

namespace InterCoG.Tests.Editing;

public class TargetColorsTests
{
    [Theory]
    [InlineData("red", 210, 30, 30)]
    [InlineData("Grey", 128, 128, 128)]
    [InlineData("#1a2B3c", 0x1a, 0x2b, 0x3c)]
    [InlineData("#f80", 0xff, 0x88, 0x00)]
    public void Names_and_hex_resolve(string text, int r, int g, int b) =>
        Assert.Equal(new Rgb((byte)r, (byte)g, (byte)b), TargetColors.Resolve(text));

    [Fact]
    public void Palette_has_the_listed_names()
    {
        string[] expected = ["red", "orange", "yellow", "green", "blue", "purple", "pink", "brown", "white", "gray", "grey", "black",
            "gold", "beige", "navy", "teal", "maroon", "cyan", "magenta", "olive", "lime", "silver", "tan", "violet", "turquoise", "crimson"];
        Assert.All(expected, n => Assert.True(TargetColors.TryResolve(n, out _), n));
    }

    [Fact]
    public void Unknown_colour_names_the_known_ones()
    {
        var e = Assert.Throws<InputException>(() => TargetColors.Resolve("plaid"));
        Assert.Contains("plaid", e.Message);
        Assert.Contains("turquoise", e.Message);
        Assert.False(TargetColors.TryResolve("#12345", out _));
    }

    [Fact]
    public void Lab_of_srgb_white_and_red_matches_the_cie_values()
    {
        var white = Lab.FromRgb(new Rgb(255, 255, 255));
        Assert.Equal(100, white.L, 0);
        Assert.True(white.Chroma < 1);
        var red = Lab.FromRgb(new Rgb(255, 0, 0));
        Assert.Equal(53.2, red.L, 0);
        Assert.Equal(80.1, red.A, 0);
        Assert.Equal(67.2, red.B, 0);
    }
}
