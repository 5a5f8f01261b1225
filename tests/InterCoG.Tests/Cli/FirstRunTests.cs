using InterCoG.Chain;
using InterCoG.Cli;
using InterCoG.Cli.Commands;
using InterCoG.Imaging;
using InterCoG.Tests.TestSupport;
using InterCoG.Tracing;
using OpenCvSharp;

namespace InterCoG.Tests.Cli;

/// <summary>What a first run on a fresh machine meets: a missing system library is one line naming its Debian
/// package; the demo photo ships inside the tool; unexpected failures are one plain line, never a stack trace.</summary>
public sealed class FirstRunTests
{
    [Fact]
    public void Ldd_output_gives_the_missing_sonames_and_their_packages()
    {
        const string ldd = """
            	linux-vdso.so.1 (0x00007ffd5a5f0000)
            	libfreetype.so.6 => /lib/x86_64-linux-gnu/libfreetype.so.6 (0x00007f0c1c000000)
            	libgtk-3.so.0 => not found
            	libgdk-3.so.0 => not found
            	libatomic.so.1 => not found
            	libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f0c1b800000)
            """;
        var missing = NativeDependencies.ParseLdd(ldd).ToList();
        Assert.Equal(["libgtk-3.so.0", "libgdk-3.so.0", "libatomic.so.1"], missing);
        Assert.Equal(["libgtk-3-0", "libatomic1"], NativeDependencies.PackagesFor(missing));
        string advice = NativeDependencies.Advice(missing);
        Assert.DoesNotContain('\n', advice);
        Assert.Contains("sudo apt-get install libgtk-3-0 libatomic1", advice);
    }

    [Fact]
    public void The_tools_own_native_libraries_have_every_dependency_here()
    {
        // the same ldd check the demo runs first: on this machine (GTK installed) nothing is missing
        Assert.Empty(NativeDependencies.Missing());
    }

    [Fact]
    public void A_native_load_failure_is_recognised_through_a_type_initialiser_and_named_in_one_line()
    {
        var inner = new DllNotFoundException("Unable to load shared library 'OpenCvSharpExtern' or one of its dependencies: libgtk-3.so.0: cannot open shared object file: No such file or directory");
        var e = new TypeInitializationException("OpenCvSharp.Internal.NativeMethods", inner);
        Assert.True(NativeDependencies.IsLoadFailure(e));
        Assert.False(NativeDependencies.IsLoadFailure(new InvalidOperationException("x")));
        // no shipped native under this folder, so the loader's message is what names the library
        string line = NativeDependencies.Describe(e, folder: Path.GetTempPath());
        Assert.DoesNotContain('\n', line);
        Assert.Contains("libgtk-3-0", line);
    }

    [Fact]
    public void The_demo_photo_is_embedded_in_the_tool_byte_for_byte_and_written_once()
    {
        var spec = DemoCommand.Spec();
        Assert.Equal("horses.jpg", spec.Photo);
        Assert.Equal(File.ReadAllBytes(TestPaths.Horses), DemoCommand.PhotoBytes(spec.Photo));
        string dir = TestPaths.TempDir("demo-photo");
        string path = DemoCommand.ExtractPhoto(spec.Photo, dir);
        var written = File.GetLastWriteTimeUtc(path);
        Assert.Equal(path, DemoCommand.ExtractPhoto(spec.Photo, dir));
        Assert.Equal(written, File.GetLastWriteTimeUtc(path)); // same bytes: left alone
        Assert.Throws<InputException>(() => DemoCommand.PhotoBytes("../demo.json"));
    }

    [Fact]
    public void Labels_of_overlapping_boxes_do_not_collide()
    {
        var frame = new Rect(0, 0, 400, 300);
        var size = new Size(80, 16);
        var placed = new List<Rect>();
        // three boxes with the same top-left corner region, as duplicate detections have
        foreach (var box in new[] { new Rect(50, 40, 100, 100), new Rect(52, 42, 90, 90), new Rect(55, 38, 120, 80) })
            placed.Add(TraceReport.PlaceLabel(box, size, placed, frame));
        for (int i = 0; i < placed.Count; i++)
        {
            Assert.True(frame.Contains(placed[i].TopLeft) && placed[i].Bottom <= frame.Bottom && placed[i].Right <= frame.Right);
            for (int j = i + 1; j < placed.Count; j++) Assert.False(placed[i].IntersectsWith(placed[j]), $"labels {i} and {j} overlap");
        }
        // a box at the top edge gets its label inside, not cut off above the image
        var top = TraceReport.PlaceLabel(new Rect(10, 0, 50, 50), size, [], frame);
        Assert.Equal(0, top.Y);
    }

    [Fact]
    public void The_overlay_draws_only_boxes_at_or_above_the_score_threshold()
    {
        using var bgr = new Mat(200, 300, MatType.CV_8UC3, Scalar.All(90));
        var boxes = new[] { TraceBox.From(1, "dog", 0.9f, new Box(20, 40, 120, 160)), TraceBox.From(2, "cat", 0.05f, new Box(150, 40, 280, 160)) };
        using var drawn = TraceReport.RenderDetections(bgr, boxes);
        using var diff = new Mat();
        Cv2.Absdiff(bgr, drawn, diff);
        using var gray = diff.CvtColor(ColorConversionCodes.BGR2GRAY);
        using (var left = new Mat(gray, new Rect(0, 0, 140, 200))) Assert.True(Cv2.CountNonZero(left) > 200, "the confident box is drawn");
        using (var right = new Mat(gray, new Rect(145, 0, 155, 200))) Assert.Equal(0, Cv2.CountNonZero(right));
        using var all = TraceReport.RenderDetections(bgr, boxes, new OverlayOptions { MinScore = 0 });
        Cv2.Absdiff(bgr, all, diff);
        using var gray2 = diff.CvtColor(ColorConversionCodes.BGR2GRAY);
        using (var right = new Mat(gray2, new Rect(145, 0, 155, 200))) Assert.True(Cv2.CountNonZero(right) > 200, "MinScore 0 draws the low one");
    }

    [Fact]
    public void An_unexpected_failure_is_one_plain_line_without_a_stack_trace()
    {
        // --min-score out of range is a usage error: one line, exit 2
        var r = CliRunner.Run("detect", TestPaths.Horses, "--overlay", Path.Combine(TestPaths.TempDir("ov"), "o.png"), "--min-score", "3");
        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Assert.Single(r.ErrLines);
        Assert.Contains("--min-score", r.Err);
        Assert.DoesNotContain("   at ", r.Err);
    }
}
