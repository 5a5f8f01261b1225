using OpenCvSharp;

namespace InterCoG.Imaging;

/// <summary>Uncompressed COCO run-length encoding in pycocotools' layout: <see cref="Size"/> = [height, width];
/// <see cref="Counts"/> are column-major run lengths that start with a (possibly empty) run of zeros.</summary>
public sealed record CocoRle(int[] Size, int[] Counts)
{
    /// <summary>Encode a single-channel 8-bit mask (non-zero = inside).</summary>
    public static CocoRle Encode(Mat mask)
    {
        if (mask.Type() != MatType.CV_8UC1) throw new ArgumentException($"mask must be CV_8UC1, got {mask.Type()}");
        int h = mask.Rows, w = mask.Cols;
        var counts = new List<int>();
        byte[] data = ToBytes(mask);
        bool current = false;
        int run = 0;
        for (int x = 0; x < w; x++)
            for (int y = 0; y < h; y++)
            {
                bool v = data[y * w + x] != 0;
                if (v != current) { counts.Add(run); run = 0; current = v; }
                run++;
            }
        counts.Add(run);
        return new CocoRle([h, w], counts.ToArray());
    }

    /// <summary>Decode into a CV_8UC1 mask with 255 inside, 0 outside.</summary>
    public Mat Decode()
    {
        int h = Size[0], w = Size[1];
        var data = new byte[(long)h * w];
        long pos = 0;
        for (int i = 0; i < Counts.Length; i++)
        {
            if (i % 2 == 1)
                for (long p = pos; p < pos + Counts[i]; p++) data[(p % h) * w + p / h] = 255;
            pos += Counts[i];
        }
        var mask = new Mat(h, w, MatType.CV_8UC1);
        System.Runtime.InteropServices.Marshal.Copy(data, 0, mask.Data, data.Length);
        return mask;
    }

    private static byte[] ToBytes(Mat mask)
    {
        using var continuous = mask.Clone(); // Clone is always continuous
        var data = new byte[(long)mask.Rows * mask.Cols];
        System.Runtime.InteropServices.Marshal.Copy(continuous.Data, data, 0, data.Length);
        return data;
    }

    /// <summary>Number of pixels inside the mask.</summary>
    public long Area => Counts.Where((_, i) => i % 2 == 1).Sum(c => (long)c);
}
