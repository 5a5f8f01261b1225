using InterCoG.Imaging;
using InterCoG.Reasoning;
using Xunit;

namespace InterCoG.Tests.Reasoning;

public class SpatialRelationsTests
{
    private static readonly ReasoningOptions O = new(); // RelationEdgeMargin 0.25, RelationBand 1.0, NextToGap 0.6
    private static readonly Box Anchor = new(400, 400, 500, 500); // 100 × 100

    private static bool Rel(string kind, Box c) => SpatialRelations.All[kind](c, Anchor, O);

    [Theory]
    // cx = 290 < X1 + 0.25·90 = 422.5, same rows.
    [InlineData(250, 420, 330, 490, true)]
    // Overlapping the anchor: cx = 420 < 422.5 still counts; cx = 430 does not.
    [InlineData(380, 400, 460, 500, true)]
    [InlineData(390, 400, 470, 500, false)]
    // No vertical overlap: |cy − 450| = 90 ≤ 1.0·h̄ (90) counts, 160 does not.
    [InlineData(250, 320, 330, 400, true)]  // touching edge: overlap 0, dy 90 = h̄
    [InlineData(250, 250, 330, 330, false)]
    // To the right: never left of.
    [InlineData(600, 400, 700, 500, false)]
    public void Left_of_is_pinned(float x1, float y1, float x2, float y2, bool expected) =>
        Assert.Equal(expected, Rel(SpatialRelations.LeftOf, new Box(x1, y1, x2, y2)));

    [Theory]
    // cx > X2 − 0.25·w̄: mirror of left_of.
    [InlineData(570, 420, 650, 490, true)]
    [InlineData(440, 400, 520, 500, true)]   // cx 480 > 477.5
    [InlineData(430, 400, 510, 500, false)]  // cx 470
    [InlineData(250, 420, 330, 490, false)]
    public void Right_of_is_pinned(float x1, float y1, float x2, float y2, bool expected) =>
        Assert.Equal(expected, Rel(SpatialRelations.RightOf, new Box(x1, y1, x2, y2)));

    [Theory]
    [InlineData(410, 250, 490, 330, true)]   // cy 290 < Y1 + 0.25·90 = 422.5, same columns
    [InlineData(410, 380, 490, 460, true)]   // cy 420
    [InlineData(410, 390, 490, 470, false)]  // cy 430
    [InlineData(100, 250, 180, 330, false)]  // far to the left: |cx − 450| = 310 > 90
    public void Above_is_pinned(float x1, float y1, float x2, float y2, bool expected) =>
        Assert.Equal(expected, Rel(SpatialRelations.Above, new Box(x1, y1, x2, y2)));

    [Theory]
    [InlineData(410, 570, 490, 650, true)]
    [InlineData(410, 440, 490, 520, true)]   // cy 480 > Y2 − 22.5 = 477.5
    [InlineData(410, 250, 490, 330, false)]
    public void Below_is_pinned(float x1, float y1, float x2, float y2, bool expected) =>
        Assert.Equal(expected, Rel(SpatialRelations.Below, new Box(x1, y1, x2, y2)));

    [Theory]
    [InlineData(520, 400, 620, 500, true)]   // gap 20 ≤ 0.6·100
    [InlineData(560, 400, 660, 500, true)]   // gap 60, on the limit
    [InlineData(561, 400, 661, 500, false)]  // gap 61
    [InlineData(530, 540, 630, 640, true)]   // diagonal gap √(30² + 40²) = 50
    [InlineData(540, 560, 640, 660, false)]  // diagonal gap √(40² + 60²) ≈ 72
    [InlineData(450, 450, 550, 550, true)]   // overlapping: gap 0
    public void Next_to_is_pinned(float x1, float y1, float x2, float y2, bool expected) =>
        Assert.Equal(expected, Rel(SpatialRelations.NextTo, new Box(x1, y1, x2, y2)));

    [Fact]
    public void Gap_and_mean_size()
    {
        Assert.Equal(0f, SpatialRelations.Gap(Anchor, new Box(450, 450, 550, 550)));
        Assert.Equal(50f, SpatialRelations.Gap(Anchor, new Box(530, 540, 630, 640)), 3);
        Assert.Equal(75f, SpatialRelations.MeanSize(Anchor, new Box(0, 0, 50, 50)), 3);
    }

    [Fact]
    public void Margins_come_from_the_options()
    {
        var c = new Box(390, 400, 470, 500); // cx 430: not left of with margin 0.25, left of with margin 0.5
        Assert.False(SpatialRelations.All[SpatialRelations.LeftOf](c, Anchor, O));
        Assert.True(SpatialRelations.All[SpatialRelations.LeftOf](c, Anchor, O with { RelationEdgeMargin = 0.5f }));
    }
}
