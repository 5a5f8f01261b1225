using OpenCvSharp;

namespace InterCoG.Editing;

/// <summary>Keeps other objects' pixels out of an edit: where a protected mask (another instance's pixels, see
/// <c>InstanceMasks.Protected</c>) lies, the edited image takes the input's values back and the region loses those
/// pixels, so neither the edit nor the compositor's feather band can change them.</summary>
public static class ProtectedPixels
{
    /// <summary>The in-place operations whose result must never touch another instance (recolor, remove, blur,
    /// pixelate, brighten, darken, saturate, desaturate). Geometric edits, flips and outlines draw outside the object
    /// by design and are left as they are.</summary>
    public static bool Applies(string operation) => operation is Programs.Operations.Recolor or Programs.Operations.Remove
        or Programs.Operations.Blur or Programs.Operations.Pixelate or Programs.Operations.Brighten or Programs.Operations.Darken
        or Programs.Operations.Saturate or Programs.Operations.Desaturate;

    /// <summary>Copy <paramref name="inputBgr"/>'s pixels into <paramref name="editedBgr"/> under
    /// <paramref name="protectedMask"/> and clear them from <paramref name="region"/> (all CV_8UC3/CV_8UC1 of one
    /// size; edited and region are changed in place). Returns how many protected pixels the edit had changed or
    /// held in its region.</summary>
    public static int Restore(Mat inputBgr, Mat editedBgr, Mat region, Mat protectedMask)
    {
        MaskOps.CheckMask(region, inputBgr.Size());
        MaskOps.CheckMask(protectedMask, inputBgr.Size());
        if (editedBgr.Size() != inputBgr.Size() || editedBgr.Type() != inputBgr.Type())
            throw new ArgumentException("edited and input images differ in size or type", nameof(editedBgr));
        using var diff = new Mat();
        Cv2.Absdiff(inputBgr, editedBgr, diff);
        using var gray = new Mat();
        using (var ones = Mat.FromPixelData(1, 3, MatType.CV_32FC1, new float[] { 1, 1, 1 }))
            Cv2.Transform(diff, gray, ones); // any channel differing → non-zero
        using var touched = new Mat();
        Cv2.Compare(gray, 0, touched, CmpTypes.GT);
        Cv2.BitwiseOr(touched, region, touched);
        Cv2.BitwiseAnd(touched, protectedMask, touched);
        int n = Cv2.CountNonZero(touched);
        if (n == 0) return 0;
        inputBgr.CopyTo(editedBgr, touched);
        region.SetTo(Scalar.All(0), touched);
        return n;
    }
}
