using System.Globalization;
using InterCoG.Imaging;
using InterCoG.Perception;
using InterCoG.Programs;
using OpenCvSharp;

namespace InterCoG.Editing.Generative;

/// <summary>Settings of <see cref="AddPlacer"/>.</summary>
public sealed record AddPlacementOptions
{
    /// <summary>Gap between the new object and the anchor, as a fraction of the anchor's larger side.</summary>
    public float GapFraction { get; init; } = 0.04f;
    /// <summary>Size ratio (new height / anchor height) when either object's typical size is unknown.</summary>
    public double UnknownRatio { get; init; } = 0.5;
    /// <summary>Smallest size ratio (new height / anchor height).</summary>
    public double MinRatio { get; init; } = 0.08;
    /// <summary>Largest size ratio (new height / anchor height).</summary>
    public double MaxRatio { get; init; } = 3;
    /// <summary>Smallest side of a placed box, in pixels.</summary>
    public int MinSidePx { get; init; } = 16;
    /// <summary>A placed box may take at most this fraction of the image's height and width.</summary>
    public float MaxImageFraction { get; init; } = 0.8f;
    /// <summary>A place is usable when at least this fraction of the box lies inside the image.</summary>
    public float MinInsideFraction { get; init; } = 0.85f;
    /// <summary>Sizes tried, as factors of the default size, before refusing for lack of room.</summary>
    public IReadOnlyList<double> Shrink { get; init; } = [1, 0.75, 0.6];
    /// <summary>Anchors with a flat top people put things on: "on" puts the new object's base inside the box's upper part.</summary>
    public IReadOnlySet<string> Surfaces { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "dining table", "bed", "couch", "bench", "chair", "toilet", "sink", "suitcase", "skateboard", "surfboard", "desk", "table",
        "counter", "shelf", "oven", "refrigerator", "microwave", "bowl", "pizza", "cake", "sandwich", "boat", "snowboard",
    };
    /// <summary>An object added with no anchor: its height as a fraction of the image's for a thing of this many metres
    /// (the frame read as about 4 m tall), within 8–45 %.</summary>
    public double FrameHeightM { get; init; } = 4;
    /// <summary>Detections at least this sure are avoided by an anchor-less placement.</summary>
    public float AvoidMinScore { get; init; } = 0.4f;
}

/// <summary>Where an added object goes, in pixels of the input (XYXY), or why there is no room. <see cref="Box"/> null = refused.</summary>
/// <param name="Box">The new object's box, or null when refused.</param>
/// <param name="Text">One line for the trace: the place and how its size was chosen, or the refusal.</param>
public sealed record AddPlacement(Box? Box, string Text)
{
    /// <summary>True when a place was found.</summary>
    public bool Placed => Box is not null;
}

/// <summary>Places the object of an "add": from the relation ("on", "left_of", "next_to", "in_front_of", …) and the
/// anchor's box, with a default size from both objects' typical sizes (<see cref="ObjectSizes"/>); with no anchor, at
/// the free spot (fewest detections covered) nearest the lower middle of the picture. Pure and deterministic.</summary>
public sealed class AddPlacer(AddPlacementOptions? options = null)
{
    private readonly AddPlacementOptions _o = options ?? new AddPlacementOptions();

    /// <summary>The place of <paramref name="op"/>'s new object (arguments object_noun, object_category, relation) against
    /// <paramref name="anchor"/> (null: no anchor named) in an image of <paramref name="image"/> pixels.</summary>
    public AddPlacement Place(EditOperation op, SceneEntity? anchor, IReadOnlyList<SceneEntity> others, Size image)
    {
        ArgumentNullException.ThrowIfNull(op);
        string noun = NounOf(op);
        var size = ObjectSizes.Of(op.Text(ArgumentNames.ObjectCategory)) ?? ObjectSizes.Of(op.Text(ArgumentNames.ObjectNoun));
        if (anchor is null) return FreeSpot(noun, size, others, image);

        string relation = op.Text(ArgumentNames.Relation, "next_to")!;
        var a = anchor.Box;
        var anchorSize = ObjectSizes.Of(anchor.Label);
        double ratio = size is { } s && anchorSize is { } t ? s.HeightM / t.HeightM : _o.UnknownRatio;
        ratio = Math.Clamp(ratio, _o.MinRatio, _o.MaxRatio);
        double aspect = size?.Aspect ?? 1;
        double h0 = a.Height * ratio, w0 = h0 * aspect;
        // never larger than the image allows
        double fit = Math.Min(1, Math.Min(_o.MaxImageFraction * image.Height / h0, _o.MaxImageFraction * image.Width / w0));
        h0 *= fit; w0 *= fit;
        if (Math.Min(w0, h0) < _o.MinSidePx) { double up = _o.MinSidePx / Math.Min(w0, h0); w0 *= up; h0 *= up; }

        string how = size is { } sz && anchorSize is { } az
            ? Inv($"{PromptWriter.A(noun)} is about {sz.HeightM:0.##} m tall against {az.HeightM:0.##} m for {PromptWriter.A(anchor.Label)}: {ratio:0.##}× its height")
            : Inv($"{(size is null ? $"no typical size for '{noun}'" : $"no typical size for a {anchor.Label}")}: {ratio:0.##}× the {anchor.Label}'s height");
        Box last = default;
        // "on" a thing whose top is the picture's edge ("a bird on the zebra's back"): resting inside the top of its box
        string[] tries = relation == "on" && !_o.Surfaces.Contains(anchor.Label) ? ["on", OnUpperPart] : [relation];
        foreach (string placeAs in tries)
            foreach (double k in _o.Shrink)
            {
                double w = w0 * k, h = h0 * k;
                var box = At(placeAs, a, anchor.Label, w, h, image);
                if (placeAs == relation) last = box;
                if (Inside(box, image) >= _o.MinInsideFraction)
                {
                    var clipped = box.Clamp(image.Width, image.Height);
                    string shrink = k < 1 ? Inv($", shrunk to {k:0.##}× to fit") : "";
                    string inside = placeAs == OnUpperPart ? "; no room above it, so resting inside the top of its box" : "";
                    return new AddPlacement(clipped, Inv($"Place the {noun} {Words(relation)} #{anchor.Id} {anchor.Label} {a}: {clipped} ({clipped.Width:0}×{clipped.Height:0} px; {how}{shrink}{inside})."));
                }
            }
        return new AddPlacement(null, Inv(
            $"No room to add {PromptWriter.A(noun)} {Words(relation)} #{anchor.Id} {anchor.Label} at {a}: even at {_o.Shrink[^1]:0.##}× its default size a {last.Width:0}×{last.Height:0} px box there lies {100 * (1 - Inside(last, image)):0} % outside the image."));
    }

    /// <summary>"on", placed as resting inside the anchor's box when there is no room above it.</summary>
    private const string OnUpperPart = "on (upper part)";

    /// <summary>The box of a w×h object placed <paramref name="relation"/> the anchor box <paramref name="a"/> (XYXY; y down).</summary>
    private Box At(string relation, Box a, string anchorLabel, double w, double h, Size image)
    {
        float gap = _o.GapFraction * Math.Max(a.Width, a.Height);
        float fw = (float)w, fh = (float)h, cx = a.CenterX;
        bool surface = _o.Surfaces.Contains(anchorLabel);
        switch (relation)
        {
            case "on":
                // on a table-like thing: the base inside the top third of its box; on anything else: resting on its top edge
                float baseY = surface ? a.Y1 + 0.3f * a.Height : a.Y1 + 0.1f * fh;
                return new Box(cx - fw / 2, baseY - fh, cx + fw / 2, baseY);
            case OnUpperPart:
                // the base a quarter down the anchor's box (its back, its top surface), inside the picture
                return new Box(cx - fw / 2, a.Y1 + 0.25f * a.Height - fh, cx + fw / 2, a.Y1 + 0.25f * a.Height);
            case "above":
                return new Box(cx - fw / 2, a.Y1 - gap - fh, cx + fw / 2, a.Y1 - gap);
            case "below":
                return surface ? new Box(cx - fw / 2, a.Y2 - fh, cx + fw / 2, a.Y2) : new Box(cx - fw / 2, a.Y2 + gap, cx + fw / 2, a.Y2 + gap + fh);
            case "left_of":
                return new Box(a.X1 - gap - fw, a.Y2 - fh, a.X1 - gap, a.Y2);
            case "right_of":
                return new Box(a.X2 + gap, a.Y2 - fh, a.X2 + gap + fw, a.Y2);
            case "in_front_of":
            {
                float bottom = a.Y2 + 0.1f * fh;
                return new Box(cx - fw / 2, bottom - fh, cx + fw / 2, bottom);
            }
            case "behind":
            {
                float bottom = a.Y2 - 0.25f * a.Height;
                return new Box(cx - fw / 2, bottom - fh, cx + fw / 2, bottom);
            }
            case "inside":
            {
                float k = Math.Min(1f, Math.Min(0.7f * a.Width / fw, 0.7f * a.Height / fh));
                fw *= k; fh *= k;
                return new Box(cx - fw / 2, a.CenterY - fh / 2, cx + fw / 2, a.CenterY + fh / 2);
            }
            default:
            {
                // next to (and anything unknown): the side with more room, the right one on a tie
                var right = At("right_of", a, anchorLabel, w, h, image);
                var left = At("left_of", a, anchorLabel, w, h, image);
                return Inside(left, image) > Inside(right, image) + 1e-6 ? left : right;
            }
        }
    }

    private AddPlacement FreeSpot(string noun, (double HeightM, double Aspect)? size, IReadOnlyList<SceneEntity> others, Size image)
    {
        double hf = Math.Clamp((size?.HeightM ?? 1) / _o.FrameHeightM, 0.08, 0.45);
        float h = (float)(hf * image.Height), w = (float)Math.Min(h * (size?.Aspect ?? 1), _o.MaxImageFraction * image.Width);
        var avoid = others.Where(e => e.Score >= _o.AvoidMinScore).Select(e => e.Box).ToList();
        Box best = default;
        double bestCost = double.MaxValue;
        float tx = image.Width / 2f, ty = 0.75f * image.Height, diag = MathF.Sqrt(image.Width * image.Width + image.Height * image.Height);
        // candidates: 7 centres across, 3 base lines in the lower part; the cost is the share of the box over detections,
        // then the distance to the lower middle
        for (int i = 0; i < 7; i++)
            for (int j = 0; j < 3; j++)
            {
                float cx = w / 2 + i * (image.Width - w) / 6f, bottom = image.Height * (0.6f + 0.15f * j);
                bottom = Math.Min(bottom, image.Height);
                var box = new Box(cx - w / 2, bottom - h, cx + w / 2, bottom);
                if (box.Y1 < 0) continue;
                double covered = avoid.Sum(b => (double)box.Intersect(b).Area) / Math.Max(1, box.Area);
                double cost = covered + 0.3 * Math.Sqrt(Sq(box.CenterX - tx) + Sq(box.Y2 - ty)) / diag;
                if (cost < bestCost - 1e-9) { bestCost = cost; best = box; }
            }
        if (bestCost == double.MaxValue)
            return new AddPlacement(null, Inv($"No room to add {PromptWriter.A(noun)}: a {w:0}×{h:0} px box does not fit in the {image.Width}×{image.Height} image."));
        return new AddPlacement(best, Inv($"No anchor named: place the {noun} at the free spot nearest the lower middle, {best} ({best.Width:0}×{best.Height:0} px, {100 * hf:0} % of the image's height)."));
    }

    /// <summary>The new object's name as the instruction gave it ("red book"), falling back to its noun or "object".</summary>
    internal static string NounOf(EditOperation op)
    {
        string? noun = op.Text(ArgumentNames.ObjectNoun);
        string? written = op.Text(ArgumentNames.Object) ?? op.Text(ArgumentNames.With);
        if (written is not null && noun is not null && written.EndsWith(noun, StringComparison.OrdinalIgnoreCase)) return written;
        if (noun is not null) return op.Text(ArgumentNames.ObjectColor) is { } c ? $"{c} {noun}" : noun;
        return written ?? "object";
    }

    /// <summary>The relation in words: "on top of", "to the left of", …</summary>
    internal static string Words(string relation) => relation switch
    {
        "on" => "on top of",
        "above" => "above",
        "below" => "under",
        "left_of" => "to the left of",
        "right_of" => "to the right of",
        "in_front_of" => "in front of",
        "behind" => "behind",
        "inside" => "inside",
        _ => "next to",
    };

    private static float Inside(Box b, Size image) => b.Area <= 0 ? 0 : b.Clamp(image.Width, image.Height).Area / b.Area;

    private static double Sq(double v) => v * v;

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
