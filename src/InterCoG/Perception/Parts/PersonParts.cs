using System.Globalization;
using OpenCvSharp;

namespace InterCoG.Perception.Parts;

/// <summary>Where a part of an upright person lies, as a band of rows in fractions (0 = the person's box's top edge,
/// 1 = its bottom edge) and whether skin-coloured pixels are left out of it.</summary>
/// <param name="Top">First row of the band, 0..1 of the box's height.</param>
/// <param name="Bottom">Last row of the band, 0..1 of the box's height.</param>
/// <param name="NoSkin">Leave out skin-coloured pixels (hair and garments; not a face or a head to blur).</param>
public sealed record PartBand(double Top, double Bottom, bool NoSkin);

/// <summary>A part's mask and how it was found.</summary>
/// <param name="Mask">CV_8UC1, image-sized, 255 inside the part (a subset of the object's mask).</param>
/// <param name="Text">One sentence for the trace: the band, whether skin was left out, the pixel count.</param>
public sealed record PartMask(Mat Mask, string Text) : IDisposable
{
    public void Dispose() => Mask.Dispose();
}

/// <summary>Parts of a person ("her hair", "his shirt", "the girl's dress", "the face of the man") from the person's mask,
/// the rows of the person's detected box (the detector sees the whole figure even where the mask misses dark clothes)
/// and the proportions of an upright human figure (head about an eighth of the height, hips at about half, knees at
/// about three quarters), with skin-coloured pixels (YCrCb: Y ≥ 40, Cr 135..180, Cb 85..135) left out of hair and garments.
/// It assumes the person stands and is seen whole; a seated or cut-off figure gets the wrong rows, and the trace says
/// which rows were used. A human-parsing model would replace this behind the same call.</summary>
public static class PersonParts
{
    private static readonly Dictionary<string, PartBand> Bands = new(StringComparer.Ordinal)
    {
        ["hair"] = new(0.00, 0.14, true),
        ["face"] = new(0.00, 0.16, false), // the whole head: what a blurred or pixelated face must hide
        ["hat"] = new(0.00, 0.10, true), ["cap"] = new(0.00, 0.10, true), ["helmet"] = new(0.00, 0.12, true),
        ["scarf"] = new(0.12, 0.24, true),
        ["shirt"] = new(0.14, 0.55, true), ["tshirt"] = new(0.14, 0.55, true), ["top"] = new(0.14, 0.55, true),
        ["jacket"] = new(0.14, 0.58, true), ["coat"] = new(0.14, 0.70, true), ["sweater"] = new(0.14, 0.55, true),
        ["hoodie"] = new(0.10, 0.58, true), ["vest"] = new(0.14, 0.52, true), ["jersey"] = new(0.14, 0.55, true),
        ["dress"] = new(0.14, 0.80, true),
        ["pants"] = new(0.48, 0.94, true), ["trousers"] = new(0.48, 0.94, true), ["jeans"] = new(0.48, 0.94, true),
        ["shorts"] = new(0.48, 0.70, true), ["skirt"] = new(0.48, 0.78, true),
        ["shoes"] = new(0.92, 1.00, true), ["boots"] = new(0.80, 1.00, true),
        ["clothes"] = new(0.14, 0.96, true), ["outfit"] = new(0.14, 0.96, true), ["uniform"] = new(0.14, 0.96, true),
        ["suit"] = new(0.14, 0.96, true),
    };

    /// <summary>The parts this class can place, in ordinal order.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Bands.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Whether <paramref name="part"/> (singular, lower case) is a part this class can place.</summary>
    public static bool Knows(string part) => Bands.ContainsKey(part);

    /// <summary>The band used for <paramref name="part"/>, or null when unknown.</summary>
    public static PartBand? BandOf(string part) => Bands.GetValueOrDefault(part);

    /// <summary>The part of the person whose mask is <paramref name="personMask"/> (CV_8UC1, image-sized) and detected box
    /// <paramref name="box"/> in <paramref name="bgr"/> (CV_8UC3): the mask's pixels in the part's band of the box's rows.
    /// With skin left out, a band that would keep under a tenth of its pixels keeps them all (a garment the colour of
    /// skin). Returns null for an unknown part or an empty box; the mask is empty when the person's mask misses the band.</summary>
    public static PartMask? Find(Mat bgr, Mat personMask, Imaging.Box box, string part)
    {
        if (BandOf(part) is not PartBand band) return null;
        var bounds = box.ToRect(personMask.Cols, personMask.Rows);
        if (bounds.Width <= 0 || bounds.Height <= 0) return null;
        int top = bounds.Y + (int)Math.Round(band.Top * bounds.Height), bottom = bounds.Y + (int)Math.Round(band.Bottom * bounds.Height);
        top = Math.Clamp(top, bounds.Y, bounds.Bottom - 1);
        bottom = Math.Clamp(bottom, top + 1, bounds.Bottom);
        var rows = new Rect(bounds.X, top, bounds.Width, bottom - top);
        var result = new Mat(personMask.Size(), MatType.CV_8UC1, Scalar.All(0));
        using (var dst = new Mat(result, rows))
        using (var src = new Mat(personMask, rows))
            src.CopyTo(dst);
        int bandPx = Cv2.CountNonZero(result);
        string skin = "";
        if (band.NoSkin && bandPx > 0)
        {
            using var crop = new Mat(bgr, rows);
            using var ycc = new Mat();
            Cv2.CvtColor(crop, ycc, ColorConversionCodes.BGR2YCrCb);
            using var isSkin = new Mat();
            Cv2.InRange(ycc, new Scalar(40, 135, 85), new Scalar(255, 180, 135), isSkin); // very dark pixels (Y < 40) are hair or shadow, not skin
            using var keep = new Mat();
            Cv2.BitwiseNot(isSkin, keep);
            using var bandRoi = new Mat(result, rows);
            using var kept = new Mat();
            Cv2.BitwiseAnd(bandRoi, keep, kept);
            int keptPx = Cv2.CountNonZero(kept);
            if (keptPx >= bandPx / 10)
            {
                kept.CopyTo(bandRoi);
                skin = $", {bandPx - keptPx} skin-coloured px left out";
            }
            else skin = ", kept whole (almost all of it is skin-coloured)";
        }
        int px = Cv2.CountNonZero(result);
        var inv = CultureInfo.InvariantCulture;
        string text = string.Format(inv, "Part '{0}': the person's mask in rows {1}–{2} ({3:0}–{4:0} % of its box's height, as on an upright figure){5}; {6} px.",
            part, top, bottom - 1, band.Top * 100, band.Bottom * 100, skin, px);
        return new PartMask(result, text);
    }
}
