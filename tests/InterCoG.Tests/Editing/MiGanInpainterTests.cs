using InterCoG.Bench;
using InterCoG.Editing;
using InterCoG.Models;
using InterCoG.Tests.TestSupport;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OpenCvSharp;
using Xunit;
using static InterCoG.Tests.Editing.EditingTestData;
using static InterCoG.Tests.Imaging.ImagingTestData;

namespace InterCoG.Tests.Editing;

/// <summary>MI-GAN through its ONNX pipeline, the real model: the mask convention, what a removal may change, large
/// holes, determinism.</summary>
[Collection(ModelCollection.Name)]
public sealed class MiGanInpainterTests(ModelFixture models)
{
    private static readonly Lock Gate = new();
    private static FillRegistry? _fills;

    /// <summary>One registry (one MI-GAN session) for the whole class.</summary>
    private FillRegistry Fills
    {
        get { lock (Gate) return _fills ??= FillRegistry.FromStore(models.Store); }
    }

    private static readonly Scalar Floor = new(128, 128, 128), Red = new(20, 20, 220);

    /// <summary>A flat grey 256×256 image with a red square [96,160)².</summary>
    private static Mat FlatWithRedSquare()
    {
        var img = new Mat(256, 256, MatType.CV_8UC3, Floor);
        img[new Rect(96, 96, 64, 64)].SetTo(Red);
        return img;
    }

    /// <summary>Runs the raw pipeline on an RGB copy of <paramref name="bgr"/> with a mask that is
    /// <paramref name="inside"/> on <paramref name="square"/> and <paramref name="outside"/> elsewhere.</summary>
    private static Mat RunRaw(InferenceSession session, Mat bgr, Rect square, byte inside, byte outside)
    {
        int h = bgr.Rows, w = bgr.Cols;
        var image = new DenseTensor<byte>([1, 3, h, w]);
        var mask = new DenseTensor<byte>([1, 1, h, w]);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                var p = bgr.At<Vec3b>(y, x);
                image[0, 0, y, x] = p.Item2; image[0, 1, y, x] = p.Item1; image[0, 2, y, x] = p.Item0;
                mask[0, 0, y, x] = square.Contains(x, y) ? inside : outside;
            }
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("image", image), NamedOnnxValue.CreateFromTensor("mask", mask)]);
        var o = results.First().AsTensor<byte>();
        var result = new Mat(h, w, MatType.CV_8UC3);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                result.Set(y, x, new Vec3b(o[0, 2, y, x], o[0, 1, y, x], o[0, 0, y, x]));
        return result;
    }

    [Fact]
    public void The_pipeline_fills_where_the_mask_is_0_and_keeps_where_it_is_255()
    {
        using var session = new InferenceSession(models.Store.RequirePath(ModelCatalog.MiGan));
        // a flat grey 512×512 image (the generator's own size: the wrapper always feeds that) with a red square
        var sq = new Rect(192, 192, 128, 128);
        using var img = new Mat(512, 512, MatType.CV_8UC3, Floor);
        img[sq].SetTo(Red);
        using var square = new Mat(img.Size(), MatType.CV_8UC1, Scalar.All(0));
        square[sq].SetTo(Scalar.All(255));
        // inner part of the square (the pipeline blends its fill into the hole's outer pixels)
        using var core = new Mat(square.Size(), MatType.CV_8UC1, Scalar.All(0));
        core[new Rect(208, 208, 96, 96)].SetTo(Scalar.All(255));

        // 0 on the square: the red square becomes floor, and the floor farther than a few pixels is returned as it was.
        using var filled = RunRaw(session, img, sq, inside: 0, outside: 255);
        var mean = Cv2.Mean(filled, core);
        Assert.True(Enumerable.Range(0, 3).All(c => Math.Abs(mean[c] - 128) < 10), $"fill mean {mean}");
        using var far = MaskOps.Dilate(square, 4);
        Cv2.BitwiseNot(far, far);
        Assert.Equal(0, CountDifferent(img, filled, far));

        // 255 on the square (the other convention): the square is kept red.
        using var kept = RunRaw(session, img, sq, inside: 255, outside: 0);
        Assert.True(Cv2.Mean(kept, core).Val2 > 200, $"red kept {Cv2.Mean(kept, core)}");

        // the wrapper feeds the first convention
        Assert.Equal(0, MiGanInpainter.HoleValue);
        Assert.Equal(255, MiGanInpainter.KnownValue);
    }

    [Fact]
    public void Removing_a_red_square_on_a_flat_floor_gives_back_the_floor_and_changes_nothing_else()
    {
        // 256×256: smaller than the model, which the raw pipeline fills wrongly (dark blue); the wrapper feeds it 512×512

        using var img = FlatWithRedSquare();
        using var mask = new Mat(img.Size(), MatType.CV_8UC1, Scalar.All(0));
        mask[new Rect(96, 96, 64, 64)].SetTo(Scalar.All(255));
        var r = new ObjectRemover(fills: Fills).Remove(img, mask);
        using (r.Edited) using (r.Hole)
        {
            Assert.Equal(FillMethod.MiGan, r.Method);
            Assert.Equal("MI-GAN", r.FillName);
            var mean = Cv2.Mean(r.Edited, r.Hole);
            for (int c = 0; c < 3; c++) Assert.InRange(mean[c], 128 - 8, 128 + 8);
            using var outside = new Mat();
            Cv2.BitwiseNot(r.Hole, outside);
            Assert.Equal(0, CountDifferent(img, r.Edited, outside));
        }
    }

    [Fact]
    public void Removal_of_the_dog_changes_only_the_hole_uses_a_square_crop_and_is_deterministic()
    {
        using var dog = Dog();
        using var mask = EllipseMask(dog.Bgr.Size(), DogBox);
        var remover = new ObjectRemover(fills: Fills);
        var a = remover.Remove(dog.Bgr, mask);
        var b = remover.Remove(dog.Bgr, mask);
        using (a.Edited) using (a.Hole) using (b.Edited) using (b.Hole)
        {
            Assert.Equal(0, CountDifferent(a.Edited, b.Edited));
            using var outside = new Mat();
            Cv2.BitwiseNot(a.Hole, outside);
            Assert.Equal(0, CountDifferent(dog.Bgr, a.Edited, outside));
            // the context is a square 2× the hole's longer side (at least the model's 512), inside the 768×576 image
            var hole = Cv2.BoundingRect(a.Hole);
            int side = Math.Max(512, (int)Math.Ceiling(2.0 * Math.Max(hole.Width, hole.Height)));
            Assert.Equal((Math.Min(side, dog.Bgr.Cols), Math.Min(side, dog.Bgr.Rows)), (a.Crop.Width, a.Crop.Height));
            Assert.True(a.Crop.Contains(hole.TopLeft) && a.Crop.Contains(new Point(hole.Right - 1, hole.Bottom - 1)));
            // the dog is gone: most of the hole changed
            using var diff = new Mat();
            Cv2.Absdiff(dog.Bgr, a.Edited, diff);
            Assert.True(Cv2.Mean(diff, mask).ToDouble() * 3 > 60, "the hole barely changed");
        }
    }

    [Fact]
    public void A_hole_larger_than_the_model_is_filled_on_a_downscaled_context_at_full_resolution()
    {
        using var dog = Dog();
        using var big = new Mat();
        Cv2.Resize(dog.Bgr, big, new Size(0, 0), 2.5, 2.5, InterpolationFlags.Cubic);
        var box = new Rect((int)(DogBox.X * 2.5), (int)(DogBox.Y * 2.5), (int)(DogBox.Width * 2.5), (int)(DogBox.Height * 2.5));
        using var mask = EllipseMask(big.Size(), box);
        var r = new ObjectRemover(fills: Fills).Remove(big, mask);
        using (r.Edited) using (r.Hole)
        {
            Assert.Equal(big.Size(), r.Edited.Size());
            Assert.True(r.Scale < 1, $"scale {r.Scale}");
            Assert.Contains("downscaled", r.Detail);
            using var outside = new Mat();
            Cv2.BitwiseNot(r.Hole, outside);
            Assert.Equal(0, CountDifferent(big, r.Edited, outside));
            // filled with something like the surroundings, not left as the dog
            using var ring = MaskOps.Dilate(r.Hole, 40);
            Cv2.Subtract(ring, r.Hole, ring);
            var fill = Cv2.Mean(r.Edited, r.Hole);
            var around = Cv2.Mean(big, ring);
            for (int c = 0; c < 3; c++) Assert.InRange(fill[c], around[c] - 35, around[c] + 35);
        }
    }

    [Fact]
    public void A_forbidden_neighbour_is_not_continued_into_the_hole()
    {
        // left of the hole a red "other object", right of it a grey floor
        using var img = new Mat(240, 320, MatType.CV_8UC3, Scalar.All(150));
        img[new Rect(0, 0, 120, 240)].SetTo(new Scalar(0, 0, 230));
        using var mask = new Mat(img.Size(), MatType.CV_8UC1, Scalar.All(0));
        mask[new Rect(132, 70, 60, 100)].SetTo(Scalar.All(255));
        using var forbidden = new Mat(img.Size(), MatType.CV_8UC1, Scalar.All(0));
        forbidden[new Rect(0, 0, 120, 240)].SetTo(Scalar.All(255));
        var o = new RemoveOptions { DilatePx = 2, DilateFraction = 0, ShadowFraction = 0 };
        var remover = new ObjectRemover(o, Fills);
        var free = remover.Remove(img, mask, null, FillMethod.MiGan);
        var kept = remover.Remove(img, mask, forbidden, FillMethod.MiGan);
        using (free.Edited) using (free.Hole) using (kept.Edited) using (kept.Hole)
        {
            double redKept = Cv2.Mean(kept.Edited, kept.Hole).Val2, redFree = Cv2.Mean(free.Edited, free.Hole).Val2;
            Assert.True(redKept < 175, $"mean red in the hole {redKept:0} with the neighbour forbidden");
            Assert.True(redKept <= redFree + 2, $"{redKept:0} vs {redFree:0} without the rule");
        }
    }

    [Fact]
    public void On_coco128_holes_the_fill_keeps_the_surroundings_texture_and_beats_Telea()
    {
        // holes shaped like real objects over known background (bench fill's protocol) on the first photos of coco128
        var coco = (Path.Combine(TestPaths.Coco128, "instances.json"), Path.Combine(TestPaths.Coco128, "images"));
        var r = FillBench.Run([coco], [FillMethod.MiGan, FillMethod.Telea], Fills,
            new FillBenchOptions { MaxPhotos = 12, MaxPlacements = 8 });
        Assert.Equal(8, r.Placements);
        var (migan, telea) = (r.Fills[0], r.Fills[1]);
        Assert.Equal(8, migan.Fills);
        // texture: the generator alone leaves the hole smoother than its ring; with the detail layer it is about as rough
        Assert.InRange(migan.GradientRatio, 0.9, 1.2);
        Assert.True(migan.GradientRatio > telea.GradientRatio + 0.2, $"MI-GAN {migan.GradientRatio:0.00}, Telea {telea.GradientRatio:0.00}");
        // and closer to the true pixels than Telea's smear
        Assert.True(migan.Psnr > telea.Psnr + 1, $"MI-GAN {migan.Psnr:0.00} dB, Telea {telea.Psnr:0.00} dB");
        Assert.True(migan.Mae < telea.Mae, $"MI-GAN MAE {migan.Mae:0.00}, Telea {telea.Mae:0.00}");
    }

    [Fact]
    public void The_square_context_is_centred_on_the_hole_and_shifted_inside_the_image()
    {
        var size = new Size(640, 480);
        Assert.Equal(new Rect(70, 50, 300, 300), FillContext.Square(new Rect(170, 150, 100, 100), 300, size));
        Assert.Equal(new Rect(0, 0, 300, 300), FillContext.Square(new Rect(0, 10, 40, 40), 300, size));
        Assert.Equal(new Rect(340, 180, 300, 300), FillContext.Square(new Rect(600, 440, 40, 40), 300, size));
        // larger than the image: clipped to it
        Assert.Equal(new Rect(0, 0, 640, 480), FillContext.Square(new Rect(200, 200, 300, 250), 800, size));
    }
}
