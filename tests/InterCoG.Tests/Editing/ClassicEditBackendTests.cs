using InterCoG.Editing;
using OpenCvSharp;
using Xunit;
using static InterCoG.Tests.Editing.EditingTestData;

namespace InterCoG.Tests.Editing;

public class ClassicEditBackendTests
{
    [Fact]
    public void Supports_the_classic_operations_only()
    {
        var b = new ClassicEditBackend();
        Assert.True(b.Supports("recolor"));
        Assert.True(b.Supports("remove"));
        Assert.True(b.Supports("blur"));
        Assert.True(b.Supports("move"));
        Assert.True(b.Supports("duplicate"));
        Assert.False(b.Supports("replace"));
        Assert.False(b.Supports("add"));
        Assert.Equal("classic", b.Name);
    }

    [Fact]
    public void Recolor_reports_measured_colours_near_the_target()
    {
        using var dog = Dog();
        using var mask = EllipseMask(dog.Bgr.Size(), DogBox);
        using var r = new ClassicEditBackend().Apply(Context(dog.Bgr, mask, "recolor", new() { ["color"] = "navy" }));
        Assert.NotNull(r.Data);
        Assert.True(r.Data["hue_distance_deg"] < 10, $"hue distance {r.Data["hue_distance_deg"]}");
        Assert.True(r.Data["delta_e_ab"] < 15, $"ΔE(a,b) {r.Data["delta_e_ab"]}");
        Assert.Equal(Lab.FromRgb(TargetColors.Resolve("navy")).L, r.Data["target_L"], 2);
        Assert.Equal(mask.Size(), r.Region.Size());
        Assert.Contains("navy", r.Text);
    }

    [Fact]
    public void Remove_returns_the_dilated_hole_as_region()
    {
        using var dog = Dog();
        using var mask = EllipseMask(dog.Bgr.Size(), DogBox);
        using var r = new ClassicEditBackend().Apply(Context(dog.Bgr, mask, "remove"));
        Assert.NotNull(r.Data);
        Assert.True(Cv2.CountNonZero(r.Region) > Cv2.CountNonZero(mask));
        Assert.Equal(Cv2.CountNonZero(r.Region), (int)r.Data["hole_px"]);
    }

    [Fact]
    public void Recolor_without_or_with_an_unknown_colour_is_bad_input()
    {
        using var dog = Dog();
        using var mask = EllipseMask(dog.Bgr.Size(), DogBox);
        var b = new ClassicEditBackend();
        Assert.Throws<InputException>(() => b.Apply(Context(dog.Bgr, mask, "recolor")));
        var e = Assert.Throws<InputException>(() => b.Apply(Context(dog.Bgr, mask, "recolor", new() { ["color"] = "plaid" })));
        Assert.Contains("plaid", e.Message);
        Assert.Throws<InputException>(() => b.Apply(Context(dog.Bgr, mask, "move")));
    }
}
