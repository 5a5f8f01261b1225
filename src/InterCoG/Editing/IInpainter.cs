using OpenCvSharp;

namespace InterCoG.Editing;

/// <summary>How a removal fills its hole (the <c>--fill</c> choice).</summary>
public enum FillMethod
{
    /// <summary>MI-GAN (Sargsyan et al., ICCV 2023), a learned inpainter: continues the scene's texture and structure.</summary>
    MiGan,
    /// <summary>OpenCV's Telea inpainting plus mirrored fine texture: smooth, blurs holes wider than ~15 px.</summary>
    Telea,
    /// <summary>Exemplar-based fill on a pyramid (<see cref="PatchInpainter"/>): continues texture and straight edges.</summary>
    Patch,
    /// <summary>OpenCV contrib xphoto shift-map inpainting (He and Sun 2012), run in CIELab.</summary>
    ShiftMap,
    /// <summary>OpenCV contrib xphoto frequency-selective reconstruction, fast preset.</summary>
    Fsr,
}

/// <summary>The names of <see cref="FillMethod"/> on the command line, in the API and in the studio.</summary>
public static class FillMethods
{
    private static readonly (string Name, FillMethod Method)[] Table =
    [
        ("migan", FillMethod.MiGan), ("telea", FillMethod.Telea), ("patch", FillMethod.Patch),
        ("shiftmap", FillMethod.ShiftMap), ("fsr", FillMethod.Fsr),
    ];

    /// <summary>Every name, in documentation order: migan, telea, patch, shiftmap, fsr.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Table.Select(t => t.Name)];

    /// <summary>The lower-case name of <paramref name="method"/> ("migan", "telea", …).</summary>
    public static string Name(FillMethod method) => Table.First(t => t.Method == method).Name;

    /// <summary>The method named <paramref name="name"/> (case-insensitive, surrounding blanks ignored); throws
    /// <see cref="InputException"/> (exit 2) listing the names for anything else.</summary>
    public static FillMethod Parse(string name)
    {
        string n = (name ?? "").Trim().ToLowerInvariant();
        foreach (var t in Table)
            if (t.Name == n) return t.Method;
        throw new InputException($"unknown fill '{name}': use one of {string.Join(", ", Names)}");
    }
}

/// <summary>A filled context crop: <see cref="Filled"/> is CV_8UC3 of the crop's size, holding the fill inside the hole
/// (pixels outside it are not used); <see cref="Scale"/> is the resolution the fill was computed at relative to the
/// image (1 = full resolution, 0.5 = half); <see cref="Detail"/> says how, for the trace (e.g. "a 540×540 crop run
/// at 512×512").</summary>
public sealed record InpaintResult(Mat Filled, double Scale, string Detail) : IDisposable
{
    public void Dispose() => Filled.Dispose();
}

/// <summary>Fills a hole in a crop of an image. <see cref="Context"/> says which crop the fill wants around a hole;
/// the caller cuts it and pastes back only the hole's pixels.</summary>
public interface IInpainter
{
    /// <summary>Which method this is.</summary>
    FillMethod Method { get; }

    /// <summary>The name shown in the trace ("MI-GAN", "Telea", …).</summary>
    string Name { get; }

    /// <summary>Whether the fill is shown a known rim of the forbidden pixels next to the hole, so it meets its
    /// surroundings (the OpenCV and exemplar fills); false for a learned fill that would continue the neighbour from
    /// that rim into the hole, for which the whole neighbour is unknown.</summary>
    bool KeepsForbiddenRim => true;

    /// <summary>The crop (x, y, width, height in image pixels, inside <paramref name="imageSize"/>) this fill works on
    /// for a hole whose bounding box is <paramref name="holeBox"/>.</summary>
    Rect Context(Rect holeBox, Size imageSize);

    /// <summary>Fills <paramref name="hole"/> (CV_8UC1, non-zero = fill) in <paramref name="bgr"/> (CV_8UC3, the
    /// crop); <paramref name="forbidden"/> (CV_8UC1, non-zero = another object, disjoint from the hole) must never be a
    /// fill source. Deterministic.</summary>
    InpaintResult Fill(Mat bgr, Mat hole, Mat forbidden);
}

/// <summary>Context rectangles shared by the fills.</summary>
internal static class FillContext
{
    /// <summary><paramref name="holeBox"/> grown on every side by max(<paramref name="minPx"/>, ⌈fraction × its longer
    /// side⌉), clamped to the image.</summary>
    public static Rect Padded(Rect holeBox, double fraction, int minPx, Size imageSize) =>
        MaskOps.Pad(holeBox, Math.Max(minPx, (int)Math.Ceiling(fraction * Math.Max(holeBox.Width, holeBox.Height))), imageSize);

    /// <summary>A square of side <paramref name="side"/> centred on <paramref name="holeBox"/>, shifted to lie inside
    /// the image, and clipped where the image is smaller than it.</summary>
    public static Rect Square(Rect holeBox, int side, Size imageSize)
    {
        int w = Math.Min(side, imageSize.Width), h = Math.Min(side, imageSize.Height);
        int x = holeBox.X + holeBox.Width / 2 - w / 2, y = holeBox.Y + holeBox.Height / 2 - h / 2;
        x = Math.Clamp(x, 0, imageSize.Width - w);
        y = Math.Clamp(y, 0, imageSize.Height - h);
        return new Rect(x, y, w, h);
    }
}
