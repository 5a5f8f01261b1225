using InterCoG.Imaging;
using InterCoG.Perception;
using InterCoG.Reasoning;
using OpenCvSharp;
using static InterCoG.Tests.Reasoning.ReasoningScenes;

namespace InterCoG.Tests.Reasoning;

/// <summary>Detections too small to edit visibly are listed but never chosen and never make a request ambiguous;
/// size words compare mask areas once they are measured.</summary>
public sealed class TooSmallCandidateTests
{
    private static Detection D(string label, float score, float x1, float y1, float x2, float y2)
    {
        var p = new float[CocoClasses.Names.Length];
        p[CocoClasses.IndexOf(label)] = score;
        return new Detection(new Box(x1, y1, x2, y2), CocoClasses.IndexOf(label), score, p);
    }

    [Fact]
    public void The_scene_marks_boxes_under_12_px_and_far_below_their_class_as_too_small()
    {
        using var bgr = new Mat(480, 640, MatType.CV_8UC3, Scalar.All(128));
        var scene = new SceneBuilder().Build(bgr,
        [
            D("kite", 0.6f, 300, 50, 307, 54),     // 7×4 px: nobody sees it change
            D("kite", 0.7f, 100, 100, 220, 200),   // a real kite
            D("person", 0.8f, 10, 10, 210, 470),   // a person close by…
            D("person", 0.5f, 600, 300, 612, 318), // …and one 12×18 px far away: √area 7 % of the near one's
            D("person", 0.5f, 400, 200, 460, 340), // a smaller but visible one
        ]);
        Assert.Equal([true, false], scene.Entities.Where(e => e.Label == "kite").OrderBy(e => e.Box.Area).Select(e => e.TooSmall));
        Assert.Equal([true, false, false], scene.Entities.Where(e => e.Label == "person").OrderBy(e => e.Box.Area).Select(e => e.TooSmall));
    }

    [Fact]
    public void A_too_small_duplicate_never_makes_the_request_ambiguous()
    {
        var kite = E(1, "kite", 100, 100, 220, 200) with { };
        var speck = E(2, "kite", 300, 50, 307, 54) with { TooSmall = true };
        var o = Ground("make the kite red", S(kite, speck));
        Assert.Equal(GroundingKind.Unique, o.Kind);
        Assert.Equal(1, o.Target!.Id);
    }

    [Fact]
    public void Only_too_small_candidates_is_not_found_with_them_listed()
    {
        var speck = E(2, "kite", 300, 50, 307, 54) with { TooSmall = true };
        var o = Ground("make the kite red", S(speck, E(3, "person", 0, 0, 100, 300)));
        Assert.Equal(GroundingKind.NotFound, o.Kind);
        Assert.Equal(2, Assert.Single(o.Candidates).Id);
        Assert.Contains("too small", o.Message);
    }

    [Fact]
    public void Grounding_alone_still_names_a_lone_object_too_small_to_edit()
    {
        // "ground" and the grounding bench ask where a thing is, not to edit it: a lone 8×10 px banana is still the answer
        var banana = E(2, "banana", 380, 205, 388, 215) with { TooSmall = true };
        var scene = S(banana, E(3, "person", 0, 0, 100, 300));
        var r = new InstructionParser().Parse("banana");
        Assert.True(r.Parsed, r.Reason);
        var o = new GroundingExecutor().Execute(r.Request!.Target, scene, Trace("banana"), forEdit: false);
        Assert.Equal(GroundingKind.Unique, o.Kind);
        Assert.Equal(2, o.Target!.Id);
        // the same words as an edit stay not found
        Assert.Equal(GroundingKind.NotFound, Ground("make the banana yellow", scene).Kind);
    }

    [Fact]
    public void The_biggest_compares_mask_areas_when_they_are_measured()
    {
        // the left dog's box is larger, but most of it is background: its mask is the smaller one
        var sprawled = E(1, "dog", 0, 0, 400, 300) with { MaskArea = 20_000 };
        var sitting = E(2, "dog", 500, 0, 800, 300) with { MaskArea = 60_000 };
        Assert.Equal(2, Pick("make the biggest dog blue", S(sprawled, sitting)));
        Assert.Equal(1, Pick("make the biggest dog blue", S(sprawled with { MaskArea = null }, sitting with { MaskArea = null })));
    }
}
