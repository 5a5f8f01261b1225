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
    /// <summary>Change what the object is made of (argument "material": "leather", "stone").</summary>
    public const string Material = "material";
    /// <summary>Change what the object shows or holds (argument "content": "flower pattern", "a cartoon", "juice").</summary>
    public const string Content = "content";
    /// <summary>Change the writing on the object (argument "text", as written: "SLOW", "No 7").</summary>
    public const string Text = "text";
    /// <summary>Restyle the whole picture (argument "style": "watercolor", "oil painting"); the target is the image.</summary>
    public const string Style = "style";
    /// <summary>Replace everything but the objects (argument "background": "a sunset beach"); the target is the image.</summary>
    public const string Background = "background";
    /// <summary>Change the object's posture (argument "pose": "sitting", "waving hand").</summary>
    public const string Pose = "pose";

    /// <summary>Operations that need a generative image model: the program is parsed and grounded, and without such a
    /// backend the run ends unsupported (exit 7) naming <see cref="GenerativeBackend"/>.</summary>
    public static IReadOnlySet<string> Generative { get; } =
        new HashSet<string>(StringComparer.Ordinal) { Replace, Add, Material, Content, Text, Style, Background, Pose };

    /// <summary>What the generative operations need, in words for messages (a property, not a constant: the constants of
    /// this class are the operation names, read by reflection for the language model's schema).</summary>
    public static string GenerativeBackend { get; } = "a generative image-editing backend (--gen-backend)";
}

/// <summary>Argument names of the programs (all values are strings; numbers in invariant culture).</summary>
public static class ArgumentNames
{
    /// <summary>recolor/outline: target colour (palette or CSS/X11 name, or "#rrggbb").</summary>
    public const string Color = "color";
    /// <summary>The part of the target the edit is limited to ("shirt", "hair", "face").</summary>
    public const string Part = "part";
    /// <summary>replace: the new object as written ("a white dog" → "white dog").</summary>
    public const string With = "with";
    /// <summary>add: the object to add as written ("blue towel").</summary>
    public const string Object = "object";
    /// <summary>replace/add: the new object's head noun ("dog"), its detector class when it has one ("dog"), its colour.</summary>
    public const string ObjectNoun = "object_noun";
    public const string ObjectCategory = "object_category";
    public const string ObjectColor = "object_color";
    /// <summary>add/move: where, relative to the target (a relation kind such as "on", "left_of").</summary>
    public const string Relation = "relation";
    /// <summary>material/content/text/style/background/pose: the new value as written.</summary>
    public const string Material = "material", Content = "content", Text = "text", Style = "style", Background = "background", Pose = "pose";
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
    /// <summary>The part of the object meant ("the man's shirt" → person, part "shirt"; "the dog's collar"); null for the whole object.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Part { get; init; }
    /// <summary>In a request of several steps: the 1-based step whose result this expression means ("it" after "make the
    /// dog red", "the white dog" after "change the cat to a white dog"); null when it names an object of the input.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Step { get; init; }
    /// <summary>Category of the whole picture: the target of style and background edits (and of an add with no anchor).</summary>
    public const string Image = "image";
    /// <summary>Phrases the parser kept but cannot ground yet, e.g. "on the counter" (an anchor outside the
    /// detector's vocabulary, or a relation this version lacks); reported, never silently dropped.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Unresolved { get; init; }
}
