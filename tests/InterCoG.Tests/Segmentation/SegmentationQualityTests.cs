using Xunit;
using InterCoG.Perception.Segmentation;
using OpenCvSharp;

namespace InterCoG.Tests.Segmentation;

/// <summary>The quality check that decides between IS-Net and GrabCut, on synthetic probability maps over a
/// 100×100 crop whose box is [20,20,80,80).</summary>
public sealed class SegmentationQualityTests
{
    private static readonly Rect Box = new(20, 20, 60, 60);
    private static readonly SegmenterOptions Options = new();

    private static SegmentationReport Assess(Mat map, ImageEdges edges = ImageEdges.None) =>
        SegmentationQuality.Assess(map, Box, edges, Options, "isnet-512");

    private static Mat Map(float background) => new(100, 100, MatType.CV_32FC1, Scalar.All(background));

    [Fact]
    public void A_crisp_blob_inside_the_box_is_accepted()
    {
        using var map = Map(0.02f);
        Cv2.Ellipse(map, new Point(50, 50), new Size(25, 28), 0, 0, 360, Scalar.All(0.97), -1);
        var r = Assess(map);
        Assert.True(r.Accepted, r.ToString());
        Assert.InRange(r.Fill, 0.5, 0.8);
        Assert.Equal(0, r.BorderTouch);
        Assert.Equal(1, r.LargestShare);
        Assert.True(r.Contrast > 0.9);
        Assert.True(r.Score > 0.8);
    }

    [Fact]
    public void An_empty_map_is_rejected_for_low_fill()
    {
        using var map = Map(0.01f);
        var r = Assess(map);
        Assert.False(r.Accepted);
        Assert.Contains("fill 0.00 < 0.15", r.Reason);
        Assert.Equal(0, r.Score);
    }

    [Fact]
    public void A_map_that_is_foreground_everywhere_is_rejected_for_overfill_and_border_leak()
    {
        using var map = Map(0.99f);
        var r = Assess(map);
        Assert.False(r.Accepted);
        Assert.Contains("fill 1.00 > 0.95", r.Reason);
        Assert.Contains("border 1.00 > 0.30", r.Reason);
    }

    [Fact]
    public void A_grey_undecided_map_is_rejected_for_low_contrast()
    {
        using var map = Map(0.45f);
        Cv2.Rectangle(map, new Rect(30, 30, 40, 40), Scalar.All(0.55), -1);
        var r = Assess(map);
        Assert.False(r.Accepted);
        Assert.Contains("contrast", r.Reason);
        Assert.InRange(r.Contrast, 0.05, 0.15);
    }

    [Fact]
    public void A_fragmented_map_is_rejected_for_its_small_largest_component()
    {
        using var map = Map(0.0f);
        for (int y = 22; y < 78; y += 8)
            for (int x = 22; x < 78; x += 8)
                Cv2.Rectangle(map, new Rect(x, y, 5, 5), Scalar.All(1.0), -1);
        var r = Assess(map);
        Assert.False(r.Accepted);
        Assert.Contains("largest component", r.Reason);
        Assert.True(r.LargestShare < 0.1);
    }

    [Fact]
    public void Touching_a_crop_side_that_is_the_image_edge_is_not_a_leak()
    {
        using var map = Map(0.0f);
        Cv2.Rectangle(map, new Rect(0, 25, 75, 50), Scalar.All(1.0), -1);
        Assert.True(Assess(map).BorderTouch > 0);
        var atEdge = Assess(map, ImageEdges.Left);
        Assert.Equal(0, atEdge.BorderTouch);
        Assert.True(atEdge.Accepted, atEdge.ToString());
    }

    [Fact]
    public void The_report_reads_as_one_line_for_the_trace()
    {
        using var map = Map(0.01f);
        Assert.Equal("isnet-512 rejected: fill 0.00 < 0.15; largest component 0.00 < 0.60; contrast 0.00 < 0.50", Assess(map).ToString());
    }
}
