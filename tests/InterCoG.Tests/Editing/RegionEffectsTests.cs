using InterCoG.Data;
using InterCoG.Editing;
using InterCoG.Imaging;
using InterCoG.Tests.TestSupport;
using InterCoG.Verify;
using OpenCvSharp;
using Xunit;
using static InterCoG.Tests.Editing.EditingTestData;

namespace InterCoG.Tests.Editing;

/// <summary>Every new operation on a real photo with a real annotated mask (voc-instances): composited output keeps
/// every pixel beyond the feather band, keeps the size, and shows the intended effect inside the mask.</summary>
public class RegionEffectsTests
{
    private const int Feather = 8;

    /// <summary>The voc-instances photo 2011_000025 and the mask of its largest annotation.</summary>
    private static (LoadedImage Image, Mat Mask) Photo()
    {
        var coco = CocoDataset.Load(Path.Combine(TestPaths.VocInstances, "coco", "annotations.json"));
        var img = coco.Images.Single(i => i.FileName.EndsWith("2011_000025.jpg", StringComparison.Ordinal));
        var ann = coco.AnnotationsOf(img.Id).OrderByDescending(a => a.Area).First();
        var loaded = ImageCodec.Load(coco.ImagePath(img, Path.Combine(TestPaths.VocInstances, "coco")));
        return (loaded, CocoMasks.ToMask(ann, img.Width, img.Height));
    }

    private static (EditResult R, Mat Output) Run(LoadedImage img, Mat mask, string op, Dictionary<string, string>? args = null)
    {
        var r = new ClassicEditBackend().Apply(Context(img.Bgr, mask, op, args));
        var output = Compositor.Composite(img, r.Edited, r.Region, Feather);
        Assert.Equal(img.Bgr.Size(), output.Size());
        Assert.Equal(0, Verifier.ChangedOutsideBand(img.Bgr, output, r.Region, Feather));
        Assert.True(Cv2.CountNonZero(r.Region) >= Cv2.CountNonZero(mask) * 0.99);
        return (r, output);
    }

    private static double LaplacianVariance(Mat bgr, Mat mask)
    {
        using var gray = new Mat();
        Cv2.CvtColor(bgr, gray, ColorConversionCodes.BGR2GRAY);
        using var lap = new Mat();
        Cv2.Laplacian(gray, lap, MatType.CV_32F);
        using var inner = new Mat();
        using (var k = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(7, 7))) Cv2.Erode(mask, inner, k);
        Cv2.MeanStdDev(lap, out _, out var sd, inner);
        return sd.Val0 * sd.Val0;
    }

    private static (double L, double Chroma) MeanLChroma(Mat bgr, Mat mask)
    {
        using var f = new Mat();
        bgr.ConvertTo(f, MatType.CV_32FC3, 1.0 / 255);
        using var lab = new Mat();
        Cv2.CvtColor(f, lab, ColorConversionCodes.BGR2Lab);
        double l = 0, c = 0; int n = 0;
        int rows = mask.Rows, cols = mask.Cols;
        for (int y = 0; y < rows; y++)
            for (int x = 0; x < cols; x++)
            {
                if (mask.At<byte>(y, x) == 0) continue;
                var v = lab.At<Vec3f>(y, x);
                l += v.Item0; c += Math.Sqrt(v.Item1 * v.Item1 + v.Item2 * v.Item2); n++;
            }
        return (l / n, c / n);
    }

    [Fact]
    public void Blur_lowers_the_laplacian_variance_inside()
    {
        var (img, mask) = Photo();
        using (img) using (mask)
        {
            var (r, output) = Run(img, mask, "blur");
            using (r) using (output)
                Assert.True(LaplacianVariance(output, mask) < 0.3 * LaplacianVariance(img.Bgr, mask));
        }
    }

    [Fact]
    public void Pixelate_makes_uniform_blocks()
    {
        var (img, mask) = Photo();
        using (img) using (mask)
        {
            var (r, output) = Run(img, mask, "pixelate", new() { ["block"] = "12" });
            using (r) using (output)
            {
                Assert.Equal(12, r.Data!["block_px"]);
                // Inside the eroded mask, each block of the grid anchored at the mask's box holds one colour.
                var box = Cv2.BoundingRect(mask);
                using var inner = new Mat();
                using (var k = Cv2.GetStructuringElement(MorphShapes.Rect, new Size(2 * Feather + 3, 2 * Feather + 3))) Cv2.Erode(mask, inner, k);
                int checkedBlocks = 0;
                for (int by = box.Y; by + 12 <= box.Bottom; by += 12)
                    for (int bx = box.X; bx + 12 <= box.Right; bx += 12)
                    {
                        var cell = new Rect(bx, by, 12, 12);
                        using var m = new Mat(inner, cell);
                        if (Cv2.CountNonZero(m) != 144) continue;
                        using var o = new Mat(output, cell);
                        Cv2.MeanStdDev(o, out _, out var sd);
                        Assert.True(sd.Val0 + sd.Val1 + sd.Val2 == 0, $"block at {bx},{by} is not uniform");
                        checkedBlocks++;
                    }
                Assert.True(checkedBlocks >= 5, $"only {checkedBlocks} full blocks checked");
            }
        }
    }

    [Theory]
    [InlineData("brighten", 1)]
    [InlineData("darken", -1)]
    public void Brighten_and_darken_move_mean_L_and_keep_chroma(string op, int sign)
    {
        var (img, mask) = Photo();
        using (img) using (mask)
        {
            var (r, output) = Run(img, mask, op, new() { ["amount"] = "12" });
            using (r) using (output)
            {
                var before = MeanLChroma(img.Bgr, mask);
                var after = MeanLChroma(output, mask);
                Assert.True(sign * (after.L - before.L) > 8, $"{op}: L {before.L:0.0} → {after.L:0.0}");
                Assert.True(Math.Abs(after.Chroma - before.Chroma) < 0.25 * before.Chroma + 2, $"chroma {before.Chroma:0.0} → {after.Chroma:0.0}");
            }
        }
    }

    [Fact]
    public void Desaturate_by_default_makes_the_object_grayscale_and_saturate_raises_chroma()
    {
        var (img, mask) = Photo();
        using (img) using (mask)
        {
            var before = MeanLChroma(img.Bgr, mask);
            var (r, output) = Run(img, mask, "desaturate");
            using (r) using (output)
            {
                using var inner = new Mat();
                using (var k = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(2 * Feather + 3, 2 * Feather + 3))) Cv2.Erode(mask, inner, k);
                Assert.True(MeanLChroma(output, inner).Chroma < 1.5, "grayscale chroma");
                Assert.True(before.Chroma > 5, "the photo's object has colour to lose");
            }
            var (r2, output2) = Run(img, mask, "saturate");
            using (r2) using (output2)
                Assert.True(MeanLChroma(output2, mask).Chroma > 1.3 * before.Chroma);
        }
    }

    [Fact]
    public void Flip_mirrors_the_object_inside_its_box()
    {
        var (img, mask) = Photo();
        using (img) using (mask)
        {
            var (r, output) = Run(img, mask, "flip");
            using (r) using (output)
            {
                var box = Cv2.BoundingRect(mask);
                using var srcBox = new Mat(img.Bgr, box);
                using var mirrored = new Mat();
                Cv2.Flip(srcBox, mirrored, FlipMode.Y);
                using var maskBox = new Mat(mask, box);
                using var flippedMask = new Mat();
                Cv2.Flip(maskBox, flippedMask, FlipMode.Y);
                using var inner = new Mat();
                using (var k = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(5, 5))) Cv2.Erode(flippedMask, inner, k);
                using var outBox = new Mat(output, box);
                using var diff = new Mat();
                Cv2.Absdiff(outBox, mirrored, diff);
                using var gray = new Mat();
                Cv2.CvtColor(diff, gray, ColorConversionCodes.BGR2GRAY);
                using var outsideInner = new Mat();
                Cv2.Compare(inner, 0, outsideInner, CmpTypes.EQ);
                gray.SetTo(Scalar.All(0), outsideInner);
                Assert.True(Cv2.CountNonZero(inner) > 1000);
                Assert.Equal(0, Cv2.CountNonZero(gray));
                Assert.Throws<InputException>(() => new ClassicEditBackend().Apply(Context(img.Bgr, mask, "flip", new() { ["axis"] = "diagonal" })));
            }
        }
    }

    [Fact]
    public void Cutout_alpha_equals_the_mask_and_colour_is_the_input()
    {
        var (img, mask) = Photo();
        using (img) using (mask)
        {
            using var r = new ClassicEditBackend().Apply(Context(img.Bgr, mask, "cutout"));
            Assert.NotNull(r.Bgra);
            Assert.Equal(MatType.CV_8UC4, r.Bgra.Type());
            Assert.Equal(img.Bgr.Size(), r.Bgra.Size());
            using var alpha = r.Bgra.ExtractChannel(3);
            using var diff = new Mat();
            Cv2.Absdiff(alpha, mask, diff);
            Assert.Equal(0, Cv2.CountNonZero(diff));
            using var bgr = new Mat();
            Cv2.CvtColor(r.Bgra, bgr, ColorConversionCodes.BGRA2BGR);
            Assert.Equal(0, Verifier.ChangedOutsideBand(img.Bgr, bgr, mask, 0));
            Assert.Equal(0, Verifier.ChangedOutsideBand(img.Bgr, r.Edited, mask, 0));
        }
    }

    [Fact]
    public void Outline_draws_the_colour_on_the_mask_edge_only()
    {
        var (img, mask) = Photo();
        using (img) using (mask)
        {
            var (r, output) = Run(img, mask, "outline", new() { ["color"] = "#00ff00", ["width"] = "3" });
            using (r) using (output)
            {
                using var inner = new Mat();
                using (var k = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(2 * Feather + 7, 2 * Feather + 7))) Cv2.Erode(mask, inner, k);
                using var green = new Mat();
                Cv2.InRange(output, new Scalar(0, 255, 0), new Scalar(0, 255, 0), green);
                Cv2.FindContours(mask, out var contours, out _, RetrievalModes.External, ContourApproximationModes.ApproxNone);
                int onEdge = contours.Sum(c => c.Count(p => green.At<byte>(p.Y, p.X) != 0));
                int edge = contours.Sum(c => c.Length);
                Assert.True(onEdge > 0.95 * edge, $"{onEdge}/{edge} edge pixels green");
                // Deep inside the mask nothing changed.
                using var d = new Mat();
                Cv2.Absdiff(img.Bgr, output, d);
                using var dg = new Mat();
                Cv2.CvtColor(d, dg, ColorConversionCodes.BGR2GRAY);
                using var outsideInner = new Mat();
                Cv2.Compare(inner, 0, outsideInner, CmpTypes.EQ);
                dg.SetTo(Scalar.All(0), outsideInner);
                Assert.Equal(0, Cv2.CountNonZero(dg));
            }
        }
    }

    [Fact]
    public void Every_new_operation_is_deterministic()
    {
        var (img, mask) = Photo();
        using (img) using (mask)
            foreach (var op in new[] { "blur", "pixelate", "brighten", "saturate", "flip", "outline" })
            {
                using var a = new ClassicEditBackend().Apply(Context(img.Bgr, mask, op));
                using var b = new ClassicEditBackend().Apply(Context(img.Bgr, mask, op));
                using var d = new Mat();
                Cv2.Absdiff(a.Edited, b.Edited, d);
                Assert.Equal(0, Cv2.CountNonZero(d.Reshape(1)));
            }
    }
}
