using System.Text.Json;
using InterCoG.Imaging;
using InterCoG.Perception.Parts;
using InterCoG.Tests.TestSupport;
using OpenCvSharp;
using Xunit;

namespace InterCoG.Tests.Segmentation;

/// <summary>Parts of a person by upright proportions: a drawn figure (box x 100..200, y 100..500) with dark hair,
/// a skin-coloured face and hands, a blue shirt and grey trousers; and the chain on a real photo.</summary>
[Collection(ModelCollection.Name)]
public sealed class PersonPartsTests
{
    private static readonly Scalar Hair = new(20, 30, 50), Skin = new(150, 180, 225), Shirt = new(200, 60, 40), Trousers = new(90, 90, 90);

    private static (Mat Bgr, Mat Mask) Figure()
    {
        var bgr = new Mat(600, 400, MatType.CV_8UC3, new Scalar(60, 160, 60)); // green field
        Cv2.Rectangle(bgr, new Rect(120, 100, 60, 25), Hair, -1);              // rows 100..124
        Cv2.Rectangle(bgr, new Rect(125, 125, 50, 30), Skin, -1);              // face, rows 125..154
        Cv2.Rectangle(bgr, new Rect(100, 155, 100, 145), Shirt, -1);           // rows 155..299
        Cv2.Rectangle(bgr, new Rect(100, 240, 15, 40), Skin, -1);              // a bare forearm inside the shirt's rows
        Cv2.Rectangle(bgr, new Rect(110, 300, 80, 200), Trousers, -1);         // rows 300..499
        var mask = new Mat(600, 400, MatType.CV_8UC1, Scalar.All(0));
        Cv2.Rectangle(mask, new Rect(100, 100, 100, 400), Scalar.All(255), -1);
        using var field = new Mat();
        Cv2.InRange(bgr, new Scalar(60, 160, 60), new Scalar(60, 160, 60), field);
        mask.SetTo(Scalar.All(0), field);
        return (bgr, mask);
    }

    private static readonly Box Person = new(100, 100, 200, 500);

    private static (int Top, int Bottom) Rows(Mat m)
    {
        var r = Cv2.BoundingRect(m);
        return (r.Y, r.Y + r.Height - 1);
    }

    [Fact]
    public void A_shirt_is_the_torso_rows_without_the_skin()
    {
        var (bgr, mask) = Figure();
        using (bgr) using (mask)
        using (var shirt = PersonParts.Find(bgr, mask, Person, "shirt")!)
        {
            var (top, bottom) = Rows(shirt.Mask);
            Assert.Equal(156, top);    // 14 % of 400 rows below the box top
            Assert.Equal(319, bottom); // 55 %: rows to 320 (exclusive); the trousers' first rows fall in the band too
            Assert.Equal(0, shirt.Mask.At<byte>(260, 105)); // the forearm is skin: left out
            Assert.Equal(255, shirt.Mask.At<byte>(200, 150));
            Assert.Contains("skin-coloured px left out", shirt.Text);
        }
    }

    [Fact]
    public void Hair_is_the_top_rows_without_the_face_and_a_face_keeps_its_skin()
    {
        var (bgr, mask) = Figure();
        using (bgr) using (mask)
        using (var hair = PersonParts.Find(bgr, mask, Person, "hair")!)
        using (var face = PersonParts.Find(bgr, mask, Person, "face")!)
        {
            Assert.Equal((100, 155), Rows(hair.Mask));        // 14 % of 400 rows; the shirt's first row falls in the band
            Assert.Equal(0, hair.Mask.At<byte>(140, 150));     // the face is skin: not hair
            Assert.Equal(255, hair.Mask.At<byte>(110, 150));
            Assert.Equal(255, face.Mask.At<byte>(140, 150));   // the face itself is in "face"
            Assert.True(Rows(face.Mask).Bottom < 166);         // no lower than 16 % of the height
        }
    }

    [Fact]
    public void Trousers_are_the_leg_rows_and_unknown_parts_are_refused()
    {
        var (bgr, mask) = Figure();
        using (bgr) using (mask)
        using (var pants = PersonParts.Find(bgr, mask, Person, "trousers")!)
        {
            var (top, bottom) = Rows(pants.Mask);
            Assert.Equal(292, top);                            // 48 % of 400 rows below the box top
            Assert.Equal(475, bottom);                         // 94 %: rows to 476 (exclusive)
            Assert.Null(PersonParts.Find(bgr, mask, Person, "wheel"));
            Assert.False(PersonParts.Knows("wheel"));
        }
    }

    [Fact]
    public void Recolouring_his_jacket_leaves_his_legs_and_head_alone_on_a_real_photo()
    {
        // coco128 000000000322.jpg: one man standing on grass, throwing a frisbee
        string photo = TestPaths.Coco128Image("000000000322.jpg"), dir = TestPaths.TempDir("parts");
        string output = Path.Combine(dir, "jacket.png"), trace = Path.Combine(dir, "t.json");
        var r = CliRunner.Run("edit", photo, "paint his jacket red", "-o", output, "--trace", trace);
        Assert.Equal(0, r.ExitCode);
        var t = JsonDocument.Parse(File.ReadAllText(trace)).RootElement;
        var steps = t.GetProperty("steps").EnumerateArray().ToList();
        var part = steps.Single(s => s.GetProperty("text").GetString()!.StartsWith("Part 'jacket'", StringComparison.Ordinal));
        Assert.True(part.TryGetProperty("mask", out _));
        Assert.Contains("the jacket of object #", steps.Single(s => s.GetProperty("stage").GetString() == "rewrite").GetProperty("text").GetString());
        var box = t.GetProperty("target").GetProperty("xyxy").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        using var input = ImageCodec.Load(photo);
        using var edited = ImageCodec.Load(output);
        using var diff = new Mat();
        Cv2.Absdiff(input.Bgr, edited.Bgr, diff);
        using var gray = diff.CvtColor(ColorConversionCodes.BGR2GRAY);
        int h = box[3] - box[1], feather = 8;
        int below = box[1] + (int)Math.Ceiling(0.58 * h) + feather, above = box[1] + (int)Math.Floor(0.14 * h) - feather;
        using (var legs = new Mat(gray, new Rect(0, below, gray.Cols, gray.Rows - below)))
            Assert.Equal(0, Cv2.CountNonZero(legs));
        using (var head = new Mat(gray, new Rect(0, 0, gray.Cols, above)))
            Assert.Equal(0, Cv2.CountNonZero(head));
        using var jacket = new Mat(gray, new Rect(box[0], above + feather, box[2] - box[0], below - feather - above - feather));
        Assert.True(Cv2.CountNonZero(jacket) > 2000, "the jacket changed");
    }
}
