using InterCoG.Imaging;
using OpenCvSharp;

namespace InterCoG.Editing;

/// <summary>Puts an edit back into the input at its full depth and channel layout. Blend weight: 1 inside the region,
/// falling linearly to 0 at FeatherPx (Euclidean distance) outside it; everywhere else the output holds exactly the
/// input's values (bit-identical, 16-bit included). Layout: 8/16-bit kept; BGRA keeps the input's alpha; a gray input
/// stays gray unless the blended pixels carry colour, then the output is BGR (gray replicated exactly).</summary>
public static class Compositor
{
    /// <summary>Composites <paramref name="editedBgr"/> (CV_8UC3, input size) over <paramref name="input"/> through
    /// <paramref name="region"/> (CV_8UC1, non-zero inside); returns a new Mat in the input's depth and layout.
    /// 16-bit results add the 8-bit change ×257 to the input, so unchanged 16-bit detail is not quantised.</summary>
    public static unsafe Mat Composite(LoadedImage input, Mat editedBgr, Mat region, int featherPx = 8)
    {
        ArgumentNullException.ThrowIfNull(input);
        Recolorer.CheckImage(editedBgr);
        if (editedBgr.Size() != input.Bgr.Size())
            throw new ArgumentException($"edited image is {editedBgr.Width}x{editedBgr.Height}, input is {input.Width}x{input.Height}", nameof(editedBgr));
        MaskOps.CheckMask(region, input.Bgr.Size());
        featherPx = Math.Max(0, featherPx);
        Mat orig = input.Original;
        int ch = orig.Channels();
        bool is16 = orig.Depth() == MatType.CV_16U;
        if (!is16 && orig.Depth() != MatType.CV_8U)
            throw new ArgumentException($"input depth {orig.Type()} is not 8- or 16-bit", nameof(input));

        var bounds = Cv2.BoundingRect(region);
        if (bounds.Width == 0) return orig.Clone();
        var roi = MaskOps.Pad(bounds, featherPx + 1, region.Size());

        // Weight over the ROI: 1 inside, 1 - d/FeatherPx at distance d outside, 0 from FeatherPx on.
        using var roiRegion = new Mat(region, roi);
        using var weight = new Mat(roi.Size, MatType.CV_32FC1);
        using (var outside = new Mat())
        using (var dist = new Mat())
        {
            Cv2.Compare(roiRegion, 0, outside, CmpTypes.EQ);
            Cv2.DistanceTransform(outside, dist, DistanceTypes.L2, DistanceTransformMasks.Precise);
            float f = featherPx;
            for (int y = 0; y < roi.Height; y++)
            {
                float* d = (float*)dist.Ptr(y), w = (float*)weight.Ptr(y);
                for (int x = 0; x < roi.Width; x++)
                    w[x] = d[x] <= 0 ? 1f : f <= 0 || d[x] >= f ? 0f : 1f - d[x] / f;
            }
        }

        using var roiEdit = new Mat(editedBgr, roi);
        using var roiIn8 = new Mat(input.Bgr, roi);
        bool toColor = ch == 1 && HasColour(roiEdit, weight);
        Mat output;
        if (ch == 1 && toColor)
        {
            output = new Mat();
            Cv2.CvtColor(orig, output, ColorConversionCodes.GRAY2BGR);
        }
        else output = orig.Clone();
        int outCh = output.Channels();
        int colorCh = outCh == 1 ? 1 : 3;
        float unit = is16 ? 257f : 1f;
        float max = is16 ? 65535f : 255f;

        using var roiOut = new Mat(output, roi);
        for (int y = 0; y < roi.Height; y++)
        {
            float* w = (float*)weight.Ptr(y);
            byte* e = (byte*)roiEdit.Ptr(y);
            byte* i8 = (byte*)roiIn8.Ptr(y);
            byte* o8 = (byte*)roiOut.Ptr(y);
            ushort* o16 = (ushort*)roiOut.Ptr(y);
            for (int x = 0; x < roi.Width; x++)
            {
                float wx = w[x];
                if (wx <= 0f) continue;
                for (int c = 0; c < colorCh; c++)
                {
                    int delta = e[3 * x + c] - i8[3 * x + c];
                    if (delta == 0) continue;
                    int at = outCh * x + c;
                    float cur = is16 ? o16[at] : o8[at];
                    float v = Math.Clamp(MathF.Round(cur + wx * delta * unit), 0f, max);
                    if (is16) o16[at] = (ushort)v; else o8[at] = (byte)v;
                }
            }
        }
        return output;
    }

    /// <summary>True when any weighted pixel of the edit has unequal B, G, R.</summary>
    private static unsafe bool HasColour(Mat roiEdit, Mat weight)
    {
        int rows = roiEdit.Rows, cols = roiEdit.Cols;
        for (int y = 0; y < rows; y++)
        {
            byte* e = (byte*)roiEdit.Ptr(y);
            float* w = (float*)weight.Ptr(y);
            for (int x = 0; x < cols; x++)
                if (w[x] > 0 && (e[3 * x] != e[3 * x + 1] || e[3 * x + 1] != e[3 * x + 2])) return true;
        }
        return false;
    }
}
