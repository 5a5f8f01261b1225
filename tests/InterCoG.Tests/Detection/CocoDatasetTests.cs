using InterCoG.Chain;
using InterCoG.Data;
using OpenCvSharp;
using Xunit;
using InterCoG.Imaging;

namespace InterCoG.Tests.DetectionTests;

public class CocoDatasetTests
{
    private static string Kitchen => DetectionTestPaths.RefCoco("kitchen");

    [Fact]
    public void Reads_images_annotations_and_categories()
    {
        var coco = CocoDataset.Load(Path.Combine(Kitchen, "instances.json"));
        Assert.Equal(5, coco.Images.Count);
        Assert.Equal(88, coco.Annotations.Count);
        var a = coco.Annotation(0);
        Assert.Equal(new global::InterCoG.Imaging.Box(0, 122, 32, 141), a.Box); // bbox [0,122,32,19] as XYXY
        Assert.Equal("bowl", coco.Category(a.CategoryId).Name);
        Assert.Equal(45, coco.Category(a.CategoryId).CocoIndex);
        Assert.Equal((640, 480), (coco.Image(0).Width, coco.Image(0).Height));
        Assert.NotEmpty(coco.AnnotationsOf(0));
    }

    [Fact]
    public void Polygon_masks_match_the_annotated_area()
    {
        var coco = CocoDataset.Load(Path.Combine(Kitchen, "instances.json"));
        foreach (var a in coco.Annotations.Take(10))
        {
            using var m = CocoMasks.ToMask(a, 640, 480);
            double area = Cv2.CountNonZero(m);
            Assert.InRange(area, a.Area * 0.8, a.Area * 1.25 + 40);
        }
    }

    [Fact]
    public void Reads_refcoco_references()
    {
        var refs = RefCocoRefs.Load(Path.Combine(Kitchen, "refs.json"));
        Assert.Equal(88, refs.Count);
        Assert.Equal("leftmost bowl", refs[0].Sentences[0].Sent);
        Assert.Equal(["leftmost", "bowl"], refs[0].Sentences[0].Tokens);
        Assert.Equal(0, refs[0].AnnId);
        Assert.Equal("000000.png", refs[0].FileName);
    }

    [Fact]
    public void Compressed_rle_counts_decode_as_pycocotools_writes_them()
    {
        Assert.Equal([3, 2], CocoMasks.DecodeCompressedCounts("32"));
        // from the fourth run on, values are stored as the difference to the run two before: 4 = 2 + 2
        Assert.Equal([3, 2, 2, 4], CocoMasks.DecodeCompressedCounts("3222"));
        int[] runs = [0, 37, 1000, 5, 7, 123456, 2];
        Assert.Equal(runs, CocoMasks.DecodeCompressedCounts(CocoMasks.EncodeCompressedCounts(runs)));
    }

    [Fact]
    public void A_crowd_annotation_id_beyond_32_bits_is_read_as_a_negative_id()
    {
        // COCO numbers crowd annotations from 900 100 000 000 up (coco128 has ten of them)
        string path = Path.Combine(Path.GetTempPath(), $"coco-bigid-{Environment.ProcessId}.json");
        File.WriteAllText(path,
            "{\"images\":[{\"id\":1,\"file_name\":\"a.png\",\"width\":8,\"height\":8}],\"categories\":[{\"id\":1,\"name\":\"person\"}]," +
            "\"annotations\":[{\"id\":900100581781,\"image_id\":1,\"category_id\":1,\"bbox\":[0,0,4,4],\"iscrowd\":1,\"segmentation\":[[0,0,4,0,4,4]]}," +
            "{\"id\":7,\"image_id\":1,\"category_id\":1,\"bbox\":[0,0,2,2],\"iscrowd\":0,\"segmentation\":[[0,0,2,0,2,2]]}]}");
        try
        {
            var coco = CocoDataset.Load(path);
            Assert.Equal([-1 - 100581781, 7], coco.Annotations.Select(a => a.Id));
            Assert.True(coco.Annotation(-1 - 100581781).IsCrowd);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Rle_segmentations_are_read()
    {
        string path = Path.Combine(Path.GetTempPath(), $"coco-rle-{Environment.ProcessId}.json");
        using var m = new Mat(4, 3, MatType.CV_8UC1, Scalar.All(0));
        m.Set(1, 0, (byte)255); m.Set(2, 0, (byte)255); m.Set(0, 2, (byte)255);
        var rle = CocoRle.Encode(m);
        string counts = CocoMasks.EncodeCompressedCounts(rle.Counts);
        File.WriteAllText(path,
            "{\"images\":[{\"id\":1,\"file_name\":\"a.png\",\"width\":3,\"height\":4}]," +
            "\"categories\":[{\"id\":3,\"name\":\"car\"}]," +
            "\"annotations\":[{\"id\":9,\"image_id\":1,\"category_id\":3,\"bbox\":[0,0,3,4],\"iscrowd\":1," +
            "\"segmentation\":{\"size\":[4,3],\"counts\":\"" + counts + "\"}}]}");
        try
        {
            var a = CocoDataset.Load(path).Annotation(9);
            Assert.True(a.IsCrowd);
            Assert.Equal(rle.Counts, a.Rle!.Counts);
            using var back = CocoMasks.ToMask(a, 3, 4);
            Assert.Equal(3, Cv2.CountNonZero(back));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_missing_file_is_an_input_error()
    {
        Assert.Throws<InputException>(() => CocoDataset.Load("/nonexistent/instances.json"));
    }
}
