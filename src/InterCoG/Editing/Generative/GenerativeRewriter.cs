using System.Globalization;
using InterCoG.Imaging;
using InterCoG.Perception;
using InterCoG.Programs;

namespace InterCoG.Editing.Generative;

/// <summary>The rewrite step of a generative edit: the grounded outcome in words, then the exact prompt and negative
/// prompt the server will get, and the box nothing beyond which may change.</summary>
public static class GenerativeRewriter
{
    /// <summary>E.g. "Replace object #3, the train at [10,20,300,200], with a red bus through a1111. Prompt: "…".
    /// Negative: "…". Nothing beyond [..] (its box grown by 25 %) and the feather band changes."</summary>
    /// <param name="op">The operation and its arguments.</param>
    /// <param name="targets">The grounded targets (the anchor of an add; the whole image, id 0, for style and background).</param>
    /// <param name="place">An add's placed box, else null.</param>
    /// <param name="prompt">The prompt the edit will send.</param>
    /// <param name="server">The server's name ("a1111", "openai").</param>
    /// <param name="growFraction">Growth of the box on each side that bounds the change (0.125 = 25 %).</param>
    /// <param name="image">The image's size, to clamp the bounding box.</param>
    public static string Rewrite(EditOperation op, IReadOnlyList<SceneEntity> targets, Box? place, GenerativePrompt prompt, string server, float growFraction, OpenCvSharp.Size image)
    {
        var t = targets[0];
        bool whole = t.Label == "image";
        string obj = targets.Count > 1
            ? string.Join(" and ", targets.Select(x => $"#{x.Id} {x.Label} at {x.Box}"))
            : $"object #{t.Id}, the {t.Label} at {t.Box}";
        if (op.Text(ArgumentNames.Part) is { } part) obj = $"the {part} of {obj}";
        string what = op.Name switch
        {
            Operations.Replace => $"Replace {obj} with {PromptWriter.A(AddPlacer.NounOf(op))}",
            Operations.Add when whole => $"Add {PromptWriter.A(AddPlacer.NounOf(op))} at {place}",
            Operations.Add => $"Add {PromptWriter.A(AddPlacer.NounOf(op))} {AddPlacer.Words(op.Text(ArgumentNames.Relation, "next_to")!)} {obj}, at {place}",
            Operations.Material => $"Make {obj} of {op.Text(ArgumentNames.Material, "?")}",
            Operations.Content => $"Change what {obj} shows to {op.Text(ArgumentNames.Content, "?")}",
            Operations.Text => $"Write \"{op.Text(ArgumentNames.Text, "")}\" on {obj}",
            Operations.Pose => $"Change the pose of {obj} to {op.Text(ArgumentNames.Pose, "?")}",
            Operations.Style => $"Restyle the whole picture as {op.Text(ArgumentNames.Style, "?")}",
            Operations.Background => $"Replace the background (everything but the objects kept) with {op.Text(ArgumentNames.Background, "?")}",
            _ => $"Apply {op.Name} to {obj}",
        };
        var box = place ?? (targets.Count > 1 ? targets.Select(x => x.Box).Aggregate((a, b) => new Box(Math.Min(a.X1, b.X1), Math.Min(a.Y1, b.Y1), Math.Max(a.X2, b.X2), Math.Max(a.Y2, b.Y2))) : t.Box);
        string bound = op.Name is Operations.Style or Operations.Background
            ? ""
            : string.Create(CultureInfo.InvariantCulture, $" Nothing beyond {box.Pad(growFraction).Clamp(image.Width, image.Height)} (the box grown by {200 * growFraction:0} %) and the feather band changes.");
        return $"{what} through {server}. Prompt: \"{prompt.Prompt}\". Negative: \"{prompt.Negative}\".{bound}";
    }
}
