using System.Text.Json.Serialization;

namespace InterCoG.Programs;

/// <summary>Canonical operation names (DESIGN.md).</summary>
public static class Operations
{
    public const string Recolor = "recolor";
    public const string Remove = "remove";
    public const string Replace = "replace";
    public const string Add = "add";
    public const string Blur = "blur";
    public const string Pixelate = "pixelate";
    public const string Brighten = "brighten";
    public const string Darken = "darken";
    public const string Saturate = "saturate";
    public const string Desaturate = "desaturate";
    public const string Move = "move";
    public const string Resize = "resize";
    public const string Flip = "flip";
    public const string Duplicate = "duplicate";
    public const string Cutout = "cutout";
    public const string Outline = "outline";
    /// <summary>A bare referring expression: find the object, edit nothing.</summary>
    public const string Ground = "ground";
}

/// <summary>The parsed instruction: what to do, with which arguments, to which object.</summary>
/// <param name="Operation">Canonical operation name, see <see cref="Operations"/>.</param>
/// <param name="Arguments">Operation arguments by name, e.g. { "color": "red" }.</param>
/// <param name="Target">The referring expression that names the object to edit.</param>
public sealed record EditRequest(string Operation, Dictionary<string, string> Arguments, ReferringExpression Target);

/// <summary>An ordinal pick: the <see cref="N"/>-th counted from <see cref="From"/>: left, right, top, bottom (position),
/// near, far (depth from the camera), large, small, tall, short (apparent size); "the second closest" is (2, near).</summary>
public sealed record Ordinal(int N, string From);

/// <summary>A spatial relation to another referred object. <see cref="Kind"/>: left_of, right_of, above, below, next_to,
/// closest_to, farthest_from, in_front_of, behind, on, inside, between (with <see cref="SecondAnchor"/>).</summary>
public sealed record Relation(string Kind, ReferringExpression Anchor)
{
    /// <summary>The second object of "between the X and the Y"; null for every other kind.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ReferringExpression? SecondAnchor { get; init; }
}

/// <summary>A referring expression over the scene (first version: category, colour, region, ordinal, one relation).</summary>
public sealed record ReferringExpression
{
    /// <summary>Detector vocabulary name (COCO) the noun maps onto, or the noun itself when outside it.</summary>
    public required string Category { get; init; }
    /// <summary>The noun as written, when it differs from <see cref="Category"/>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Noun { get; init; }
    /// <summary>False when the noun is outside the detector's vocabulary (reported, never dropped).</summary>
    public bool InVocabulary { get; init; } = true;
    /// <summary>Colour attribute, e.g. "white" in "the white cup".</summary>
    public string? Color { get; init; }
    /// <summary>Image region qualifier: left, right, top, bottom, middle, or a corner top_left, top_right, bottom_left,
    /// bottom_right (as in "the cup on the left", "the cup in the top left corner").</summary>
    public string? Region { get; init; }
    public Ordinal? Ordinal { get; init; }
    public Relation? Relation { get; init; }
    /// <summary>Further relations the object must also satisfy, after <see cref="Relation"/> ("the cup left of the
    /// laptop and next to the bowl"); null when there are none. Each anchor may itself carry relations (any depth).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<Relation>? MoreRelations { get; init; }
    /// <summary>A set is meant: its size ("both" = 2, "the two" = 2), or 0 for "all the"; null for one object.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Count { get; init; }
    /// <summary>What the object is not ("the cup that is not red", "not the big one"): the same category with the
    /// attributes to exclude; objects it picks out are dropped.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ReferringExpression? Negated { get; init; }
    /// <summary>Phrases the parser kept but cannot ground yet, e.g. "on the counter" (an anchor outside the
    /// detector's vocabulary, or a relation this version lacks); reported, never silently dropped.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Unresolved { get; init; }
}
