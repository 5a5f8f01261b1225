using InterCoG.Perception;
using InterCoG.Tracing;
using InterCoG.Programs;

namespace InterCoG.Reasoning;

/// <summary>Rewrites a request, once grounded, into an explicit outcome that names the object by id and box.</summary>
public static class Rewriter
{
    /// <summary>E.g. "Recolor object #7, the bottle at [412,220,468,301], to red, keeping its shading; change nothing else."</summary>
    public static string Rewrite(EditRequest request, SceneEntity target)
    {
        // Name the object by the category asked for (a box counted as a phone by probability is "the cell phone").
        string noun = request.Target.InVocabulary ? request.Target.Category : target.Label;
        string obj = $"object #{target.Id}, the {noun} at {target.Box}";
        if (request.Arguments.TryGetValue("part", out var part) && !string.IsNullOrEmpty(part)) obj = $"the {part} of {obj}";
        return request.Operation switch
        {
            Operations.Recolor => $"Recolor {obj}, to {request.Arguments.GetValueOrDefault("color", "?")}, keeping its shading; change nothing else.",
            Operations.Remove => $"Remove {obj}; fill the hole from its surroundings; change nothing else.",
            Operations.Ground => $"{char.ToUpperInvariant(obj[0])}{obj[1..]}, is the one meant; change nothing.",
            _ => $"Apply {request.Operation} to {obj}; change nothing else.",
        };
    }

    /// <summary>Append the rewrite as a "rewrite" step (with the target's box) to <paramref name="trace"/>; returns the text.</summary>
    public static string AppendTo(ChainTrace trace, EditRequest request, SceneEntity target)
    {
        string text = Rewrite(request, target);
        trace.Add(new TraceStep(Stages.Rewrite, text) { Boxes = [GroundingExecutor.Box(target, "target")] });
        return text;
    }
}
