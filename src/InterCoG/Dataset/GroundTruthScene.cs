using InterCoG.Bench;
using InterCoG.Data;
using InterCoG.Perception;
using InterCoG.Reasoning;
using OpenCvSharp;

namespace InterCoG.Dataset;

/// <summary>The scene of an image built from its annotations (oracle boxes, as <see cref="GroundingBench"/> builds it),
/// with colour names measured inside each annotation's mask, and the annotation behind every entity.</summary>
public sealed class GroundTruthScene : IDisposable
{
    /// <summary>Entities 1..n (ids as <see cref="SceneBuilder"/> assigns them).</summary>
    public required Scene Scene { get; init; }

    /// <summary>Annotation behind each entity, by entity id.</summary>
    public required IReadOnlyDictionary<int, CocoAnnotation> AnnotationOf { get; init; }

    /// <summary>CV_8UC1 mask (255 inside, image size) of each entity, by entity id.</summary>
    public required IReadOnlyDictionary<int, Mat> MaskOf { get; init; }

    /// <summary>Detector labels with a crowd region (iscrowd) in this image: that class has members nobody annotated one
    /// by one, so no expression over it ("the second person from the left") can be checked against the truth. Objects of
    /// these labels stay in the scene as distractors but are never targets or anchors.</summary>
    public IReadOnlySet<string> CrowdLabels { get; init; } = new HashSet<string>();

    /// <summary>Whether entity <paramref name="entityId"/> belongs to a class with a crowd region in the image.</summary>
    public bool InCrowdedClass(int entityId) => Scene.Entities.FirstOrDefault(e => e.Id == entityId) is { } e && CrowdLabels.Contains(e.Label);

    /// <summary>Detector class index of a category: its COCO index, else the COCO class its name (or one of its
    /// '/'-separated names, e.g. VOC's "tv/monitor") maps onto through the noun lexicon; -1 when none.</summary>
    public static int ClassOf(CocoCategory category)
    {
        if (category.CocoIndex >= 0) return category.CocoIndex;
        foreach (string part in category.Name.Split('/', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            if (NounLexicon.Lookup(part.ToLowerInvariant()) is string coco) return CocoClasses.IndexOf(coco);
        return -1;
    }

    /// <summary>Build the scene of one image (<paramref name="bgr"/>: its 8-bit BGR pixels). Crowd annotations and
    /// categories outside the detector's vocabulary are left out, as the oracle benchmark leaves them out; the classes
    /// of crowd regions are noted in <see cref="CrowdLabels"/>.</summary>
    public static GroundTruthScene Build(CocoDataset coco, CocoImage image, Mat bgr, SceneBuilder builder)
    {
        var kept = coco.AnnotationsOf(image.Id).Where(a => !a.IsCrowd && ClassOf(coco.Category(a.CategoryId)) >= 0).ToList();
        var crowdLabels = coco.AnnotationsOf(image.Id).Where(a => a.IsCrowd).Select(a => ClassOf(coco.Category(a.CategoryId)))
            .Where(c => c >= 0).Select(c => CocoClasses.Names[c]).ToHashSet(StringComparer.Ordinal);
        var detections = GroundingBench.OracleDetections(coco, kept, ClassOf);
        var masks = kept.Select(a => CocoMasks.ToMask(a, bgr.Cols, bgr.Rows)).ToList();
        foreach (var m in masks)
            if (m.Rows != bgr.Rows || m.Cols != bgr.Cols)
                throw new InputException($"annotation mask is {m.Cols}x{m.Rows} but image {image.FileName} is {bgr.Cols}x{bgr.Rows}");
        var scene = builder.Build(bgr, detections, masks.Cast<Mat?>().ToList());
        // Entities come sorted with ties kept in input order, so the first unused annotation with the same label and
        // box is the one behind each entity (annotations with identical boxes and labels are interchangeable).
        var used = new bool[kept.Count];
        var annOf = new Dictionary<int, CocoAnnotation>();
        var maskOf = new Dictionary<int, Mat>();
        foreach (var e in scene.Entities)
        {
            int i = Enumerable.Range(0, kept.Count).First(k => !used[k] && detections[k].Label == e.Label &&
                                                            detections[k].Box.Clamp(bgr.Cols, bgr.Rows) == e.Box);
            used[i] = true;
            annOf[e.Id] = kept[i];
            maskOf[e.Id] = masks[i];
        }
        return new GroundTruthScene { Scene = scene, AnnotationOf = annOf, MaskOf = maskOf, CrowdLabels = crowdLabels };
    }

    /// <summary>Releases the masks.</summary>
    public void Dispose()
    {
        foreach (var m in MaskOf.Values) m.Dispose();
    }
}
