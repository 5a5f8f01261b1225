using System.Text.Json.Nodes;
using InterCoG.Perception;
using InterCoG.Programs;
using OpenCvSharp;

namespace InterCoG.Editing;

/// <summary>What an edit gets: the 8-bit BGR working image, the target's mask (CV_8UC1, 255 inside, image size),
/// the operation with its arguments and the grounded target (never the sentence or the referring expression).</summary>
public sealed record EditContext(Mat Bgr, Mat Mask, EditOperation Operation, SceneEntity Target)
{
    /// <summary>The scene's other detections (not the target), when the caller has them: a removal keeps their
    /// boxes out of its fill sources. Null or empty = unknown.</summary>
    public IReadOnlyList<SceneEntity>? Others { get; init; }

    /// <summary>The grounded destination anchor of "move X next to Y" (the Y), or null.</summary>
    public SceneEntity? Anchor { get; init; }

    /// <summary>Every target when the instruction meant a set ("both cups"; <see cref="Mask"/> is their union), or null
    /// for the single <see cref="Target"/>.</summary>
    public IReadOnlyList<SceneEntity>? Targets { get; init; }

    /// <summary>"add": the new object's box (XYXY, input pixels), placed by the chain from the relation and the anchor
    /// (<see cref="Target"/>); null for every other operation.</summary>
    public Imaging.Box? Place { get; init; }

    /// <summary>How a removal (and the hole a move, resize or flip leaves) is filled; null: the backend's default.</summary>
    public FillMethod? Fill { get; init; }
}

/// <summary>An edit's result: the edited 8-bit BGR image (same size) and the region it was allowed to change
/// (CV_8UC1: the target mask, grown where the operation needed more, e.g. a removal's dilated hole). The compositor
/// keeps every pixel farther than the feather band from <see cref="Region"/> bit-identical to the input.</summary>
public sealed record EditResult(Mat Edited, Mat Region, string Text) : IDisposable
{
    /// <summary>Numbers the edit measured (e.g. target colour in Lab), by name.</summary>
    public Dictionary<string, double>? Data { get; init; }

    /// <summary>The model or method that made the pixels, when it is worth naming (e.g. "MI-GAN" for a removal's fill).</summary>
    public string? Model { get; init; }

    /// <summary>Set by "cutout": the object as a CV_8UC4 BGRA image of the input's size (alpha 255 on the mask, 0
    /// elsewhere). The engine saves this instead of the composite, as PNG (the only output format with alpha);
    /// <see cref="Edited"/> is then the unchanged input and <see cref="Region"/> the mask.</summary>
    public Mat? Bgra { get; init; }

    /// <summary>A remote backend's exchange for the trace: endpoint, the request exactly as sent with images described
    /// (never their bytes, never a key) and the response time; null for local edits.</summary>
    public JsonObject? Backend { get; init; }

    public void Dispose() { Edited.Dispose(); Region.Dispose(); Bgra?.Dispose(); }
}

/// <summary>Applies operations inside a mask. A generative inpainter or remote service plugs in here.</summary>
public interface IEditBackend
{
    string Name { get; }
    bool Supports(string operation);
    EditResult Apply(EditContext context);
}
