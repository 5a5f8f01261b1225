using InterCoG.Chain;
using InterCoG.Imaging;
using InterCoG.Perception;
using InterCoG.Reasoning;
using InterCoG.Tracing;

namespace InterCoG.Tests.Reasoning;

/// <summary>Hand-made scenes for the reasoning tests.</summary>
internal static class ReasoningScenes
{
    /// <summary>An entity with its label at <paramref name="score"/> and optional extra class probabilities.</summary>
    public static SceneEntity E(int id, string label, float x1, float y1, float x2, float y2, string color = "white",
        float score = 0.9f, params (string Label, float P)[] extra)
    {
        var probs = new float[CocoClasses.Names.Length];
        probs[CocoClasses.IndexOf(label)] = score;
        foreach (var (l, p) in extra) probs[CocoClasses.IndexOf(l)] = p;
        return new SceneEntity(id, label, score, new Box(x1, y1, x2, y2), probs, color, 0.5);
    }

    /// <summary>Parse <paramref name="text"/> (it must parse) and ground its target over <paramref name="scene"/>.</summary>
    public static GroundingOutcome Ground(string text, Scene scene)
    {
        var r = new InstructionParser().Parse(text);
        Assert.True(r.Parsed, r.Reason);
        return new GroundingExecutor().Execute(r.Request!.Target, scene, Trace(text));
    }

    /// <summary>The id of the one object <paramref name="text"/> grounds to (it must be unique).</summary>
    public static int Pick(string text, Scene scene)
    {
        var o = Ground(text, scene);
        Assert.True(o.Kind == GroundingKind.Unique, $"{text}: {o.Kind} {o.Message}");
        return o.Target!.Id;
    }

    public static Scene S(params SceneEntity[] es) => new(1000, 800, es);

    public static ChainTrace Trace(string instruction = "test") =>
        new() { Image = new TraceImage("mem.png", 1000, 800, ""), Instruction = instruction };
}
