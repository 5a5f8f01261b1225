using OpenCvSharp;

namespace InterCoG.Imaging;

/// <summary>Uncompressed COCO run-length encoding in pycocotools' layout: <see cref="Size"/> = [height, width];
/// <see cref="Counts"/> are column-major run lengths that start with a (possibly empty) run of zeros and add up to
/// height × width. <see cref="ToCompressedString"/> and <see cref="FromCompressedString"/> convert to and from the
/// compressed string form of COCO results files (pycocotools' rleToString / rleFrString).</summary>
public sealed record CocoRle(int[] Size, int[] Counts)
{
    /// <summary>Runs checked against <paramref name="size"/> ([height, width], each 1..65535, as pycocotools' masks):
    /// no negative run, and together exactly height × width. Throws <see cref="InputException"/> otherwise.</summary>
    public static CocoRle FromCounts(int[] size, int[] counts)
    {
        ArgumentNullException.ThrowIfNull(size);
        ArgumentNullException.ThrowIfNull(counts);
        if (size.Length != 2 || size[0] is < 1 or > 65535 || size[1] is < 1 or > 65535)
            throw new InputException($"RLE size must be [height, width] with sides 1..65535, got [{string.Join(", ", size)}]");
        long total = 0;
        foreach (int c in counts)
        {
            if (c < 0) throw new InputException($"RLE counts hold a negative run ({c})");
            total += c;
        }
        if (total != (long)size[0] * size[1])
            throw new InputException($"RLE runs cover {total} pixels, not the {(long)size[0] * size[1]} of a {size[0]}×{size[1]} mask");
        return new CocoRle([size[0], size[1]], counts);
    }

    /// <summary>Reads the compressed string form ("counts": "…" of pycocotools), checked as <see cref="FromCounts"/>.</summary>
    public static CocoRle FromCompressedString(int[] size, string compressed) => FromCounts(size, DecompressCounts(compressed));

    /// <summary>The compressed string form of <see cref="Counts"/> (characters '0'..'o').</summary>
    public string ToCompressedString() => CompressCounts(Counts);

    /// <summary>pycocotools' compression of run lengths: from the fourth run on, each is stored as the difference to the
    /// run two before; every value then goes out 5 bits at a time, least significant first, as characters 48 + (0..63)
    /// whose bit 0x20 says another character follows and whose bit 0x10, on the last one, carries the sign.</summary>
    public static string CompressCounts(IReadOnlyList<int> runs)
    {
        var sb = new System.Text.StringBuilder(runs.Count * 2);
        for (int i = 0; i < runs.Count; i++)
        {
            long x = runs[i];
            if (i > 2) x -= runs[i - 2];
            bool more = true;
            while (more)
            {
                long c = x & 0x1f;
                x >>= 5;
                more = (c & 0x10) != 0 ? x != -1 : x != 0;
                if (more) c |= 0x20;
                sb.Append((char)(c + 48));
            }
        }
        return sb.ToString();
    }

    /// <summary>The run lengths of a compressed string (inverse of <see cref="CompressCounts"/>). Throws
    /// <see cref="InputException"/> for a character outside '0'..'o', a value cut off at the end, or a run outside 0..2^31.</summary>
    public static int[] DecompressCounts(string compressed)
    {
        ArgumentNullException.ThrowIfNull(compressed);
        var runs = new List<int>(compressed.Length / 2 + 1);
        int p = 0;
        while (p < compressed.Length)
        {
            long x = 0;
            int k = 0;
            bool more = true;
            while (more)
            {
                if (p >= compressed.Length) throw new InputException("compressed RLE ends in the middle of a value");
                int c = compressed[p++] - 48;
                if (c is < 0 or > 63) throw new InputException($"compressed RLE holds '{compressed[p - 1]}' at {p - 1}, outside '0'..'o'");
                if (k >= 12) throw new InputException("compressed RLE holds a value longer than 60 bits");
                x |= (long)(c & 0x1f) << (5 * k);
                more = (c & 0x20) != 0;
                k++;
                if (!more && (c & 0x10) != 0) x |= -1L << (5 * k);
            }
            if (runs.Count > 2) x += runs[^2];
            if (x is < 0 or > int.MaxValue) throw new InputException($"compressed RLE run {runs.Count} is {x}, outside 0..{int.MaxValue}");
            runs.Add((int)x);
        }
        return runs.ToArray();
    }

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
