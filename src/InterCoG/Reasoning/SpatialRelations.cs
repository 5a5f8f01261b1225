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
    public const string InFrontOf = "in_front_of";
    public const string Behind = "behind";
    public const string ClosestTo = "closest_to";
    public const string FarthestFrom = "farthest_from";
    public const string Between = "between";
    public const string On = "on";
    public const string Inside = "inside";
    public const string With = "with";
    public const string HeldBy = "held_by";

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
        // in_front_of: c.Y2 > a.Y2 + d·h̄ (its ground contact is lower in the image, so nearer the camera) and the
        //              boxes overlap horizontally (one hides part of the other); d = DepthEdgeMargin.
        [InFrontOf] = FrontBehind(front: true),
        // behind:      c.Y2 < a.Y2 − d·h̄ and the boxes overlap horizontally.
        [Behind] = FrontBehind(front: false),
        // on:       c rests on a: c's bottom edge lies within a's vertical span, a.Y1 − m·h(c) ≤ c.Y2 ≤ a.Y2, c's centre x
        //           lies within a's x-range, and c's centre is above a's (cy(c) < cy(a)): a cup on a table, a man on a horse.
        [On] = Resting(),
        // inside:   at least InsideMinFraction of c's box lies within a's box (area(c ∩ a) / area(c)), and c is the
        //           smaller box: the cake in the box, the person in the car.
        [Inside] = Contained(),
        // with:     c holds, carries, wears or has a: the boxes overlap by at least WithMinOverlap of the smaller box's
        //           area (area(c ∩ a) / min(area(c), area(a))): the man holding an umbrella, the person with a tie.
        [With] = Overlapping(),
        // held_by:  c is held, carried or worn by a: the same overlap test (who holds whom comes from the nouns).
        [HeldBy] = Overlapping(),
    };

    /// <summary>Factory for with / held_by: area(c ∩ a) ≥ WithMinOverlap × min(area(c), area(a)).</summary>
    public static RelationTest Overlapping() => (c, a, o) =>
    {
        float ix = MathF.Max(0, MathF.Min(c.X2, a.X2) - MathF.Max(c.X1, a.X1)), iy = MathF.Max(0, MathF.Min(c.Y2, a.Y2) - MathF.Max(c.Y1, a.Y1));
        float smaller = MathF.Min(c.Area, a.Area);
        return smaller > 0 && ix * iy >= o.WithMinOverlap * smaller;
    };

    /// <summary>Factory for on: c's bottom edge inside a's vertical span (RelationEdgeMargin × c's height above its top
    /// allowed), c's centre x inside a's x-range and c's centre above a's centre.</summary>
    public static RelationTest Resting() => (c, a, o) =>
        c.Y2 >= a.Y1 - o.RelationEdgeMargin * c.Height && c.Y2 <= a.Y2 && c.CenterX >= a.X1 && c.CenterX <= a.X2 && c.CenterY < a.CenterY;

    /// <summary>Factory for inside: area(c ∩ a) ≥ InsideMinFraction × area(c), and area(c) &lt; area(a).</summary>
    public static RelationTest Contained() => (c, a, o) =>
    {
        float ix = MathF.Max(0, MathF.Min(c.X2, a.X2) - MathF.Max(c.X1, a.X1)), iy = MathF.Max(0, MathF.Min(c.Y2, a.Y2) - MathF.Max(c.Y1, a.Y1));
        return c.Area > 0 && ix * iy >= o.InsideMinFraction * c.Area && c.Area < a.Area;
    };

    /// <summary>Factory for in_front_of (front) and behind: bottom edges apart by more than DepthEdgeMargin × mean height, x-intervals overlapping.</summary>
    public static RelationTest FrontBehind(bool front) => (c, a, o) =>
    {
        float d = o.DepthEdgeMargin * (c.Height + a.Height) / 2;
        bool overlapX = MathF.Min(c.X2, a.X2) - MathF.Max(c.X1, a.X1) > 0;
        return overlapX && (front ? c.Y2 > a.Y2 + d : c.Y2 < a.Y2 - d);
    };

    /// <summary>Nearness to the camera of a box from its ground contact (larger = nearer), as a log inverse-distance
    /// estimate: ln(max(Y2, 1)). Objects standing on a common plane below the camera touch it lower in the image the
    /// nearer they are; with the horizon taken at the image top, distance ∝ 1 / Y2. Depth picks rank by the bottom edge
    /// itself (<see cref="Support"/>, level within DepthTieFraction × mean height) and only then, within one category,
    /// by <see cref="SizeNearness"/>; this log form is kept for callers that want a ratio.</summary>
    public static double Nearness(Box b) => Math.Log(Math.Max(b.Y2, 1f));

    /// <summary>Vertical position of an object for "top"/"bottom" picks, in pixels (y down): its bottom edge Y2, where it
    /// rests or hangs from its support. An object's height is not its place: a tall bottle standing beside a short cup on
    /// the same shelf is not "the top one", and a bottle standing on a higher shelf is, however short.</summary>
    public static float Support(Box b) => b.Y2;

    /// <summary>Size cue of nearness for objects of one category: ln(√area) (apparent size ∝ 1 / distance).</summary>
    public static double SizeNearness(Box b) => Math.Log(Math.Max(Math.Sqrt(b.Area), 1));

    /// <summary>Position of a candidate centre along the segment between two anchor centres: (t, perpendicular
    /// distance in pixels); t in (0, 1) lies between them. "between": 0 &lt; t &lt; 1 and distance ≤ RelationBand × s̄,
    /// s̄ the mean √area of the two anchors.</summary>
    public static (float T, float Distance) Project(Box c, Box a1, Box a2)
    {
        float dx = a2.CenterX - a1.CenterX, dy = a2.CenterY - a1.CenterY;
        float len2 = dx * dx + dy * dy;
        if (len2 < 1e-6f) return (float.NaN, float.PositiveInfinity);
        float px = c.CenterX - a1.CenterX, py = c.CenterY - a1.CenterY;
        float t = (px * dx + py * dy) / len2;
        float dist = MathF.Abs(px * dy - py * dx) / MathF.Sqrt(len2);
        return (t, dist);
    }

    /// <summary>Distance between box centres in pixels (closest_to / farthest_from).</summary>
    public static float CentreDistance(Box p, Box q) => MathF.Sqrt((p.CenterX - q.CenterX) * (p.CenterX - q.CenterX) + (p.CenterY - q.CenterY) * (p.CenterY - q.CenterY));

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
        LeftOf => "left of", RightOf => "right of", Above => "above", Below => "below", NextTo => "next to",
        ClosestTo => "closest to", FarthestFrom => "farthest from", Inside => "inside", _ => kind.Replace('_', ' '),
    };
}
