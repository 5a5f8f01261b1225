namespace InterCoG.Reasoning;

/// <summary>Limits of the parser and margins of the grounding executor. Fractions are of a mean box size
/// (stated per option); probabilities are 0..1.</summary>
public sealed record ReasoningOptions
{
    /// <summary>Longest instruction accepted, in characters; longer ones are refused before any parsing.</summary>
    public int MaxInstructionChars { get; init; } = 1000;

    /// <summary>Deepest chain of anchors ("the cup left of the laptop next to the tv" is depth 2).</summary>
    public int MaxNesting { get; init; } = 4;

    /// <summary>An entity not labelled with the category still counts as one when its probability for it is at
    /// least this (0..1) …</summary>
    public float CategoryMinProb { get; init; } = 0.25f;

    /// <summary>… and at least this fraction (0..1) of its highest class probability.</summary>
    public float CategoryMinFractionOfTop { get; init; } = 0.5f;

    /// <summary>Members of the category whose probability for it is below this (0..1) are unsure detections: they are
    /// candidates only when no member reaches it.</summary>
    public float CandidateMinProb { get; init; } = 0.25f;

    /// <summary>left_of/right_of/above/below: how far (fraction of the pair's mean width or height) the candidate's
    /// centre may pass the anchor's near edge and still count.</summary>
    public float RelationEdgeMargin { get; init; } = 0.25f;

    /// <summary>left_of/right_of need the boxes to overlap vertically or their centres to be at most this many mean
    /// heights apart (above/below: the same horizontally, in mean widths).</summary>
    public float RelationBand { get; init; } = 1.0f;

    /// <summary>inside: the smallest fraction (0..1) of the candidate's box area that must lie within the anchor's box.</summary>
    public float InsideMinFraction { get; init; } = 0.5f;

    /// <summary>with / held_by ("the man holding an umbrella", "the umbrella held by the woman"): the smallest overlap of
    /// the two boxes, as a fraction (0..1) of the smaller box's area. An object in a hand or on a body overlaps its
    /// holder's box; 0.25 still admits an umbrella held above the head, whose box mostly lies above the person's.</summary>
    public float WithMinOverlap { get; init; } = 0.25f;

    /// <summary>next_to: largest gap between the two boxes, as a fraction of the pair's mean size (√area).</summary>
    public float NextToGap { get; init; } = 0.6f;

    /// <summary>next_to with several candidates left and nothing else to decide: the nearest wins when its gap
    /// is at most this fraction of the runner-up's (plus one pixel); otherwise ambiguous.</summary>
    public float NextToPreferRatio { get; init; } = 0.5f;

    /// <summary>Region ("on the left"): the extreme candidate must lead the runner-up by this fraction of the
    /// candidates' mean width (height for top/bottom); otherwise ambiguous. 0.05 is about the precision of a box
    /// edge: a smaller lead is within what the detector (or an annotator) could draw either way.</summary>
    public float RegionMargin { get; init; } = 0.05f;

    /// <summary>Ordinals: neighbours whose positions are closer than this fraction of the mean width (height) are
    /// level; a level pair at the picked position makes the pick ambiguous (0.05: box-edge precision, as RegionMargin).</summary>
    public float OrdinalTieMargin { get; init; } = 0.05f;

    /// <summary>Depth picks ("the nearest", "in the background"): candidates whose ground contacts (bottom edges) are
    /// closer than this fraction of their mean height are level on that cue (0.05: box-edge precision).</summary>
    public float DepthTieFraction { get; init; } = 0.05f;

    /// <summary>in_front_of/behind: the bottom edges must be apart by more than this fraction of the pair's mean height.</summary>
    public float DepthEdgeMargin { get; init; } = 0.1f;

    /// <summary>Depth picks level on ground contact and of one category are then ordered by apparent size
    /// (<see cref="SpatialRelations.SizeNearness"/>, a log ratio); sizes closer than this are level too (0.05 ≈ 5 %).</summary>
    public float DepthTieLogRatio { get; init; } = 0.05f;

    /// <summary>Size picks ("the largest"): candidates whose areas (heights for tall/short) differ by less than this
    /// log ratio are level (0.1 ≈ 10 %).</summary>
    public float SizeTieLogRatio { get; init; } = 0.1f;

    /// <summary>closest_to/farthest_from: the winner's centre distance must beat the runner-up's by this fraction of the
    /// candidates' mean size (√area); otherwise ambiguous.</summary>
    public float ClosestMargin { get; init; } = 0.25f;

    /// <summary>resize without a number ("make the dog bigger", "enlarge", "scale up"): this scale factor (&gt; 1).</summary>
    public double GrowScale { get; init; } = 1.5;

    /// <summary>resize without a number ("smaller", "shrink", "scale down"): this scale factor (0..1), 1 / GrowScale by default.</summary>
    public double ShrinkScale { get; init; } = 2.0 / 3.0;

    /// <summary>Most entities offered as nearest candidates when nothing matches.</summary>
    public int NearestCount { get; init; } = 3;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first option out of its range; returns this.</summary>
    public ReasoningOptions Validate()
    {
        static void Check(bool ok, string name, object value, string range)
        {
            if (!ok) throw new ArgumentOutOfRangeException(name, value, $"{name} must be {range}");
        }
        Check(MaxInstructionChars >= 1, nameof(MaxInstructionChars), MaxInstructionChars, "at least 1");
        Check(MaxNesting >= 0, nameof(MaxNesting), MaxNesting, "at least 0");
        Check(CategoryMinProb is >= 0 and <= 1, nameof(CategoryMinProb), CategoryMinProb, "in 0..1");
        Check(CategoryMinFractionOfTop is >= 0 and <= 1, nameof(CategoryMinFractionOfTop), CategoryMinFractionOfTop, "in 0..1");
        Check(CandidateMinProb is >= 0 and <= 1, nameof(CandidateMinProb), CandidateMinProb, "in 0..1");
        Check(RelationEdgeMargin >= 0, nameof(RelationEdgeMargin), RelationEdgeMargin, "at least 0");
        Check(RelationBand >= 0, nameof(RelationBand), RelationBand, "at least 0");
        Check(InsideMinFraction is > 0 and <= 1, nameof(InsideMinFraction), InsideMinFraction, "in (0, 1]");
        Check(NextToGap >= 0, nameof(NextToGap), NextToGap, "at least 0");
        Check(NextToPreferRatio is >= 0 and <= 1, nameof(NextToPreferRatio), NextToPreferRatio, "in 0..1");
        Check(RegionMargin >= 0, nameof(RegionMargin), RegionMargin, "at least 0");
        Check(OrdinalTieMargin >= 0, nameof(OrdinalTieMargin), OrdinalTieMargin, "at least 0");
        Check(DepthEdgeMargin >= 0, nameof(DepthEdgeMargin), DepthEdgeMargin, "at least 0");
        Check(WithMinOverlap is > 0 and <= 1, nameof(WithMinOverlap), WithMinOverlap, "in (0, 1]");
        Check(DepthTieFraction >= 0, nameof(DepthTieFraction), DepthTieFraction, "at least 0");
        Check(DepthTieLogRatio >= 0, nameof(DepthTieLogRatio), DepthTieLogRatio, "at least 0");
        Check(SizeTieLogRatio >= 0, nameof(SizeTieLogRatio), SizeTieLogRatio, "at least 0");
        Check(ClosestMargin >= 0, nameof(ClosestMargin), ClosestMargin, "at least 0");
        Check(GrowScale > 1, nameof(GrowScale), GrowScale, "above 1");
        Check(ShrinkScale is > 0 and < 1, nameof(ShrinkScale), ShrinkScale, "in (0, 1)");
        Check(NearestCount >= 0, nameof(NearestCount), NearestCount, "at least 0");
        return this;
    }
}
