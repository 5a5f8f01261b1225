using System.Text.Json.Nodes;
using InterCoG.Data;
using InterCoG.Dataset;
using InterCoG.Imaging;
using InterCoG.Tests.TestSupport;
using OpenCvSharp;

namespace InterCoG.Tests.Data;

/// <summary>Real COCO annotation files: crowd regions as RLE (uncompressed counts as in instances files, the compressed
/// string as in results files, both in pycocotools' column-major layout) and 64-bit ids (COCO's crowd annotations are
/// numbered 9001000xxxxx). The coco128 set of ../shared is one such file.</summary>
public sealed class RealCocoTests(Xunit.Abstractions.ITestOutputHelper log)
{
    private static string Coco128 => Path.Combine(TestPaths.Shared, "data", "coco128");

    [Fact]
    public void Coco128_loads_and_its_crowd_rle_decodes_to_the_annotated_box()
    {
        var coco = CocoDataset.Load(Path.Combine(Coco128, "instances.json"));
        var crowd = coco.Annotations.Where(a => a.IsCrowd).ToList();
        Assert.Equal(10, crowd.Count);
        Assert.Contains(crowd, a => a.Id == 908400000643L);
        foreach (var a in crowd)
        {
            var image = coco.Image(a.ImageId);
            Assert.NotNull(a.Rle);
            Assert.Equal([image.Height, image.Width], a.Rle!.Size);
            using var mask = CocoMasks.ToMask(a, image.Width, image.Height);
            Assert.True(Cv2.CountNonZero(mask) > 0);
            // COCO's box of a crowd region starts at its first pixel and spans one pixel less than the pixels do; read
            // row-major, the same runs give another box altogether
            var box = Cv2.BoundingRect(mask);
            Assert.Equal((a.Box.X1, a.Box.Y1), ((float)box.X, (float)box.Y));
            Assert.Equal((a.Box.X2 + 1, a.Box.Y2 + 1), ((float)box.Right, (float)box.Bottom));
        }
    }

    [Fact]
    public void The_compressed_string_form_round_trips_and_a_published_string_covers_its_size()
    {
        var coco = CocoDataset.Load(Path.Combine(Coco128, "instances.json"));
        foreach (var a in coco.Annotations.Where(a => a.IsCrowd))
        {
            string s = a.Rle!.ToCompressedString();
            Assert.DoesNotContain(s, c => c < 48 || c > 111);
            var back = CocoRle.FromCompressedString(a.Rle.Size, s);
            Assert.Equal(a.Rle.Counts, back.Counts);
        }
        // a 50×70 mask in pycocotools' compressed form (from a public decoder's README): its runs cover 3,500 pixels
        const string published = "0g05b08J4M2N2NA^O1`0OCO=0E090H080IO68DH;>@C>a0_O_O`0j0OWOF<:CM72I24NL43JM92FN;1ENKO72L0LO91J0MO92INO0NO122OO0M031O000NO31OO11MO40N011MO41MO21L06OL021L06OL021L06OL021L060J040L060J040L060J040L060J040L060J040L060J040L060KO31L060KO31L06OL021L06OL021L06OL021MO41MO21MO40N100NO310O00M0310O00NO1220NO92IONO91KOMO72M0<1EO:2GN63KM34OLM73JF<;=1G_O_Ob0=AC`07EH=1IO71H090F0:1DO>1_O1b0>2N2N3L6H]O";
        var rle = CocoRle.FromCompressedString([50, 70], published);
        Assert.Equal(3500L, rle.Counts.Sum(c => (long)c));
        Assert.InRange(rle.Area, 1, 3499);
        Assert.Equal(published, rle.ToCompressedString());
        Assert.Throws<InputException>(() => CocoRle.FromCompressedString([50, 71], published)); // runs do not cover 50×71
    }

    [Fact]
    public void Ids_past_32_bits_are_read_everywhere()
    {
        string dir = TestPaths.TempDir("coco64");
        string refsPath = Path.Combine(dir, "refs.json");
        File.WriteAllText(refsPath, """
            [{"ref_id": 5000000001, "ann_id": 900100000149, "image_id": 7000000149, "category_id": 4000000001,
              "file_name": "a.jpg", "split": "val", "sentences": [{"sent_id": 6000000001, "sent": "the man", "raw": "the man", "tokens": ["the", "man"]}]}]
            """);
        var r = RefCocoRefs.Load(refsPath).Single();
        Assert.Equal((5000000001L, 900100000149L, 7000000149L, 4000000001L), (r.RefId, r.AnnId, r.ImageId, r.CategoryId));
        Assert.Equal(6000000001L, r.Sentences[0].SentId);
    }

    /// <summary>Images of coco128 with crowd regions (persons at 149, 257, 315, 357; cars at 540) and a few without.</summary>
    private static readonly long[] SubsetImages = [149, 257, 315, 357, 540, 9, 25, 30];

    /// <summary>A real-format instances file: coco128's annotations of <see cref="SubsetImages"/>, with image and category
    /// ids moved past 32 bits and one crowd region's counts in the compressed string form.</summary>
    private static string WriteSubset(string dir)
    {
        var doc = JsonNode.Parse(File.ReadAllText(Path.Combine(Coco128, "instances.json")))!.AsObject();
        const long imageBase = 5_000_000_000, categoryBase = 7_000_000_000;
        var images = new JsonArray(doc["images"]!.AsArray().Where(i => SubsetImages.Contains((long)i!["id"]!)).Select(i =>
        {
            var c = i!.DeepClone();
            c["id"] = imageBase + (long)i["id"]!;
            return c;
        }).ToArray());
        var annotations = new JsonArray(doc["annotations"]!.AsArray().Where(a => SubsetImages.Contains((long)a!["image_id"]!)).Select(a =>
        {
            var c = a!.DeepClone();
            c["image_id"] = imageBase + (long)a["image_id"]!;
            c["category_id"] = categoryBase + (long)a["category_id"]!;
            if ((long)a["id"]! == 900100000315L)
            {
                var seg = a["segmentation"]!;
                var rle = new CocoRle(seg["size"]!.AsArray().Select(v => (int)v!).ToArray(), seg["counts"]!.AsArray().Select(v => (int)v!).ToArray());
                c["segmentation"] = new JsonObject { ["size"] = seg["size"]!.DeepClone(), ["counts"] = rle.ToCompressedString() };
            }
            return c;
        }).ToArray());
        var categories = new JsonArray(doc["categories"]!.AsArray().Select(k =>
        {
            var c = k!.DeepClone();
            c["id"] = categoryBase + (long)k["id"]!;
            return c;
        }).ToArray());
        var subset = new JsonObject { ["info"] = doc["info"]?.DeepClone(), ["images"] = images, ["annotations"] = annotations, ["categories"] = categories };
        string path = Path.Combine(dir, "instances_subset.json");
        File.WriteAllText(path, subset.ToJsonString());
        return path;
    }

    [Fact]
    public void Dataset_build_on_a_real_coco_file_with_crowd_rle_and_64_bit_ids_gives_samples_whose_masks_match_the_annotations()
    {
        string dir = TestPaths.TempDir("coco-real");
        string instances = WriteSubset(dir);
        string output = Path.Combine(dir, "ds");
        var r = CliRunner.Run("dataset", "build", "--instances", instances, "--images", Path.Combine(Coco128, "images"), "--out", output, "--no-edits", "--seed", "2");
        Assert.True(r.ExitCode == 0, r.Err);

        var coco = CocoDataset.Load(instances);
        var samples = DatasetInspector.ReadManifest(output);
        Assert.True(samples.Count >= 8, $"{samples.Count} samples");
        var ious = new List<double>();
        Assert.Contains(samples, s => s.ImageId == 5_000_000_149L || s.ImageId == 5_000_000_315L || s.ImageId == 5_000_000_257L);
        foreach (var s in samples)
        {
            var image = coco.Image(s.ImageId);
            Assert.Equal(image.FileName, s.SourceFile);
            var ann = coco.Annotation(s.Target.AnnId);
            Assert.False(ann.IsCrowd, $"{s.Id} targets crowd region {ann.Id}");
            Assert.All(s.AnchorAnnIds, id => Assert.False(coco.Annotation(id).IsCrowd, $"{s.Id} is anchored on crowd region {id}"));
            // a category with a crowd region in the image has members nobody annotated: it never names a target
            var crowdCategories = coco.AnnotationsOf(image.Id).Where(a => a.IsCrowd).Select(a => a.CategoryId).ToHashSet();
            Assert.DoesNotContain(ann.CategoryId, crowdCategories);

            using var truth = CocoMasks.ToMask(ann, image.Width, image.Height);
            using var mask = CocoRle.FromCompressedString(s.Mask.Size, s.Mask.Counts).Decode();
            using var inter = new Mat();
            using var union = new Mat();
            Cv2.BitwiseAnd(truth, mask, inter);
            Cv2.BitwiseOr(truth, mask, union);
            double iou = (double)Cv2.CountNonZero(inter) / Math.Max(1, Cv2.CountNonZero(union));
            Assert.True(iou >= 0.85, $"{s.Id}: mask IoU {iou:0.000} against annotation {ann.Id}");
            // an independent reference: the file's own area (pycocotools' pixel count of the same polygons or RLE)
            int pixels = Cv2.CountNonZero(mask);
            Assert.True(Math.Abs(pixels - ann.Area) <= 0.1 * ann.Area + 20, $"{s.Id}: {pixels} mask pixels, the annotation's area is {ann.Area:0}");
            ious.Add(iou);
        }
        ious.Sort();
        log.WriteLine($"{samples.Count} samples from {samples.Select(s => s.ImageId).Distinct().Count()} images; mask IoU against the annotations: "
            + $"min {ious[0]:0.0000}, median {ious[ious.Count / 2]:0.0000}");
    }
}
