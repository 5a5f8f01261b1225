using InterCoG.Imaging;

namespace InterCoG.Perception;

/// <summary>YOLOX (Megvii) COCO-80 detector from an ONNX export: input 1×3×S×S BGR 0..255 letterboxed top-left
/// (pad 114); output 1×N×85 per anchor point of the stride 8/16/32 grids: [dx, dy, log w, log h, objectness,
/// 80 class scores], objectness and class scores already sigmoided. Centre = (cell + d)·stride, size = exp(·)·stride.
/// Both catalogued exports of YOLOX-nano have this layout: the official 0.1.1rc0 release asset (YOLOX's export script and
/// preprocessing at commit c9fe0aa) and the PyTorch 1.11 re-export (no decoding in its graph); see ModelCatalog.</summary>
public sealed class YoloxDetector : OnnxYoloDetector
{
    private static readonly int[] Strides = [8, 16, 32];
    private readonly float[] _gridX, _gridY, _stride;
    private readonly int _classes;

    private readonly string _model;

    /// <summary>Load the model once; throws <see cref="ModelFormatException"/> when its shapes do not match YOLOX.
    /// <paramref name="model"/> names the variant in <see cref="Name"/> ("yolox-nano", "yolox-s"); the input side is read
    /// from the file (416 for the nano release, 640 for OpenCV's YOLOX-s).</summary>
    public YoloxDetector(string modelPath, DetectorOptions? options = null, Models.Onnx.OnnxSessionOptions? session = null, string model = "yolox-nano")
        : base(modelPath, options, rgb: false, pixelScale: 1f, centered: false, defaultInputSize: 416, session)
    {
        _model = model;
        var grid = new List<(float, float, float)>();
        foreach (int s in Strides)
        {
            int n = InputSize / s;
            for (int gy = 0; gy < n; gy++)
                for (int gx = 0; gx < n; gx++)
                    grid.Add((gx, gy, s));
        }
        _gridX = grid.Select(g => g.Item1).ToArray();
        _gridY = grid.Select(g => g.Item2).ToArray();
        _stride = grid.Select(g => g.Item3).ToArray();
        int[] d = OutputDims;
        if (d.Length != 3 || (d[1] > 0 && d[1] != grid.Count) || d[2] != 5 + CocoClasses.Names.Length)
            Fail($"output has shape [{string.Join(",", d)}]; expected [1,{grid.Count},{5 + CocoClasses.Names.Length}] for input {InputSize}");
        _classes = d[2] - 5;
    }

    /// <inheritdoc />
    public override string Name => $"{_model} ({InputSize})";

    /// <inheritdoc />
    protected override void Decode(ReadOnlySpan<float> output, int[] shape, List<(Box, int, float, float[])> into)
    {
        int n = shape[1], row = shape[2];
        if (n != _gridX.Length || row != 5 + _classes) Fail($"output has shape [{string.Join(",", shape)}] at run time");
        float minScore = Options.MinScore;
        for (int a = 0; a < n; a++)
        {
            var r = output.Slice(a * row, row);
            float obj = r[4];
            if (obj < minScore) continue;
            int best = 0;
            float bestScore = -1;
            for (int c = 0; c < _classes; c++)
                if (r[5 + c] > bestScore) { bestScore = r[5 + c]; best = c; }
            if (obj * bestScore < minScore) continue;
            var probs = new float[_classes];
            for (int c = 0; c < _classes; c++) probs[c] = obj * r[5 + c];
            float s = _stride[a];
            float cx = (_gridX[a] + r[0]) * s, cy = (_gridY[a] + r[1]) * s;
            float w = MathF.Exp(r[2]) * s, h = MathF.Exp(r[3]) * s;
            into.Add((new Box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2), best, obj * bestScore, probs));
        }
    }
}
