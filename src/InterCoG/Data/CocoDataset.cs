using System.Text.Json;
using InterCoG.Imaging;
using OpenCvSharp;

namespace InterCoG.Data;

/// <summary>An image entry of a COCO file.</summary>
public sealed record CocoImage(int Id, string FileName, int Width, int Height);

/// <summary>A COCO category; <see cref="CocoIndex"/> is its index in <see cref="Perception.CocoClasses.Names"/> (matched by name) or -1.</summary>
public sealed record CocoCategory(int Id, string Name, string? Supercategory)
{
    /// <summary>Index in the 80 detector classes, or -1 when the name is not one of them.</summary>
    public int CocoIndex => Perception.CocoClasses.IndexOf(Name);
}

/// <summary>A COCO instance annotation. <see cref="Box"/> is XYXY pixels (converted from COCO's xywh);
/// <see cref="Polygons"/> are flat [x0, y0, x1, y1, …] lists in pixels; <see cref="Rle"/> is set for RLE segmentations.
/// <see cref="Id"/> is the file's id; one beyond 32 bits (COCO numbers crowd annotations from 900 100 000 000 up) is
/// stored as −1 − (id mod 10⁹), negative so it never meets a real id.</summary>
public sealed record CocoAnnotation(int Id, int ImageId, int CategoryId, Box Box, double Area, bool IsCrowd,
                                    IReadOnlyList<float[]> Polygons, CocoRle? Rle);

/// <summary>A COCO instances file (images, categories, annotations) read with System.Text.Json.</summary>
public sealed class CocoDataset
{
    /// <summary>Images in file order.</summary>
    public IReadOnlyList<CocoImage> Images { get; }
    /// <summary>Categories in file order (COCO ids, not contiguous).</summary>
    public IReadOnlyList<CocoCategory> Categories { get; }
    /// <summary>Annotations in file order.</summary>
    public IReadOnlyList<CocoAnnotation> Annotations { get; }
    /// <summary>Folder of the instances file, against which image file names are resolved.</summary>
    public string Root { get; }

    private readonly Dictionary<int, CocoImage> _images;
    private readonly Dictionary<int, CocoCategory> _categories;
    private readonly Dictionary<int, CocoAnnotation> _annotations;
    private readonly Dictionary<int, List<CocoAnnotation>> _byImage;

    private CocoDataset(string root, List<CocoImage> images, List<CocoCategory> categories, List<CocoAnnotation> annotations)
    {
        Root = root; Images = images; Categories = categories; Annotations = annotations;
        _images = images.ToDictionary(i => i.Id);
        _categories = categories.ToDictionary(c => c.Id);
        _annotations = annotations.ToDictionary(a => a.Id);
        _byImage = annotations.GroupBy(a => a.ImageId).ToDictionary(g => g.Key, g => g.ToList());
    }

    /// <summary>Image by id; throws <see cref="KeyNotFoundException"/> for an unknown id.</summary>
    public CocoImage Image(int id) => _images.TryGetValue(id, out var i) ? i : throw new KeyNotFoundException($"no image {id}");
    /// <summary>Category by COCO id; throws <see cref="KeyNotFoundException"/> for an unknown id.</summary>
    public CocoCategory Category(int id) => _categories.TryGetValue(id, out var c) ? c : throw new KeyNotFoundException($"no category {id}");
    /// <summary>Annotation by id; throws <see cref="KeyNotFoundException"/> for an unknown id.</summary>
    public CocoAnnotation Annotation(int id) => _annotations.TryGetValue(id, out var a) ? a : throw new KeyNotFoundException($"no annotation {id}");

    /// <summary>Annotations of one image, in file order.</summary>
    public IReadOnlyList<CocoAnnotation> AnnotationsOf(int imageId) => _byImage.TryGetValue(imageId, out var l) ? l : [];

    /// <summary>Full path of an image file: <paramref name="imagesDir"/> (or <see cref="Root"/>) joined with the file name.</summary>
    public string ImagePath(CocoImage image, string? imagesDir = null) => Path.Combine(imagesDir ?? Root, image.FileName);

    /// <summary>Read a COCO instances JSON file; throws <see cref="InputException"/> when it is missing or malformed.</summary>
    public static CocoDataset Load(string path)
    {
        if (!File.Exists(path)) throw new InputException($"COCO file not found: {path}");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = doc.RootElement;
            var images = root.GetProperty("images").EnumerateArray().Select(e => new CocoImage(
                e.GetProperty("id").GetInt32(), e.GetProperty("file_name").GetString() ?? "",
                e.GetProperty("width").GetInt32(), e.GetProperty("height").GetInt32())).ToList();
            var categories = root.TryGetProperty("categories", out var cs)
                ? cs.EnumerateArray().Select(e => new CocoCategory(e.GetProperty("id").GetInt32(), e.GetProperty("name").GetString() ?? "",
                    e.TryGetProperty("supercategory", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null)).ToList()
                : [];
            var annotations = root.GetProperty("annotations").EnumerateArray().Select(ReadAnnotation).ToList();
            return new CocoDataset(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", images, categories, annotations);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InputException($"malformed COCO file {path}: {e.Message}", e);
        }
    }

    private static CocoAnnotation ReadAnnotation(JsonElement e)
    {
        var bb = e.GetProperty("bbox").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        if (bb.Length != 4) throw new FormatException($"annotation bbox has {bb.Length} numbers, expected 4");
        var polygons = new List<float[]>();
        CocoRle? rle = null;
        if (e.TryGetProperty("segmentation", out var seg))
        {
            if (seg.ValueKind == JsonValueKind.Array)
                polygons.AddRange(seg.EnumerateArray().Where(p => p.ValueKind == JsonValueKind.Array)
                                     .Select(p => p.EnumerateArray().Select(v => v.GetSingle()).ToArray()));
            else if (seg.ValueKind == JsonValueKind.Object)
                rle = ReadRle(seg);
        }
        return new CocoAnnotation(AnnotationId(e.GetProperty("id").GetInt64()), e.GetProperty("image_id").GetInt32(),
            e.GetProperty("category_id").GetInt32(), Box.FromXywh(bb[0], bb[1], bb[2], bb[3]),
            e.TryGetProperty("area", out var a) ? a.GetDouble() : bb[2] * bb[3],
            e.TryGetProperty("iscrowd", out var c) && c.GetInt32() != 0, polygons, rle);
    }

    private static int AnnotationId(long id) => id is >= int.MinValue and <= int.MaxValue ? (int)id : -1 - (int)(Math.Abs(id) % 1_000_000_000);

    private static CocoRle ReadRle(JsonElement seg)
    {
        int[] size = seg.GetProperty("size").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        var counts = seg.GetProperty("counts");
        int[] runs = counts.ValueKind == JsonValueKind.String
            ? CocoMasks.DecodeCompressedCounts(counts.GetString() ?? "")
            : counts.EnumerateArray().Select(v => v.GetInt32()).ToArray();
        return new CocoRle(size, runs);
    }
}

/// <summary>Mask helpers for COCO segmentations.</summary>
public static class CocoMasks
{
    /// <summary>Rasterise polygons (flat [x0, y0, …] pixel lists) into a CV_8UC1 mask of <paramref name="height"/>×<paramref name="width"/>, 255 inside.</summary>
    public static Mat PolygonsToMask(IReadOnlyList<float[]> polygons, int width, int height)
    {
        var mask = new Mat(height, width, MatType.CV_8UC1, Scalar.All(0));
        var pts = polygons.Where(p => p.Length >= 6)
            .Select(p => Enumerable.Range(0, p.Length / 2).Select(i => new Point((int)MathF.Round(p[2 * i]), (int)MathF.Round(p[2 * i + 1]))).ToArray())
            .ToArray();
        if (pts.Length > 0) Cv2.FillPoly(mask, pts, Scalar.All(255));
        return mask;
    }

    /// <summary>Mask of an annotation (RLE if present, else its polygons; an empty mask when it has neither).</summary>
    public static Mat ToMask(CocoAnnotation a, int width, int height) =>
        a.Rle is { } rle ? rle.Decode() : PolygonsToMask(a.Polygons, width, height);

    /// <summary>Encode run lengths as pycocotools' compressed RLE string (inverse of <see cref="DecodeCompressedCounts"/>).</summary>
    public static string EncodeCompressedCounts(IReadOnlyList<int> runs)
    {
        var sb = new System.Text.StringBuilder();
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

    /// <summary>Decode pycocotools' compressed RLE string (6 bits a character, offset 48, runs after the
    /// second stored as differences to the run two back) into run lengths.</summary>
    public static int[] DecodeCompressedCounts(string s)
    {
        var runs = new List<int>();
        int p = 0;
        while (p < s.Length)
        {
            long x = 0;
            int k = 0;
            bool more = true;
            while (more)
            {
                if (p >= s.Length) throw new FormatException("truncated compressed RLE");
                int c = s[p++] - 48;
                x |= (long)(c & 0x1f) << (5 * k);
                more = (c & 0x20) != 0;
                k++;
                if (!more && (c & 0x10) != 0) x |= -1L << (5 * k);
            }
            if (runs.Count > 2) x += runs[^2];
            runs.Add(checked((int)x));
        }
        return runs.ToArray();
    }
}
