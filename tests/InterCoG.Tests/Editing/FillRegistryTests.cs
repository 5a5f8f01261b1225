using InterCoG.Editing;
using InterCoG.Models;
using InterCoG.Tests.TestSupport;
using OpenCvSharp;
using Xunit;

namespace InterCoG.Tests.Editing;

public class FillRegistryTests
{
    [Fact]
    public void Without_the_MI_GAN_model_the_default_is_Telea_and_asking_for_MI_GAN_is_a_missing_model()
    {
        using var fills = FillRegistry.FromStore(new ModelStore(TestPaths.TempDir("nomigan")));
        Assert.Equal(FillMethod.Telea, fills.Default);
        Assert.False(fills.IsAvailable(FillMethod.MiGan));
        var e = Assert.Throws<ModelMissingException>(() => fills.Get(FillMethod.MiGan));
        Assert.Contains("models install", e.Message);
        Assert.Equal(FillMethod.Telea, new ObjectRemover(fills: fills).DefaultFill);
    }

    [Fact]
    public void With_the_model_file_the_default_is_MI_GAN_and_each_fill_is_made_once()
    {
        using var fills = new FillRegistry(null, "/nonexistent/migan.onnx");
        Assert.Equal(FillMethod.MiGan, fills.Default);
        Assert.Same(fills.Get(FillMethod.Patch), fills.Get(FillMethod.Patch));
        Assert.Equal("Telea", fills.Get(FillMethod.Telea).Name);
        Assert.Equal(FillMethod.Fsr, fills.Get(FillMethod.Fsr).Method);
    }

    [Fact]
    public void Fill_names_parse_case_insensitively_and_unknown_ones_are_bad_input()
    {
        Assert.Equal(["migan", "telea", "patch", "shiftmap", "fsr"], FillMethods.Names);
        Assert.Equal(FillMethod.MiGan, FillMethods.Parse(" MiGAN "));
        foreach (var n in FillMethods.Names) Assert.Equal(n, FillMethods.Name(FillMethods.Parse(n)));
        var e = Assert.Throws<InputException>(() => FillMethods.Parse("lama"));
        Assert.Contains("migan, telea, patch, shiftmap, fsr", e.Message);
    }

    [Fact]
    public void Each_OpenCV_fill_changes_only_the_hole()
    {
        using var dog = EditingTestData.Dog();
        using var mask = EditingTestData.EllipseMask(dog.Bgr.Size(), new Rect(470, 470, 50, 40));
        using var fills = new FillRegistry();
        foreach (var m in new[] { FillMethod.Telea, FillMethod.Patch, FillMethod.ShiftMap, FillMethod.Fsr })
        {
            var r = new ObjectRemover(new RemoveOptions { Fill = m }, fills).Remove(dog.Bgr, mask);
            using (r.Edited) using (r.Hole)
            {
                Assert.Equal(m, r.Method);
                using var outside = new Mat();
                Cv2.BitwiseNot(r.Hole, outside);
                Assert.Equal(0, Imaging.ImagingTestData.CountDifferent(dog.Bgr, r.Edited, outside));
                Assert.True(r.Crop.Contains(Cv2.BoundingRect(r.Hole).TopLeft));
            }
        }
    }
}
