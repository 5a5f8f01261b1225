using InterCoG.Editing;
using InterCoG.Editing.Generative;
using InterCoG.Imaging;
using InterCoG.Programs;
using InterCoG.Tests.Language;
using OpenCvSharp;

namespace InterCoG.Tests.Generative;

/// <summary>Both clients against the real loopback server: every fault is one clear line, retries only where safe, the
/// key never in a message; and the backend's crop and paste-back on a synthetic picture (no models).</summary>
public sealed class InpaintServerTests : IAsyncLifetime
{
    private FakeImageServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeImageServer.StartAsync();
    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static IInpaintServer Client(string kind, string url, double timeout = 10, string? keyVariable = null) =>
        kind == "a1111"
            ? new A1111Client(new GenerativeSettings { Kind = GenerativeKind.A1111, Url = new Uri(url), TimeoutSeconds = timeout, BackoffMs = 20, KeyVariable = keyVariable })
            : new OpenAiImagesClient(new GenerativeSettings { Kind = GenerativeKind.OpenAi, Url = new Uri(url), TimeoutSeconds = timeout, BackoffMs = 20, KeyVariable = keyVariable });

    private static PaintRequest Request(IInpaintServer client)
    {
        var size = client.WorkSize(new Size(400, 300));
        var image = new Mat(size, MatType.CV_8UC3, new Scalar(90, 120, 150));
        var mask = new Mat(size, MatType.CV_8UC1, Scalar.All(0));
        Cv2.Rectangle(mask, new Rect(size.Width / 4, size.Height / 4, size.Width / 2, size.Height / 2), Scalar.All(255), -1);
        return new PaintRequest(image, mask, Operations.Replace, "a red bus", "train");
    }

    private GenerativeBackendException Fails(string kind, FakeFault fault, double timeout = 10, string? key = null)
    {
        _server.Fault = fault;
        var client = Client(kind, _server.Url, timeout, key);
        var e = Assert.Throws<GenerativeBackendException>(() => client.Paint(Request(client)));
        Assert.Equal(ExitCodes.Other, e.ExitCode);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains($"the {kind} server at {_server.Url}", e.Message);
        return e;
    }

    [Theory]
    [InlineData("a1111")]
    [InlineData("openai")]
    public void A_painted_answer_comes_back_at_the_sent_size(string kind)
    {
        var client = Client(kind, _server.Url);
        var request = Request(client);
        using var r = client.Paint(request);
        Assert.Equal(request.Image.Size(), r.Image.Size());
        // the fake paints stripes where the mask says "repaint": the polarity arrived right
        var centre = r.Image.At<Vec3b>(request.Image.Rows / 2, request.Image.Cols / 2);
        Assert.True(centre == new Vec3b(255, 0, 255) || centre == new Vec3b(0, 200, 0), $"centre {centre}");
        Assert.Equal(new Vec3b(93, 123, 153), r.Image.At<Vec3b>(2, 2)); // outside the mask: the fake's +3 shift, not stripes
        Assert.Null(r.Note);
        Assert.True(r.Ms > 0);
    }

    [Fact]
    public void An_unreachable_server_is_retried_then_one_line()
    {
        var client = Client("openai", $"http://127.0.0.1:{ChatServer.FreePort()}");
        var e = Assert.Throws<GenerativeBackendException>(() => client.Paint(Request(client)));
        Assert.Contains("unreachable", e.Message);
        Assert.Contains("after 3 attempts", e.Message);
        Assert.Contains("--gen-url", e.Message);
    }

    [Theory]
    [InlineData("a1111")]
    [InlineData("openai")]
    public void A_generation_that_times_out_is_not_sent_again(string kind)
    {
        _server.DelayMs = 4000;
        var e = Fails(kind, FakeFault.Slow, timeout: 1);
        Assert.Contains("no answer within 1 s (--gen-timeout-s)", e.Message);
        // a retry would arrive within the backoff (20 ms); on a loaded machine the first upload may not have been read
        // in full when the client gave up, so "once" reads "at most once"
        Thread.Sleep(1000);
        Assert.InRange(_server.Generations.Count, 0, 1);
    }

    [Theory]
    [InlineData("a1111", 400)]
    [InlineData("openai", 400)]
    [InlineData("a1111", 500)]
    [InlineData("openai", 500)]
    public void Http_errors_are_reported_and_a_generation_is_not_repeated(string kind, int status)
    {
        _server.FaultStatus = status;
        var e = Fails(kind, FakeFault.Status);
        Assert.Contains($"HTTP {status}", e.Message);
        Assert.Contains($"simulated failure {status}", e.Message);
        Assert.Single(_server.Generations);
    }

    [Theory]
    [InlineData("a1111")]
    [InlineData("openai")]
    public void A_503_means_the_server_did_not_take_the_work_and_is_retried(string kind)
    {
        _server.Fault = FakeFault.BusyThenOk;
        _server.FailFirst = 2;
        var client = Client(kind, _server.Url);
        using var r = client.Paint(Request(client));
        Assert.Equal(3, _server.Generations.Count);
    }

    [Theory]
    [InlineData("a1111", FakeFault.WrongSize, "another shape")]
    [InlineData("openai", FakeFault.WrongSize, "another shape")]
    [InlineData("a1111", FakeFault.Undecodable, "not a PNG, JPEG or WebP image")]
    [InlineData("openai", FakeFault.Undecodable, "not a PNG, JPEG or WebP image")]
    [InlineData("a1111", FakeFault.NotBase64, "not base64")]
    [InlineData("openai", FakeFault.NotBase64, "not base64")]
    [InlineData("a1111", FakeFault.NoImage, "no image")]
    [InlineData("openai", FakeFault.NoImage, "no image")]
    [InlineData("a1111", FakeFault.NoApi, "started with --api")]
    public void An_answer_without_a_usable_image_is_a_fault(string kind, FakeFault fault, string expected) =>
        Assert.Contains(expected, Fails(kind, fault).Message);

    [Theory]
    [InlineData("a1111")]
    [InlineData("openai")]
    public void A_server_that_echoes_the_key_never_gets_it_into_the_message(string kind)
    {
        string variable = "INTERCOG_TEST_GEN_KEY_" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(variable, "sk-very-secret-42");
        try
        {
            var e = Fails(kind, FakeFault.EchoKey, key: variable);
            Assert.Contains("HTTP 401", e.Message);
            Assert.Contains("***", e.Message);
            Assert.DoesNotContain("sk-very-secret-42", e.Message);
            Assert.Equal("Bearer sk-very-secret-42", _server.Generations.Single().Authorization);
        }
        finally { Environment.SetEnvironmentVariable(variable, null); }
    }

    [Fact]
    public void An_a1111_key_written_user_colon_password_goes_as_http_basic()
    {
        string variable = "INTERCOG_TEST_GEN_KEY_" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(variable, "me:pw");
        try
        {
            var client = Client("a1111", _server.Url, keyVariable: variable);
            using var r = client.Paint(Request(client));
            Assert.All(_server.Requests, q => Assert.Equal("Basic bWU6cHc=", q.Authorization));
        }
        finally { Environment.SetEnvironmentVariable(variable, null); }
    }

    [Fact]
    public void A_data_url_answer_and_a_same_aspect_larger_answer_are_accepted()
    {
        _server.DataPrefix = true;
        _server.Fault = FakeFault.DoubleSize;
        var client = Client("a1111", _server.Url);
        var request = Request(client);
        using var r = client.Paint(request);
        Assert.Equal(request.Image.Size(), r.Image.Size());
        Assert.Contains("resized", r.Note);
    }

    [Theory]
    [InlineData("a1111", Operations.Replace)]
    [InlineData("openai", Operations.Replace)]
    [InlineData("a1111", Operations.Add)]
    [InlineData("a1111", Operations.Style)]
    [InlineData("openai", Operations.Background)]
    public void The_backend_pastes_back_only_inside_the_grown_region_and_the_composite_is_bit_exact_beyond_it(string kind, string op)
    {
        using var bgr = new Mat(360, 480, MatType.CV_8UC3);
        Cv2.Randu(bgr, Scalar.All(0), Scalar.All(255));
        using var loaded = new LoadedImage(bgr.Clone(), bgr.Clone(), "synthetic.png", "0", "png");
        var target = Scenes.Entity(1, "train", 200, 150, 300, 230);
        using var mask = new Mat(bgr.Size(), MatType.CV_8UC1, Scalar.All(0));
        Cv2.Ellipse(mask, new RotatedRect(new Point2f(250, 190), new Size2f(100, 80), 0), Scalar.All(255), -1);
        var whole = Scenes.Entity(0, "image", 0, 0, 480, 360);
        bool image = op is Operations.Style or Operations.Background;
        using var background = new Mat();
        Cv2.BitwiseNot(mask, background);
        var backend = new GenerativeEditBackend(Client(kind, _server.Url));
        var place = op == Operations.Add ? new Box(320, 180, 380, 230) : (Box?)null;
        var context = new EditContext(bgr, op == Operations.Background ? background : mask,
            Scenes.Op(op, ("with", "red bus"), ("object_noun", "bus"), ("relation", "right_of"), ("style", "watercolor"), ("background", "beach")),
            image ? whole : target) { Place = place };
        using var result = backend.Apply(context);
        using var output = Compositor.Composite(loaded, result.Edited, result.Region, 8);
        var bound = (place ?? target.Box).Pad(0.125f);
        using var inside = new Mat(bgr.Size(), MatType.CV_8UC1, Scalar.All(0));
        Cv2.Rectangle(inside, bound.Pad(0, 8).ToRect(480, 360), Scalar.All(255), -1);
        using var diff = new Mat();
        Cv2.Absdiff(bgr, output, diff);
        using var changed = new Mat();
        Cv2.CvtColor(diff, changed, ColorConversionCodes.BGR2GRAY);
        if (!image)
        {
            // nothing beyond the box grown by 25 % + 8 px (the fake server shifted every pixel it got)
            changed.SetTo(Scalar.All(0), inside);
            Assert.Equal(0, Cv2.CountNonZero(changed));
            var r = Cv2.BoundingRect(result.Region);
            Assert.True(bound.Pad(0, 1).ToRect(480, 360).Contains(r), $"region {r} beyond {bound}");
        }
        else if (op == Operations.Background)
        {
            // the object (its mask eroded by the feather band) is untouched
            using var core = new Mat();
            Cv2.Erode(mask, core, Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(19, 19)));
            using var touched = new Mat();
            Cv2.BitwiseAnd(changed, core, touched);
            Assert.Equal(0, Cv2.CountNonZero(touched));
        }
        Assert.True(Cv2.CountNonZero(result.Region) > 0);
        Assert.NotNull(result.Backend);
        Assert.Equal(kind, (string?)result.Backend!["name"]);
    }

    [Fact]
    public void An_empty_segmentation_mask_paints_the_grounded_box_instead_of_failing()
    {
        // a GrabCut that found nothing leaves the target with its box alone
        using var bgr = new Mat(360, 480, MatType.CV_8UC3, new Scalar(40, 90, 160));
        using var empty = new Mat(bgr.Size(), MatType.CV_8UC1, Scalar.All(0));
        var target = Scenes.Entity(1, "bench", 200, 150, 300, 230);
        var backend = new GenerativeEditBackend(Client("a1111", _server.Url));
        using var result = backend.Apply(new EditContext(bgr, empty, Scenes.Op(Operations.Material, ("material", "stone")), target));
        var r = Cv2.BoundingRect(result.Region);
        Assert.True(r.Contains(new Rect(200, 150, 100, 80)), $"region {r} does not cover the box");
        Assert.True(target.Box.Pad(0.125f).Pad(0, 1).ToRect(480, 360).Contains(r), $"region {r} beyond the grown box");
        var centre = result.Edited.At<Vec3b>(190, 250);
        Assert.True(centre == new Vec3b(255, 0, 255) || centre == new Vec3b(0, 200, 0), $"the box's centre is {centre}, not painted");
    }
}
