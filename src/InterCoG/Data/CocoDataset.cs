using System.Text.Json;
using InterCoG.Imaging;
using OpenCvSharp;

namespace InterCoG.Data;

/// <summary>An image entry of a COCO file. Ids are 64-bit: COCO-derived files (LVIS, crowd annotations numbered
/// 9001000xxxxx) pass 2^31.</summary>
public sealed record CocoImage(long Id, string FileName, int Width, int Height);

/// <summary>A COCO category; <see cref="CocoIndex"/> is its index in <see cref="Perception.CocoClasses.Names"/> (matched by name) or -1.</summary>
public sealed record CocoCategory(long Id, string Name, string? Supercategory)
{
    /// <summary>Index in the 80 detector classes, or -1 when the name is not one of them.</summary>
    public int CocoIndex => Perception.CocoClasses.IndexOf(Name);
}

/// <summary>A COCO instance annotation. <see cref="Box"/> is XYXY pixels (converted from COCO's xywh);
/// <see cref="Polygons"/> are flat [x0, y0, x1, y1, …] lists in pixels; <see cref="Rle"/> is set for RLE segmentations
/// (crowd regions carry one: <see cref="IsCrowd"/> marks a region holding many unannotated instances, never an object).</summary>
public sealed record CocoAnnotation(long Id, long ImageId, long CategoryId, Box Box, double Area, bool IsCrowd,
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

    private readonly Dictionary<long, CocoImage> _images;
    private readonly Dictionary<long, CocoCategory> _categories;
    private readonly Dictionary<long, CocoAnnotation> _annotations;
    private readonly Dictionary<long, List<CocoAnnotation>> _byImage;

    private CocoDataset(string root, List<CocoImage> images, List<CocoCategory> categories, List<CocoAnnotation> annotations)
    {
        Root = root; Images = images; Categories = categories; Annotations = annotations;
        _images = Index(images, i => i.Id, "image");
        _categories = Index(categories, c => c.Id, "category");
        _annotations = Index(annotations, a => a.Id, "annotation");
        _byImage = annotations.GroupBy(a => a.ImageId).ToDictionary(g => g.Key, g => g.ToList());
    }

    private static Dictionary<long, T> Index<T>(List<T> items, Func<T, long> id, string what)
    {
        var d = new Dictionary<long, T>(items.Count);
        foreach (var item in items)
            if (!d.TryAdd(id(item), item)) throw new FormatException($"two {what}s have the id {id(item)}");
        return d;
    }

    /// <summary>Image by id; throws <see cref="KeyNotFoundException"/> for an unknown id.</summary>
    public CocoImage Image(long id) => _images.TryGetValue(id, out var i) ? i : throw new KeyNotFoundException($"no image {id}");
    /// <summary>Category by COCO id; throws <see cref="KeyNotFoundException"/> for an unknown id.</summary>
    public CocoCategory Category(long id) => _categories.TryGetValue(id, out var c) ? c : throw new KeyNotFoundException($"no category {id}");
    /// <summary>Annotation by id; throws <see cref="KeyNotFoundException"/> for an unknown id.</summary>
    public CocoAnnotation Annotation(long id) => _annotations.TryGetValue(id, out var a) ? a : throw new KeyNotFoundException($"no annotation {id}");

    /// <summary>Annotations of one image, in file order.</summary>
    public IReadOnlyList<CocoAnnotation> AnnotationsOf(long imageId) => _byImage.TryGetValue(imageId, out var l) ? l : [];

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
                Id(e, "id"), e.GetProperty("file_name").GetString() ?? "",
                e.GetProperty("width").GetInt32(), e.GetProperty("height").GetInt32())).ToList();
            var categories = root.TryGetProperty("categories", out var cs)
                ? cs.EnumerateArray().Select(e => new CocoCategory(Id(e, "id"), e.GetProperty("name").GetString() ?? "",
                    e.TryGetProperty("supercategory", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null)).ToList()
                : [];
            var sizes = images.GroupBy(i => i.Id).ToDictionary(g => g.Key, g => (g.First().Width, g.First().Height));
            var annotations = root.GetProperty("annotations").EnumerateArray().Select(e => ReadAnnotation(e, sizes)).ToList();
            return new CocoDataset(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", images, categories, annotations);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or InputException or OverflowException)
        {
            throw new InputException($"malformed COCO file {path}: {e.Message}", e);
        }
    }

    /// <summary>An id: a JSON integer up to 2^63 (some writers put it as a number with ".0").</summary>
    private static long Id(JsonElement e, string name)
    {
        var v = e.GetProperty(name);
        if (v.TryGetInt64(out long id)) return id;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out double d) && d == Math.Floor(d) && Math.Abs(d) < 9e15) return (long)d;
        throw new FormatException($"'{name}' is not an integer id: {v.GetRawText()}");
    }

    private static CocoAnnotation ReadAnnotation(JsonElement e, Dictionary<long, (int Width, int Height)> sizes)
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
        long id = Id(e, "id"), imageId = Id(e, "image_id");
        // An RLE mask is as large as its image: checked here, before anything allocates height × width bytes for it.
        if (rle is not null && sizes.TryGetValue(imageId, out var wh) && (rle.Size[0] != wh.Height || rle.Size[1] != wh.Width))
            throw new FormatException($"annotation {id}: RLE size [{rle.Size[0]}, {rle.Size[1]}] is not its image's [{wh.Height}, {wh.Width}]");
        return new CocoAnnotation(id, imageId, Id(e, "category_id"), Box.FromXywh(bb[0], bb[1], bb[2], bb[3]),
            e.TryGetProperty("area", out var a) ? a.GetDouble() : bb[2] * bb[3],
            e.TryGetProperty("iscrowd", out var c) && c.GetInt32() != 0, polygons, rle);
    }

    // {"size": [h, w], "counts": [runs…]} (instances files) or {"size": [h, w], "counts": "compressed"} (results files).
    private static CocoRle ReadRle(JsonElement seg)
    {
        int[] size = seg.GetProperty("size").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        var counts = seg.GetProperty("counts");
        return counts.ValueKind == JsonValueKind.String
            ? CocoRle.FromCompressedString(size, counts.GetString() ?? "")
            : CocoRle.FromCounts(size, counts.EnumerateArray().Select(v => v.GetInt32()).ToArray());
    }
}

/// <summary>Mask helpers for COCO segmentations.</summary>
public static class CocoMasks
{
    /// <summary>Rasterise polygons (flat [x0, y0, …] pixel lists) into a CV_8UC1 mask of <paramref name="height"/>×<paramref name="width"/>, 255 inside:
    /// the union of the polygons, each pixel set when its centre (integer coordinates, as pycocotools places them) lies inside
    /// by the even-odd rule. Unlike a filled outline this adds no boundary pixels: on coco128's 929 polygon annotations the
    /// pixel count matches the file's <c>area</c> with a median relative error of 0 (2.3 % at the 90th percentile), where
    /// OpenCV's FillPoly on rounded vertices counted 6.6 % more (17 % more for objects under 1,000 px).</summary>
    public static Mat PolygonsToMask(IReadOnlyList<float[]> polygons, int width, int height)
    {
        var mask = new Mat(height, width, MatType.CV_8UC1, Scalar.All(0));
        var xs = new List<double>();
        foreach (var p in polygons)
        {
            int n = p.Length / 2;
            if (n < 3) continue;
            float top = float.MaxValue, bottom = float.MinValue;
            for (int i = 0; i < n; i++) { top = Math.Min(top, p[2 * i + 1]); bottom = Math.Max(bottom, p[2 * i + 1]); }
            int y0 = Math.Max(0, (int)Math.Ceiling(top)), y1 = Math.Min(height - 1, (int)Math.Floor(bottom));
            for (int y = y0; y <= y1; y++)
            {
                xs.Clear();
                for (int i = 0; i < n; i++)
                {
                    double ax = p[2 * i], ay = p[2 * i + 1], bx = p[2 * ((i + 1) % n)], by = p[2 * ((i + 1) % n) + 1];
                    if ((ay <= y && by > y) || (by <= y && ay > y)) xs.Add(ax + (y - ay) / (by - ay) * (bx - ax));
                }
                xs.Sort();
                for (int k = 0; k + 1 < xs.Count; k += 2)
                {
                    int a = Math.Max(0, (int)Math.Ceiling(xs[k])), b = Math.Min(width - 1, (int)Math.Ceiling(xs[k + 1]) - 1);
                    if (b >= a) using (var run = mask.SubMat(y, y + 1, a, b + 1)) run.SetTo(Scalar.All(255));
                }
            }
        }
        return mask;
    }

    /// <summary>Mask of an annotation (RLE if present, else its polygons; an empty mask when it has neither).</summary>
    public static Mat ToMask(CocoAnnotation a, int width, int height) =>
        a.Rle is { } rle ? rle.Decode() : PolygonsToMask(a.Polygons, width, height);

    /// <summary>Encode run lengths as pycocotools' compressed RLE string (inverse of <see cref="DecodeCompressedCounts"/>).</summary>
    public static string EncodeCompressedCounts(IReadOnlyList<int> runs) => CocoRle.CompressCounts(runs);

    /// <summary>Decode pycocotools' compressed RLE string into run lengths (see <see cref="CocoRle.FromCompressedString"/>).</summary>
    public static int[] DecodeCompressedCounts(string s) => CocoRle.DecompressCounts(s);
}
