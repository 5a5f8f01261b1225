using InterCoG.Imaging;

namespace InterCoG.Reasoning;

/// <summary>Whether <paramref name="candidate"/> stands in a relation to <paramref name="anchor"/> (boxes XYXY, pixels, y down).</summary>
public delegate bool RelationTest(Box candidate, Box anchor, ReasoningOptions options);

/// <summary>Pairwise spatial relations, each with one written geometric definition. Notation: c = candidate,
/// a = anchor, cx/cy = box centre, w̄/h̄ = mean width/height of the pair, s̄ = mean of √area of the pair,
/// m = <see cref="ReasoningOptions.RelationEdgeMargin"/>, b = <see cref="ReasoningOptions.RelationBand"/>.</summary>
public static class SpatialRelations
{
    public const string LeftOf = "left_of";
    public const string RightOf = "right_of";
    public const string Above = "above";
    public const string Below = "below";
    public const string NextTo = "next_to";

    /// <summary>Every relation kind this version grounds, with its test. Built from the two factories below.</summary>
    public static IReadOnlyDictionary<string, RelationTest> All { get; } = new Dictionary<string, RelationTest>
    {
        // left_of:  cx(c) < a.X1 + m·w̄, and the boxes overlap vertically or |cy(c) − cy(a)| ≤ b·h̄.
        [LeftOf] = Directional(horizontal: true, before: true),
        // right_of: cx(c) > a.X2 − m·w̄, and the same vertical band as left_of.
        [RightOf] = Directional(horizontal: true, before: false),
        // above:    cy(c) < a.Y1 + m·h̄, and the boxes overlap horizontally or |cx(c) − cx(a)| ≤ b·w̄.
        [Above] = Directional(horizontal: false, before: true),
        // below:    cy(c) > a.Y2 − m·h̄, and the same horizontal band as above.
        [Below] = Directional(horizontal: false, before: false),
        // next_to:  Gap(c, a) ≤ NextToGap · s̄ (boxes that overlap have gap 0); among several, the nearest
        //           wins only when clearly nearer (NextToPreferRatio), see GroundingExecutor.
        [NextTo] = Proximity(),
    };

    /// <summary>Factory for the four directional relations: along x (horizontal) or y, candidate before (left/above) or after the anchor.</summary>
    public static RelationTest Directional(bool horizontal, bool before) => (c, a, o) =>
    {
        float cc = horizontal ? c.CenterX : c.CenterY;
        float aLo = horizontal ? a.X1 : a.Y1, aHi = horizontal ? a.X2 : a.Y2;
        float along = horizontal ? (c.Width + a.Width) / 2 : (c.Height + a.Height) / 2;
        bool passes = before ? cc < aLo + o.RelationEdgeMargin * along : cc > aHi - o.RelationEdgeMargin * along;
        if (!passes) return false;
        // The cross-axis band keeps "left of" from matching an object far above or below.
        float overlap = horizontal ? MathF.Min(c.Y2, a.Y2) - MathF.Max(c.Y1, a.Y1) : MathF.Min(c.X2, a.X2) - MathF.Max(c.X1, a.X1);
        float across = horizontal ? (c.Height + a.Height) / 2 : (c.Width + a.Width) / 2;
        float dCross = horizontal ? MathF.Abs(c.CenterY - a.CenterY) : MathF.Abs(c.CenterX - a.CenterX);
        return overlap > 0 || dCross <= o.RelationBand * across;
    };

    /// <summary>Factory for next_to: the gap between the boxes is at most <see cref="ReasoningOptions.NextToGap"/> × s̄.</summary>
    public static RelationTest Proximity() => (c, a, o) => Gap(c, a) <= o.NextToGap * MeanSize(c, a);

    /// <summary>Euclidean distance in pixels between the nearest points of two boxes; 0 when they touch or overlap.</summary>
    public static float Gap(Box p, Box q)
    {
        float gx = MathF.Max(0, MathF.Max(q.X1 - p.X2, p.X1 - q.X2));
        float gy = MathF.Max(0, MathF.Max(q.Y1 - p.Y2, p.Y1 - q.Y2));
        return MathF.Sqrt(gx * gx + gy * gy);
    }

    /// <summary>Mean of √area of two boxes, in pixels: the size unit of next_to.</summary>
    public static float MeanSize(Box p, Box q) => (MathF.Sqrt(p.Area) + MathF.Sqrt(q.Area)) / 2;

    /// <summary>Words for a relation kind in sentences ("left of", "next to").</summary>
    public static string Words(string kind) => kind switch
    {
        LeftOf => "left of", RightOf => "right of", Above => "above", Below => "below", NextTo => "next to", _ => kind.Replace('_', ' '),
    };
}
