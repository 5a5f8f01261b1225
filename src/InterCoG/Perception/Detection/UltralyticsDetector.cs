using InterCoG.Imaging;

namespace InterCoG.Perception;

/// <summary>Ultralytics YOLOv8/YOLO11 ONNX export (a user-supplied model): input 1×3×S×S RGB 0..1 letterboxed
/// centred (pad 114); output 1×(4+80)×N: cx, cy, w, h in input pixels then 80 class probabilities; no objectness,
/// no NMS in the graph.</summary>
public sealed class UltralyticsDetector : OnnxYoloDetector
{
    private readonly int _classes;
    private readonly string _file;

    /// <summary>Load the model once; throws <see cref="ModelFormatException"/> when its shapes do not match the export layout.</summary>
    public UltralyticsDetector(string modelPath, DetectorOptions? options = null, Models.Onnx.OnnxSessionOptions? session = null)
        : base(modelPath, options, rgb: true, pixelScale: 1f / 255f, centered: true, defaultInputSize: 640, session)
    {
        int[] d = OutputDims;
        if (d.Length != 3 || d[1] != 4 + CocoClasses.Names.Length)
            Fail($"output has shape [{string.Join(",", d)}]; expected [1,{4 + CocoClasses.Names.Length},N]");
        _classes = d[1] - 4;
        _file = Path.GetFileNameWithoutExtension(modelPath);
    }

    /// <summary>"ultralytics &lt;file name without extension&gt; (&lt;input side&gt;)", so a trace says which user file ran.</summary>
    public override string Name => $"ultralytics {_file} ({InputSize})";

    /// <inheritdoc />
    protected override void Decode(ReadOnlySpan<float> output, int[] shape, List<(Box, int, float, float[])> into)
    {
        int n = shape[2];
        if (shape[1] != 4 + _classes) Fail($"output has shape [{string.Join(",", shape)}] at run time");
        float minScore = Options.MinScore;
        for (int a = 0; a < n; a++)
        {
            int best = 0;
            float bestScore = -1;
            for (int c = 0; c < _classes; c++)
            {
                float v = output[(4 + c) * n + a];
                if (v > bestScore) { bestScore = v; best = c; }
            }
            if (bestScore < minScore) continue;
            var probs = new float[_classes];
            for (int c = 0; c < _classes; c++) probs[c] = output[(4 + c) * n + a];
            float cx = output[a], cy = output[n + a], w = output[2 * n + a], h = output[3 * n + a];
            into.Add((new Box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2), best, bestScore, probs));
        }
    }
}
