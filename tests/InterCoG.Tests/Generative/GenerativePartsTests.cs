using InterCoG.Editing.Generative;
using InterCoG.Imaging;
using InterCoG.Perception;
using InterCoG.Programs;
using OpenCvSharp;

namespace InterCoG.Tests.Generative;

internal static class Scenes
{
    public static SceneEntity Entity(int id, string label, float x1, float y1, float x2, float y2, float score = 0.9f) =>
        new(id, label, score, new Box(x1, y1, x2, y2), [], "gray", 0);

    public static EditOperation Op(string name, params (string Key, string Value)[] args) =>
        new(name, args.ToDictionary(a => a.Key, a => a.Value));
}

/// <summary>Where the settings come from: flags over the environment, and what a web request may change.</summary>
public sealed class GenerativeSettingsTests
{
    private static Func<string, string?> Env(params (string K, string V)[] vars) => k => vars.FirstOrDefault(v => v.K == k).V;

    [Fact]
    public void Nothing_configured_is_null_so_generative_operations_stay_unsupported() =>
        Assert.Null(GenerativeSettings.Resolve(null, null, environment: Env()));

    [Fact]
    public void Flags_win_over_the_environment_and_the_environment_fills_the_rest()
    {
        var s = GenerativeSettings.Resolve("openai", null, environment: Env(("INTERCOG_GEN_BACKEND", "a1111"), ("INTERCOG_GEN_URL", "http://127.0.0.1:7860")))!;
        Assert.Equal(GenerativeKind.OpenAi, s.Kind);
        Assert.Equal("http://127.0.0.1:7860/", s.Url.ToString());
        Assert.Equal(GenerativeSettings.DefaultKeyVariable, s.KeyVariable);
        Assert.Equal("gpt-image-1", s.EffectiveModel);
    }

    [Theory]
    [InlineData("a1111", null, "no server")]
    [InlineData(null, "http://127.0.0.1:7860", "no backend")]
    [InlineData("midjourney", "http://127.0.0.1:7860", "must be a1111 or openai")]
    [InlineData("a1111", "ftp://host/", "http(s) URL")]
    [InlineData("a1111", "http://user:pass@host/", "must not carry credentials")]
    public void Half_or_wrong_settings_are_bad_input(string? backend, string? url, string expected)
    {
        var e = Assert.Throws<InputException>(() => GenerativeSettings.Resolve(backend, url, environment: Env()));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void The_key_option_takes_a_variable_name_never_a_key()
    {
        var e = Assert.Throws<InputException>(() => GenerativeSettings.Resolve("openai", "http://x", "OPENAI_API_KEY=sk-123", environment: Env()));
        Assert.DoesNotContain("sk-123", e.Message);
        Assert.Throws<InputException>(() => GenerativeSettings.Resolve("openai", "http://x", timeoutSeconds: 0, environment: Env()));
    }

    [Fact]
    public void A_request_may_name_a_loopback_server_but_gets_the_key_only_for_the_configured_origin()
    {
        var configured = new GenerativeSettings { Kind = GenerativeKind.A1111, Url = new Uri("http://gpu-box:7860"), KeyVariable = "MY_KEY" };
        var same = GenerativeSettings.ForRequest(configured, null, "http://gpu-box:7860/", null)!;
        Assert.Equal("MY_KEY", same.KeyVariable);
        var loop = GenerativeSettings.ForRequest(configured, "openai", "http://127.0.0.1:8080", "dall-e-2")!;
        Assert.Null(loop.KeyVariable);
        Assert.Equal(GenerativeKind.OpenAi, loop.Kind);
        Assert.Equal("dall-e-2", loop.Model);
        var e = Assert.Throws<InputException>(() => GenerativeSettings.ForRequest(configured, "a1111", "http://10.0.0.9:7860", null));
        Assert.Contains("not allowed", e.Message);
        Assert.Null(GenerativeSettings.ForRequest(configured, "none", null, null));
        Assert.Same(configured, GenerativeSettings.ForRequest(configured, null, null, null));
    }
}

/// <summary>The frame: sizes the servers take, the crop around the region, and the way back.</summary>
public sealed class GenerativeFrameTests
{
    [Theory]
    [InlineData(640, 480)]
    [InlineData(100, 900)]
    [InlineData(3000, 1000)]
    [InlineData(33, 33)]
    public void A1111_work_sizes_are_multiples_of_8_near_512_squared_with_the_crop_aspect(int w, int h)
    {
        var s = A1111Client.WorkSize(new Size(w, h), new A1111Options());
        Assert.Equal(0, s.Width % 8);
        Assert.Equal(0, s.Height % 8);
        Assert.InRange(s.Width, 8, 1024);
        Assert.InRange(s.Height, 8, 1024);
        Assert.InRange(Math.Log((double)s.Width / s.Height / ((double)w / h)), -0.2, 0.2);
        var s64 = A1111Client.WorkSize(new Size(w, h), new A1111Options { SizeMultiple = 64, WorkAreaPx = 1024 * 1024 });
        Assert.Equal(0, s64.Width % 64);
        Assert.Equal(0, s64.Height % 64);
    }

    [Fact]
    public void OpenAi_sizes_are_squares_for_dall_e_2_and_follow_the_aspect_for_gpt_image()
    {
        var o = new OpenAiImagesOptions();
        var dalle = OpenAiImagesClient.SizesFor("dall-e-2", o);
        Assert.Equal(new Size(512, 512), OpenAiImagesClient.WorkSize(new Size(400, 300), dalle));
        Assert.Equal(new Size(1024, 1024), OpenAiImagesClient.WorkSize(new Size(900, 600), dalle));
        Assert.Equal(new Size(512, 512), OpenAiImagesClient.WorkSize(new Size(200, 100), dalle)); // 256 paints too coarsely
        var gpt = OpenAiImagesClient.SizesFor("gpt-image-1", o);
        Assert.Equal(new Size(1536, 1024), OpenAiImagesClient.WorkSize(new Size(640, 420), gpt));
        Assert.Equal(new Size(1024, 1536), OpenAiImagesClient.WorkSize(new Size(300, 460), gpt));
        Assert.Equal(new Size(1024, 1024), OpenAiImagesClient.WorkSize(new Size(300, 310), gpt));
    }

    [Theory]
    [InlineData(100, 100, 60, 40)]
    [InlineData(0, 0, 50, 50)]
    [InlineData(590, 430, 50, 50)]
    [InlineData(0, 0, 640, 480)]
    public void The_crop_contains_the_region_and_has_the_work_aspect(int x, int y, int w, int h)
    {
        var image = new Size(640, 480);
        var region = new Rect(x, y, w, h);
        foreach (Func<Size, Size> pick in new Func<Size, Size>[] { s => A1111Client.WorkSize(s, new A1111Options()), _ => new Size(1024, 1024) })
        {
            var f = GenerativeFrame.Around(region, image, pick);
            Assert.True(f.Crop.Contains(region.TopLeft) && f.Crop.Contains(new Point(region.Right - 1, region.Bottom - 1)), $"{f.Crop} does not contain {region}");
            Assert.Equal((double)f.Work.Width / f.Work.Height, (double)f.Crop.Width / f.Crop.Height, 1);
            // inside the image wherever it fits
            if (f.Crop.Width <= image.Width) Assert.InRange(f.Crop.X, 0, image.Width - f.Crop.Width);
            if (f.Crop.Height <= image.Height) Assert.InRange(f.Crop.Y, 0, image.Height - f.Crop.Height);
        }
    }

    [Fact]
    public void Extract_then_put_back_of_an_unchanged_answer_leaves_pixels_outside_the_crop_identical()
    {
        using var image = new Mat(300, 400, MatType.CV_8UC3);
        Cv2.Randu(image, Scalar.All(0), Scalar.All(255));
        var f = GenerativeFrame.Around(new Rect(300, 200, 80, 80), image.Size(), _ => new Size(512, 512));
        using var crop = f.Extract(image);
        Assert.Equal(new Size(512, 512), crop.Size());
        using var back = f.PutBack(image, crop);
        using var diff = new Mat();
        Cv2.Absdiff(image, back, diff);
        var inside = f.Crop.Intersect(new Rect(0, 0, 400, 300));
        using (var roi = new Mat(diff, inside)) roi.SetTo(Scalar.All(0));
        Assert.Equal(0, Cv2.CountNonZero(diff.Reshape(1)));
        using var mask = new Mat(image.Size(), MatType.CV_8UC1, Scalar.All(0));
        Cv2.Rectangle(mask, new Rect(310, 210, 2, 2), Scalar.All(255), -1);
        using var sent = f.ExtractMask(mask);
        Assert.True(Cv2.CountNonZero(sent) > 0, "a 2-px region must survive the downscale");
    }
}

/// <summary>Where an added object goes.</summary>
public sealed class AddPlacerTests
{
    private static readonly Size Image = new(800, 600);

    [Fact]
    public void A_pigeon_on_a_traffic_light_sits_on_its_top_a_quarter_of_its_height()
    {
        var light = Scenes.Entity(4, "traffic light", 380, 200, 420, 300);
        var p = new AddPlacer().Place(Scenes.Op(Operations.Add, ("object_noun", "pigeon"), ("object_category", "bird"), ("relation", "on")), light, [], Image);
        var b = Assert.NotNull(p.Box);
        Assert.InRange(b.Height, 20, 30); // 0.25 m against 1 m of a 100 px light
        Assert.InRange(b.Y2, 200, 215);   // its base on the light's top edge
        Assert.Equal(400, b.CenterX, 1);
        Assert.Contains("on top of #4 traffic light", p.Text);
    }

    [Fact]
    public void On_a_thing_whose_top_is_the_picture_edge_the_new_object_rests_inside_the_top_of_its_box()
    {
        // "add a bird on the zebra's back": the zebra's box starts 20 px below the top, no room above it
        var zebra = Scenes.Entity(1, "zebra", 0, 20, 440, 400);
        var p = new AddPlacer().Place(Scenes.Op(Operations.Add, ("object_noun", "bird"), ("object_category", "bird"), ("relation", "on")), zebra, [], Image);
        var b = Assert.NotNull(p.Box);
        Assert.Equal(20 + 0.25 * 380, b.Y2, 1);  // its base a quarter down the zebra's box
        Assert.True(b.Y1 >= 0 && b.X1 >= 0, $"{b} leaves the image");
        Assert.Equal(220, b.CenterX, 1);
        Assert.Contains("no room above it, so resting inside the top of its box", p.Text);
        // with room above, "on" still rests on the top edge
        var low = Scenes.Entity(1, "zebra", 0, 200, 440, 580);
        Assert.True(new AddPlacer().Place(Scenes.Op(Operations.Add, ("object_noun", "bird"), ("object_category", "bird"), ("relation", "on")), low, [], Image).Box!.Value.Y2 < 220);
    }

    [Fact]
    public void A_cat_left_of_a_dog_stands_on_the_same_ground_line_and_smaller()
    {
        var dog = Scenes.Entity(2, "dog", 400, 300, 600, 500);
        var b = new AddPlacer().Place(Scenes.Op(Operations.Add, ("object_noun", "cat"), ("object_category", "cat"), ("relation", "left_of")), dog, [], Image).Box!.Value;
        Assert.True(b.X2 < 400, $"{b} is not left of the dog");
        Assert.Equal(500, b.Y2, 1);
        Assert.InRange(b.Height, 100, 120); // 0.3 / 0.55 of 200 px
    }

    [Fact]
    public void No_room_on_the_asked_side_is_a_clear_refusal()
    {
        var dog = Scenes.Entity(2, "dog", 5, 300, 205, 500);
        var p = new AddPlacer().Place(Scenes.Op(Operations.Add, ("object_noun", "cat"), ("object_category", "cat"), ("relation", "left_of")), dog, [], Image);
        Assert.False(p.Placed);
        Assert.StartsWith("No room to add a cat to the left of #2 dog", p.Text);
        Assert.Contains("outside the image", p.Text);
    }

    [Fact]
    public void Next_to_takes_the_side_with_room_and_unknown_things_are_half_the_anchor()
    {
        var laptop = Scenes.Entity(3, "laptop", 700, 300, 790, 360);
        var b = new AddPlacer().Place(Scenes.Op(Operations.Add, ("object_noun", "lamp-thing"), ("relation", "next_to")), laptop, [], Image).Box!.Value;
        Assert.True(b.X2 <= 700, $"{b} should be left of the laptop (no room on the right)");
        Assert.Equal(30, b.Height, 1);
    }

    [Fact]
    public void With_no_anchor_the_object_avoids_the_detections()
    {
        var people = new[] { Scenes.Entity(1, "person", 300, 100, 500, 600) };
        var b = new AddPlacer().Place(Scenes.Op(Operations.Add, ("object_noun", "dog"), ("object_category", "dog")), null, people, Image).Box!.Value;
        Assert.Equal(0, b.Intersect(people[0].Box).Area, 1);
        Assert.InRange(b.Y2, 300, 600);
    }
}

/// <summary>What the servers are asked for.</summary>
public sealed class PromptWriterTests
{
    private static readonly SceneEntity Train = Scenes.Entity(6, "train", 0, 120, 600, 360);
    private static readonly SceneEntity[] Others = [Scenes.Entity(1, "person", 10, 300, 60, 420), Scenes.Entity(2, "person", 600, 300, 640, 420), Scenes.Entity(3, "car", 100, 380, 200, 450), Scenes.Entity(9, "kite", 10, 5, 20, 15, 0.2f)];

    [Fact]
    public void Replace_names_the_new_object_with_its_attributes_the_scene_and_keeps_the_old_class_out()
    {
        var p = new PromptWriter().Write(Scenes.Op(Operations.Replace, ("with", "red bus"), ("object_noun", "bus"), ("object_category", "bus"), ("object_color", "red")), Train, Others);
        Assert.StartsWith("a red bus, in a photo with two people and a car nearby", p.Prompt);
        Assert.DoesNotContain("kite", p.Prompt); // unsure detections are not context
        Assert.StartsWith("train, ", p.Negative);
    }

    [Theory]
    [InlineData(Operations.Material, "material", "wooden", "a wooden train")]
    [InlineData(Operations.Material, "material", "leather", "a train made of leather")]
    [InlineData(Operations.Content, "content", "flower pattern", "a train with flower pattern")]
    [InlineData(Operations.Text, "text", "ATSF", "a train with the text \"ATSF\" written on it")]
    [InlineData(Operations.Pose, "pose", "sitting", "a train sitting")]
    [InlineData(Operations.Style, "style", "watercolor", "watercolor style of a scene with two people and a car")]
    [InlineData(Operations.Style, "style", "comic book style", "comic book style of a scene with two people and a car")]
    [InlineData(Operations.Background, "background", "a sunset beach", "a sunset beach in the background, behind two people and a car in the foreground")]
    public void Every_generative_kind_gets_a_sentence_with_its_value(string op, string key, string value, string expected)
    {
        var target = op is Operations.Style or Operations.Background ? Scenes.Entity(0, "image", 0, 0, 640, 480) : Train;
        var p = new PromptWriter().Write(Scenes.Op(op, (key, value)), target, Others);
        Assert.StartsWith(expected, p.Prompt);
    }

    [Theory]
    [InlineData("bus", "a bus")]
    [InlineData("orange", "an orange")]
    [InlineData("ski poles", "ski poles")]
    [InlineData("fruits of a cake", "fruits of a cake")]
    [InlineData("time of a clock", "a time of a clock")]
    public void Articles_follow_the_head_noun(string noun, string expected) => Assert.Equal(expected, PromptWriter.A(noun));

    [Fact]
    public void A_negative_term_the_prompt_asks_for_is_dropped()
    {
        var p = new PromptWriter().Write(Scenes.Op(Operations.Style, ("style", "cartoon")), Scenes.Entity(0, "image", 0, 0, 640, 480), []);
        Assert.Contains("cartoon", p.Prompt);
        Assert.DoesNotContain("cartoon", p.Negative);
    }

    [Fact]
    public void Add_says_where()
    {
        var light = Scenes.Entity(4, "traffic light", 380, 200, 420, 300);
        var p = new PromptWriter().Write(Scenes.Op(Operations.Add, ("object", "pigeon"), ("object_noun", "pigeon"), ("object_category", "bird"), ("relation", "on")), light, [], new Box(390, 180, 410, 205));
        Assert.StartsWith("a pigeon on top of the traffic light", p.Prompt);
    }
}
