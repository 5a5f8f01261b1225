using InterCoG.Imaging;
using InterCoG.Perception;
using InterCoG.Programs;

namespace InterCoG.Editing.Generative;

/// <summary>A generator's prompt and negative prompt.</summary>
public sealed record GenerativePrompt(string Prompt, string Negative);

/// <summary>Writes what a generative server is asked for, from the grounded program alone: the new thing and its
/// attributes ("a red bus"), where it goes ("on top of the traffic light"), the scene's other objects near the region
/// ("with a person and a car nearby") and a negative prompt (the replaced object's class among it, so it does not come
/// back). Pure: the rewrite step and the edit step get the same text from the same inputs.</summary>
public sealed class PromptWriter(PromptOptions? options = null)
{
    private readonly PromptOptions _o = options ?? new PromptOptions();

    /// <summary>The prompt for <paramref name="op"/> on <paramref name="target"/> (the anchor of an add; the whole image for
    /// style and background), <paramref name="others"/> being the scene's other detections, <paramref name="place"/> the
    /// new object's box of an add.</summary>
    public GenerativePrompt Write(EditOperation op, SceneEntity target, IReadOnlyList<SceneEntity>? others, Box? place = null)
    {
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(target);
        bool wholeImage = op.Name is Operations.Style or Operations.Background || target.Label == "image";
        // context: the sure detections near the region (the whole picture for whole-image operations)
        var around = wholeImage ? (Box?)null : (place ?? target.Box).Pad(0.75f);
        string context = Context(others ?? [], target, around);
        string label = op.Text(ArgumentNames.Part) is { } part ? $"{part} of a {target.Label}" : target.Label;
        string subject = A(label);
        string suffix = _o.PhotoSuffix;
        var negative = new List<string>(_o.Negative.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        string prompt;
        switch (op.Name)
        {
            case Operations.Replace:
            {
                string what = AddPlacer.NounOf(op);
                prompt = Join(A(what), context, suffix);
                string? newNoun = op.Text(ArgumentNames.ObjectCategory) ?? op.Text(ArgumentNames.ObjectNoun);
                if (!string.Equals(newNoun, target.Label, StringComparison.OrdinalIgnoreCase)) negative.Insert(0, target.Label);
                break;
            }
            case Operations.Add:
            {
                string what = A(AddPlacer.NounOf(op));
                string where = target.Label == "image" ? "" : $" {AddPlacer.Words(op.Text(ArgumentNames.Relation, "next_to")!)} the {target.Label}";
                prompt = Join(what + where, context, suffix);
                break;
            }
            case Operations.Material:
            {
                string m = op.Text(ArgumentNames.Material, "another material")!;
                prompt = Join(Adjectival(m) ? A($"{m} {label}") : $"{subject} made of {m}", context, suffix);
                break;
            }
            case Operations.Content:
                prompt = Join($"{subject} with {op.Text(ArgumentNames.Content, "new content")}", context, suffix);
                break;
            case Operations.Text:
                prompt = Join($"{subject} with the text \"{op.Text(ArgumentNames.Text, "")}\" written on it, clear legible lettering", context, suffix);
                negative.RemoveAll(n => n is "watermark");
                negative.Add("misspelled text");
                break;
            case Operations.Pose:
            {
                string pose = op.Text(ArgumentNames.Pose, "in another pose")!;
                prompt = Join(pose.Split(' ')[0].EndsWith("ing", StringComparison.Ordinal) ? $"{subject} {pose}" : $"{subject}, {pose}", context, suffix);
                break;
            }
            case Operations.Style:
            {
                string style = op.Text(ArgumentNames.Style, "painting")!;
                string scene = context.Length > 0 ? context.Replace("in a photo with ", "of a scene with ", StringComparison.Ordinal).Replace(" nearby", "", StringComparison.Ordinal) : "of the same scene";
                // "comic book style" is already a style: no "style style"
                string styled = style.EndsWith(" style", StringComparison.OrdinalIgnoreCase) || style.Equals("style", StringComparison.OrdinalIgnoreCase) ? style : style + " style";
                prompt = $"{styled} {scene}, same composition";
                break;
            }
            case Operations.Background:
            {
                string bg = op.Text(ArgumentNames.Background, "a new background")!;
                string front = context.Length > 0 ? context.Replace("in a photo with ", "behind ", StringComparison.Ordinal).Replace(" nearby", " in the foreground", StringComparison.Ordinal) : "";
                prompt = Join($"{bg} in the background", front, suffix);
                break;
            }
            default:
                prompt = Join($"{subject}, {op.Name}", context, suffix);
                break;
        }
        // a negative term the prompt asks for would cancel it ("a cartoon dog", "a cropped jacket")
        negative.RemoveAll(n => prompt.Contains(n, StringComparison.OrdinalIgnoreCase));
        return new GenerativePrompt(prompt, string.Join(", ", negative.Distinct(StringComparer.OrdinalIgnoreCase)));
    }

    /// <summary>"in a photo with a person and two cars nearby" from the sure detections inside <paramref name="around"/>
    /// (all of them when null), most frequent classes first; "" when there are none.</summary>
    private string Context(IReadOnlyList<SceneEntity> others, SceneEntity target, Box? around)
    {
        var near = others.Where(e => e.Id != target.Id && e.Score >= _o.ContextMinScore && (around is not { } r || r.Intersect(e.Box).Area > 0))
            .GroupBy(e => e.Label).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Take(_o.MaxContextNames).Select(g => g.Count() == 1 ? A(g.Key) : $"{Number(g.Count())} {Plural(g.Key)}").ToList();
        if (near.Count == 0) return "";
        string list = near.Count == 1 ? near[0] : string.Join(", ", near.Take(near.Count - 1)) + " and " + near[^1];
        return $"in a photo with {list} nearby";
    }

    private static string Join(params string[] parts) => string.Join(", ", parts.Where(p => p.Length > 0));

    /// <summary>"a bus", "an orange", "ski poles" (a plural keeps no article).</summary>
    internal static string A(string noun)
    {
        string n = noun.Trim();
        if (n.Length == 0) return n;
        // the head noun: "fruits of a cake" is plural by its first part
        int of = n.IndexOf(" of ", StringComparison.Ordinal);
        string last = (of > 0 ? n[..of] : n).Split(' ')[^1];
        if (last.Length > 3 && last.EndsWith('s') && !last.EndsWith("ss", StringComparison.Ordinal) && !last.EndsWith("us", StringComparison.Ordinal)) return n;
        return ("aeiou".Contains(char.ToLowerInvariant(n[0])) ? "an " : "a ") + n;
    }

    private static string Plural(string label) => label switch
    {
        "person" => "people",
        "bus" => "buses",
        "skis" or "scissors" or "sheep" => label,
        "knife" => "knives",
        _ when label.EndsWith('s') || label.EndsWith("ch", StringComparison.Ordinal) => label + "es",
        _ => label + "s",
    };

    private static string Number(int n) => n switch { 2 => "two", 3 => "three", 4 => "four", 5 => "five", _ => n.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    // "wooden", "metallic", "golden", "glassy": used before the noun; "leather", "stone": after "made of"
    private static bool Adjectival(string m)
    {
        string w = m.Trim().Split(' ')[^1].ToLowerInvariant();
        return w.EndsWith("en", StringComparison.Ordinal) || w.EndsWith("ic", StringComparison.Ordinal) || w.EndsWith("al", StringComparison.Ordinal)
            || w.EndsWith("ous", StringComparison.Ordinal) || w.EndsWith("y", StringComparison.Ordinal) || w.EndsWith("ed", StringComparison.Ordinal);
    }
}
