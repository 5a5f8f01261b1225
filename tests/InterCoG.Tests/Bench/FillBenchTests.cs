using InterCoG.Bench;
using InterCoG.Editing;
using InterCoG.Tests.TestSupport;
using OpenCvSharp;
using Xunit;

namespace InterCoG.Tests.Bench;

public class FillBenchTests
{
    private static string VocJson => Path.Combine(TestPaths.VocInstances, "coco", "annotations.json");
    private static string VocImages => Path.Combine(TestPaths.VocInstances, "coco");

    /// <summary>Seeded uniform noise: stationary texture, so the hole and its ring have the same gradient energy.</summary>
    private static Mat Noise()
    {
        var img = new Mat(200, 200, MatType.CV_8UC3);
        var rng = new Random(7);
        var bytes = new byte[200 * 200 * 3];
        rng.NextBytes(bytes);
        System.Runtime.InteropServices.Marshal.Copy(bytes, 0, img.Data, bytes.Length);
        return img;
    }

    [Fact]
    public void A_flat_fill_scores_near_zero_texture_and_the_truth_near_one()
    {
        using var img = Noise();
        using var hole = new Mat(img.Size(), MatType.CV_8UC1, Scalar.All(0));
        Cv2.Circle(hole, new Point(100, 100), 40, Scalar.All(255), -1);
        Assert.InRange(FillMetrics.GradientEnergyRatio(img, hole)!.Value, 0.85, 1.15);
        using var smeared = img.Clone();
        smeared.SetTo(Cv2.Mean(img, hole), hole);
        Assert.InRange(FillMetrics.GradientEnergyRatio(smeared, hole)!.Value, 0, 0.02);
        Assert.Equal(0, FillMetrics.MeanAbsoluteError(img, img, hole));
        double mae = FillMetrics.MeanAbsoluteError(img, smeared, hole);
        Assert.InRange(mae, 50, 80); // uniform noise around its mean: about 64 levels
        using var empty = new Mat(img.Size(), MatType.CV_8UC1, Scalar.All(0));
        Assert.Null(FillMetrics.GradientEnergyRatio(img, empty));
    }

    [Fact]
    public void Fill_bench_places_holes_from_other_photos_and_scores_each_fill()
    {
        using var fills = new FillRegistry();
        string samples = TestPaths.TempDir("fillbench");
        var r = FillBench.Run([(VocJson, VocImages)], [FillMethod.Telea, FillMethod.Fsr], fills,
            new FillBenchOptions { MaxPlacements = 3, SamplesDir = samples, MaxStrips = 1 });
        Assert.Equal(3, r.Placements);
        Assert.Equal(["telea", "fsr"], r.Fills.Select(f => f.Fill));
        Assert.All(r.Fills, f =>
        {
            Assert.Equal(3, f.Fills);
            Assert.InRange(f.Psnr, 10, 60);
            Assert.InRange(f.Mae, 0.5, 60);
            Assert.InRange(f.GradientRatio, 0.01, 3);
            Assert.True(f.SecondsPerFill > 0);
        });
        Assert.InRange(r.TruthGradientRatio, 0.05, 20);
        Assert.Single(Directory.GetFiles(samples, "fill_*.png"));
    }
}
