using System.Text.Json;
using InterCoG.Chain;
using OpenCvSharp;
using InterCoG.Tracing;
using InterCoG.Imaging;

namespace InterCoG.Tests.Chain;

public sealed class TraceTests
{
    [Fact]
    public void Rle_is_column_major_and_starts_with_zeros_like_pycocotools()
    {
        // 3×4 mask (h=3, w=4) with pixels (row 0, col 1) and (row 1, col 1) and (row 2, col 3) set
        using var m = new Mat(3, 4, MatType.CV_8UC1, Scalar.All(0));
        m.Set(0, 1, (byte)255); m.Set(1, 1, (byte)1); m.Set(2, 3, (byte)9);
        var rle = CocoRle.Encode(m);
        Assert.Equal(new[] { 3, 4 }, rle.Size);
        // column-major order: col0 = 0,0,0 | col1 = 1,1,0 | col2 = 0,0,0 | col3 = 0,0,1
        Assert.Equal(new[] { 3, 2, 6, 1 }, rle.Counts);
        Assert.Equal(3, rle.Area);
    }

    [Fact]
    public void Rle_of_a_mask_starting_inside_begins_with_an_empty_zero_run_and_round_trips()
    {
        using var m = new Mat(5, 7, MatType.CV_8UC1, Scalar.All(0));
        Cv2.Rectangle(m, new Rect(0, 0, 3, 2), Scalar.All(255), -1);
        Cv2.Circle(m, new Point(5, 3), 1, Scalar.All(255), -1);
        var rle = CocoRle.Encode(m);
        Assert.Equal(0, rle.Counts[0]);
        using var back = rle.Decode();
        using var diff = new Mat();
        Cv2.Compare(m, back, diff, CmpTypes.NE);
        Assert.Equal(0, Cv2.CountNonZero(diff));
    }

    [Theory]
    [InlineData(ChainStatus.Edited, false, null, 0)]
    [InlineData(ChainStatus.Edited, true, false, 6)]
    [InlineData(ChainStatus.Edited, false, false, 0)]
    [InlineData(ChainStatus.Grounded, true, null, 0)]
    [InlineData(ChainStatus.Ambiguous, false, null, 3)]
    [InlineData(ChainStatus.NotFound, false, null, 4)]
    [InlineData(ChainStatus.Unsupported, false, null, 7)]
    [InlineData(ChainStatus.Error, false, null, 2)]
    public void Status_maps_to_the_design_exit_codes(ChainStatus status, bool strict, bool? verifyOk, int code)
    {
        var t = new ChainTrace { Image = new TraceImage("x.png", 1, 1, ""), Instruction = "i", Status = status };
        if (verifyOk is bool ok) t.Add(new TraceStep(Stages.Verify, "v") { Ok = ok });
        Assert.Equal(code, ChainOutcome.ExitCode(t, strict));
    }

    [Fact]
    public void Trace_json_uses_the_design_field_names()
    {
        var t = new ChainTrace { Image = new TraceImage("in.jpg", 640, 480, "ab"), Instruction = "make it red", Status = ChainStatus.NotFound };
        t.Add(new TraceStep(Stages.Detect, "none") { Boxes = [TraceBox.From(3, "bottle", 0.8123f, new InterCoG.Imaging.Box(10, 20, 50, 120))], Ms = 96 });
        t.TimingsMs["detect"] = 96;
        var j = JsonDocument.Parse(t.ToJson()).RootElement;
        Assert.Equal(1, j.GetProperty("version").GetInt32());
        Assert.Equal("not_found", j.GetProperty("status").GetString());
        Assert.Equal(640, j.GetProperty("image").GetProperty("width").GetInt32());
        var box = j.GetProperty("steps")[0].GetProperty("boxes")[0];
        Assert.Equal("[10,20,50,120]", box.GetProperty("xyxy").GetRawText().Replace(" ", "").Replace("\n", "").Replace("\r", ""));
        Assert.Equal(0.812, box.GetProperty("score").GetDouble(), 3);
        Assert.Equal(96, j.GetProperty("timings_ms").GetProperty("detect").GetDouble());
        Assert.False(j.GetProperty("steps")[0].TryGetProperty("mask", out _));
    }
}
