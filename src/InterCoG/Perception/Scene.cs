using InterCoG.Imaging;

namespace InterCoG.Perception;

/// <summary>An object of the scene as the reasoning stage sees it.</summary>
/// <param name="Id">Stable id within the scene (1-based, in left-to-right order of detection output).</param>
/// <param name="ClassProbs">Probability per COCO class (80), see <see cref="Detection.ClassProbs"/>.</param>
/// <param name="ColorName">Dominant colour name measured from pixels inside the object (e.g. "red", "white").</param>
/// <param name="DepthProxy">0 (near the camera) .. 1 (far): from the bottom edge's height in the image.</param>
public sealed record SceneEntity(int Id, string Label, float Score, Box Box, float[] ClassProbs, string ColorName, double DepthProxy)
{
    /// <summary>Apparent size in pixels: the instance mask's area when it was measured (<see cref="MaskArea"/>), else the box's.</summary>
    public double Area => MaskArea ?? Box.Area;

    /// <summary>Pixels of the instance's mask when its attributes were measured on it (then <see cref="ColorName"/> is
    /// the mask's colour too); null while only the box is known.</summary>
    public double? MaskArea { get; init; }

    /// <summary>Too small to edit visibly (see <see cref="SceneBuilderOptions.MinEditableSidePx"/>): listed, but never
    /// a candidate of an edit and never the cause of an ambiguity.</summary>
    public bool TooSmall { get; init; }

    /// <summary>Probability that this entity is the COCO class <paramref name="label"/>.</summary>
    public float ProbOf(string label)
    {
        int i = CocoClasses.IndexOf(label);
        return i >= 0 && i < ClassProbs.Length ? ClassProbs[i] : (string.Equals(label, Label, StringComparison.OrdinalIgnoreCase) ? Score : 0f);
    }
}

/// <summary>Every object found in an image, plus the image's size.</summary>
public sealed record Scene(int Width, int Height, IReadOnlyList<SceneEntity> Entities)
{
    public SceneEntity? ById(int id) => Entities.FirstOrDefault(e => e.Id == id);
}
