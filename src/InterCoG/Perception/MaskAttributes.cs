using System.Globalization;
using InterCoG.Perception.Segmentation;
using OpenCvSharp;

namespace InterCoG.Perception;

/// <summary>Measures attributes on instance masks instead of boxes: each asked entity is segmented (competing with the
/// instances overlapping it, so a dog's colour is not read off the bicycle behind it), its colour name is read from its
/// mask's pixels and its area becomes the mask's pixel count (<see cref="SceneEntity.MaskArea"/>), which "the big …" /
/// "the small …" then compare.</summary>
public sealed class MaskAttributes(InstanceMasker masker, SceneBuilderOptions? options = null)
{
    private readonly SceneBuilderOptions _options = options ?? new SceneBuilderOptions();

    /// <summary>A copy of <paramref name="scene"/> whose entities <paramref name="ids"/> carry mask colour and area
    /// (entities whose mask comes out empty keep their box values), plus one sentence per measured entity.
    /// <paramref name="cache"/> keeps the decoded masks for the later stages of the same run.</summary>
    public (Scene Scene, string Text) Measure(Mat bgr, Scene scene, IReadOnlyCollection<int> ids, MaskScoreCache cache)
    {
        var prompts = scene.Entities.Select(InstancePrompt.Of).ToList();
        var measured = new Dictionary<int, (string Color, double Area)>();
        foreach (var e in scene.Entities.Where(e => ids.Contains(e.Id)))
        {
            using var masks = masker.Mask(bgr, [InstancePrompt.Of(e)], prompts, cache);
            int area = Cv2.CountNonZero(masks.Target);
            if (area == 0) continue;
            var rect = Cv2.BoundingRect(masks.Target);
            measured[e.Id] = (ColorNamer.Name(bgr, rect, masks.Target, _options.Color), area);
        }
        var entities = scene.Entities.Select(e => measured.TryGetValue(e.Id, out var m) ? e with { ColorName = m.Color, MaskArea = m.Area } : e).ToList();
        string text = measured.Count == 0
            ? "No mask to measure attributes on; colours and sizes stay those of the boxes."
            : "Attributes measured on the instance masks: " + string.Join(", ", measured.OrderBy(kv => kv.Key)
                .Select(kv => string.Create(CultureInfo.InvariantCulture, $"#{kv.Key} {kv.Value.Color}, {kv.Value.Area:0} px"))) + ".";
        return (scene with { Entities = entities }, text);
    }
}
