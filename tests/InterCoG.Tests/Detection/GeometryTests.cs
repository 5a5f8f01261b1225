using InterCoG.Imaging;
using InterCoG.Perception;
using OpenCvSharp;
using Xunit;

namespace InterCoG.Tests.DetectionTests;

public class LetterboxTransformTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Boxes_round_trip_through_the_model_input(bool centered)
    {
        var t = LetterboxTransform.Create(new Rect(0, 0, 640, 480), 416, 416, centered);
        var box = new Box(12.5f, 40f, 300f, 479f);
        var back = t.ToImage(t.ToModel(box));
        Assert.Equal(box.X1, back.X1, 3);
        Assert.Equal(box.Y1, back.Y1, 3);
        Assert.Equal(box.X2, back.X2, 3);
        Assert.Equal(box.Y2, back.Y2, 3);
    }

    [Fact]
    public void Top_left_letterbox_fits_the_long_side_and_pads_below()
    {
        var t = LetterboxTransform.Create(new Rect(0, 0, 640, 480), 416, 416, centered: false);
        Assert.Equal(0.65f, t.Scale, 5);
        Assert.Equal((416, 312), t.ResizedSize);
        Assert.Equal((0, 0), t.PasteOffset);
        var m = t.ToModel(new Box(0, 0, 640, 480));
        Assert.Equal(new Box(0, 0, 416, 312), m);
    }

    [Fact]
    public void Centered_letterbox_splits_the_padding()
    {
        var t = LetterboxTransform.Create(new Rect(0, 0, 640, 480), 640, 640, centered: true);
        Assert.Equal((0, 80), t.PasteOffset);
        Assert.Equal(new Box(0, 80, 640, 560), t.ToModel(new Box(0, 0, 640, 480)));
    }

    [Fact]
    public void Tile_regions_map_back_into_full_image_coordinates()
    {
        var tile = new Rect(200, 100, 208, 156);
        var t = LetterboxTransform.Create(tile, 416, 416, centered: false);
        Assert.Equal(2f, t.Scale, 5);
        var img = t.ToImage(new Box(0, 0, 20, 40));
        Assert.Equal(new Box(200, 100, 210, 120), img);
        // model boxes reaching into the padding are clamped to the tile
        var clamped = t.ToImage(new Box(400, 300, 416, 416));
        Assert.Equal(tile.Right, clamped.X2);
        Assert.Equal(tile.Bottom, clamped.Y2);
    }

    [Fact]
    public void ResizeRegion_writes_the_resized_size()
    {
        using var img = new Mat(480, 640, MatType.CV_8UC3, Scalar.All(7));
        using var dst = new Mat();
        var t = LetterboxTransform.Create(new Rect(100, 50, 300, 200), 416, 416, centered: false);
        t.ResizeRegion(img, dst);
        Assert.Equal(t.ResizedSize, (dst.Cols, dst.Rows));
    }
}

public class NmsTests
{
    private static Detection D(float x1, float y1, float x2, float y2, int cls, float score)
    {
        var p = new float[CocoClasses.Names.Length];
        p[cls] = score;
        return new Detection(new Box(x1, y1, x2, y2), cls, score, p);
    }

    [Fact]
    public void PerClass_suppresses_overlaps_of_the_same_class_only()
    {
        var dets = new[]
        {
            D(0, 0, 100, 100, 0, 0.6f),
            D(5, 5, 105, 105, 0, 0.9f),   // same class, IoU ≈ 0.82 → keeps the 0.9 one
            D(5, 5, 105, 105, 16, 0.5f),  // other class at the same place → kept
            D(200, 200, 250, 250, 0, 0.3f),
        };
        var kept = Nms.PerClass(dets, 0.5f);
        Assert.Equal([1, 2, 3], kept);
    }

    [Fact]
    public void Ties_keep_input_order()
    {
        var dets = new[] { D(0, 0, 10, 10, 1, 0.5f), D(0, 0, 10, 10, 1, 0.5f) };
        Assert.Equal([0], Nms.PerClass(dets, 0.5f));
    }

    [Fact]
    public void Ios_is_intersection_over_the_smaller_box()
    {
        Assert.Equal(1f, Nms.Ios(new Box(0, 0, 100, 100), new Box(10, 10, 20, 20)));
        Assert.Equal(0.5f, Nms.Ios(new Box(0, 0, 10, 10), new Box(5, 0, 105, 10)));
        Assert.Equal(0f, Nms.Ios(new Box(0, 0, 10, 10), new Box(20, 20, 30, 30)));
    }
}

public class TileLayoutTests
{
    [Theory]
    [InlineData(2, 0.25f)]
    [InlineData(3, 0.25f)]
    [InlineData(4, 0.2f)]
    public void Grid_covers_the_image_with_the_requested_overlap(int n, float overlap)
    {
        var tiles = TileLayout.Grid(640, 480, n, overlap);
        Assert.Equal(n * n, tiles.Length);
        Assert.Equal(0, tiles[0].X);
        Assert.Equal(0, tiles[0].Y);
        Assert.Equal(640, tiles[^1].Right);
        Assert.Equal(480, tiles[^1].Bottom);
        int measured = tiles[0].Right - tiles[1].X;
        Assert.InRange(measured, (int)(overlap * tiles[0].Width) - 2, (int)(overlap * tiles[0].Width) + 2);
    }

    [Fact]
    public void One_by_one_is_the_whole_image()
    {
        Assert.Equal([new Rect(0, 0, 640, 480)], TileLayout.Grid(640, 480, 1, 0.25f));
    }
}

public class DetectionMergerTests
{
    private static Detection D(float x1, float y1, float x2, float y2, int cls, float score, int second = -1)
    {
        var p = new float[CocoClasses.Names.Length];
        p[cls] = score;
        if (second >= 0) p[second] = score / 2;
        return new Detection(new Box(x1, y1, x2, y2), cls, score, p);
    }

    private static readonly DetectorOptions O = new();

    [Fact]
    public void A_tile_box_cut_by_the_tile_edge_is_dropped_when_the_full_pass_explains_it()
    {
        var tile = new Rect(0, 0, 320, 240);
        var cut = D(280, 100, 320, 160, 39, 0.9f);
        Assert.True(DetectionMerger.IsCutByTile(cut.Box, tile, 640, 480, 3));
        var full = D(280, 100, 360, 160, 39, 0.5f);
        var merged = DetectionMerger.Merge([new(full, 0), new(cut, 1, Cut: true)], O);
        Assert.Equal(full.Box, Assert.Single(merged).Box);
    }

    [Fact]
    public void A_cut_tile_box_without_a_full_image_box_is_kept()
    {
        var cut = D(280, 100, 320, 160, 39, 0.9f);
        Assert.Single(DetectionMerger.Merge([new(cut, 1, Cut: true)], O));
    }

    [Fact]
    public void Boxes_touching_image_edges_are_not_cut()
    {
        Assert.False(DetectionMerger.IsCutByTile(new Box(0, 0, 50, 50), new Rect(0, 0, 320, 240), 640, 480, 3));
        Assert.True(DetectionMerger.IsCutByTile(new Box(300, 0, 319, 50), new Rect(0, 0, 320, 240), 640, 480, 3));
    }

    [Fact]
    public void A_piece_of_one_object_is_merged_from_any_pass_keeping_the_best_score()
    {
        var whole = D(100, 100, 200, 200, 45, 0.8f);
        var piece = D(100, 100, 150, 190, 45, 0.9f); // IoS 1, IoU 0.45, area ratio 0.45
        Assert.Equal(0.9f, Assert.Single(DetectionMerger.Merge([new(whole, 0), new(piece, 1)], O)).Score);
        Assert.Single(DetectionMerger.Merge([new(whole, 0), new(piece, 0)], O));
        var other = D(100, 100, 200, 200, 41, 0.8f); // another class is another object
        Assert.Equal(2, DetectionMerger.Merge([new(other, 0), new(piece, 1)], O).Count);
    }

    [Fact]
    public void A_kept_box_cut_by_its_tile_grows_to_the_union_with_the_other_pass()
    {
        var tile = new Rect(0, 0, 320, 240);
        var cut = D(200, 100, 320, 200, 16, 0.9f); // a dog cut by the tile's right edge
        Assert.True(DetectionMerger.IsCutByTile(cut.Box, tile, 640, 480, 3));
        var wider = D(210, 100, 380, 200, 16, 0.5f); // another tile saw its whole length (IoS 0.92, IoU 0.61)
        var merged = Assert.Single(DetectionMerger.Merge([new(cut, 1, Cut: true), new(wider, 2)], O));
        Assert.Equal(new Box(200, 100, 380, 200), merged.Box);
        Assert.Equal(0.9f, merged.Score);
        // an uncut kept box keeps its own extent
        var whole = Assert.Single(DetectionMerger.Merge([new(cut, 1), new(wider, 2)], O));
        Assert.Equal(cut.Box, whole.Box);
    }

    [Fact]
    public void A_small_object_on_a_large_one_is_not_merged()
    {
        var large = D(0, 0, 300, 300, 45, 0.8f);
        var small = D(10, 10, 40, 40, 45, 0.4f);
        Assert.Equal(2, DetectionMerger.Merge([new(large, 0), new(small, 1)], O).Count);
    }

    [Fact]
    public void Max_merge_takes_the_elementwise_maximum_of_absorbed_class_probabilities()
    {
        var a = D(0, 0, 100, 100, 41, 0.8f);
        var b = D(2, 2, 100, 100, 41, 0.6f, second: 45);
        var keep = Assert.Single(DetectionMerger.Merge([new(a, 0), new(b, 1)], O));
        Assert.Equal(0f, keep.ProbOf(45));
        var max = Assert.Single(DetectionMerger.Merge([new(a, 0), new(b, 1)], O with { MaxMergeClassProbs = true }));
        Assert.Equal(0.3f, max.ProbOf(45));
        Assert.Equal(0.8f, max.ProbOf(41));
        Assert.Equal(0f, a.ProbOf(45)); // inputs are not modified
    }
}
