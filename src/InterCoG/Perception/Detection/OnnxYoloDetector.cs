using InterCoG.Imaging;
using InterCoG.Models.Onnx;
using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;

namespace InterCoG.Perception;

/// <summary>Shared ONNX plumbing of the YOLO-family detectors: one session, one reused input buffer, letterboxing
/// through <see cref="LetterboxTransform"/>, decoding by the subclass, per-class NMS. Calls are serialised by a lock.</summary>
public abstract class OnnxYoloDetector : ISinglePassDetector, IRunsOnProvider, IDisposable
{
    private readonly OnnxSession _onnx;
    private readonly InferenceSession _session;
    private readonly string _inputName;
    private readonly float[] _input;
    private readonly Mat _resized = new();
    private readonly object _gate = new();
    private readonly RunOptions _runOptions = new();
    private readonly bool _rgb, _centered;
    private readonly float _pixelScale;

    /// <summary>Options the detector was built with.</summary>
    public DetectorOptions Options { get; }

    /// <inheritdoc />
    public int InputSize { get; }

    /// <inheritdoc />
    public abstract string Name { get; }

    /// <inheritdoc />
    public string Provider => _onnx.Provider;

    /// <summary>Shape of the model's first output as the model declares it.</summary>
    protected int[] OutputDims { get; }

    /// <param name="modelPath">ONNX file.</param>
    /// <param name="options">Thresholds and threads; InputSize 0 reads the size from the model.</param>
    /// <param name="rgb">Channel order the network expects (true = RGB, false = BGR).</param>
    /// <param name="pixelScale">Factor applied to 0..255 pixel values (1 or 1/255).</param>
    /// <param name="centered">Letterbox padding split evenly (true) or the image placed top-left (false).</param>
    /// <param name="defaultInputSize">Input side used when the model's spatial dimensions are dynamic.</param>
    /// <param name="session">Device and optimisation of the session (<see cref="OnnxSessionFactory"/>; threads from <paramref name="options"/>).</param>
    protected OnnxYoloDetector(string modelPath, DetectorOptions? options, bool rgb, float pixelScale, bool centered, int defaultInputSize,
        OnnxSessionOptions? session = null)
    {
        Options = options ?? new DetectorOptions();
        _rgb = rgb; _pixelScale = pixelScale; _centered = centered;
        if (!File.Exists(modelPath))
            throw new ModelMissingException($"detector model not found: {modelPath} (run `intercog models install`)");
        try { _onnx = OnnxSessionFactory.Create(modelPath, session, Options.Threads); }
        catch (OnnxRuntimeException e) { throw new ModelMissingException($"detector model is corrupt: {modelPath}: {e.Message}", e); }
        _session = _onnx.Session;

        var (inName, inMeta) = _session.InputMetadata.First();
        _inputName = inName;
        int[] d = inMeta.Dimensions;
        if (d.Length != 4 || (d[0] != 1 && d[0] > 0) || d[1] != 3 || d[2] != d[3])
            Fail($"input '{inName}' has shape [{string.Join(",", d)}]; expected [1,3,S,S]");
        int modelSize = d[2];
        if (modelSize <= 0) modelSize = Options.InputSize > 0 ? Options.InputSize : defaultInputSize;
        else if (Options.InputSize > 0 && Options.InputSize != modelSize)
            Fail($"InputSize {Options.InputSize} requested but the model's input is fixed at {modelSize}×{modelSize}");
        InputSize = modelSize;
        OutputDims = _session.OutputMetadata.First().Value.Dimensions;
        _input = new float[3 * InputSize * InputSize];
    }

    /// <summary>Throw a <see cref="ModelFormatException"/> naming this detector type and what was found.</summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    protected void Fail(string what) => throw new ModelFormatException($"{GetType().Name}: unsupported model: {what}");

    /// <summary>Decode raw output (the first output, row-major as <see cref="OutputDims"/> with resolved sizes) into
    /// candidate boxes in model-input pixels (XYXY), adding those with max class probability ≥ MinScore.</summary>
    protected abstract void Decode(ReadOnlySpan<float> output, int[] shape, List<(Box ModelBox, int ClassId, float Score, float[] Probs)> into);

    /// <inheritdoc />
    public IReadOnlyList<Detection> Detect(Mat bgr) => DetectRegion(bgr, new Rect(0, 0, bgr.Cols, bgr.Rows));

    /// <inheritdoc />
    public IReadOnlyList<Detection> DetectRegion(Mat bgr, Rect region)
    {
        if (bgr.Empty() || bgr.Type() != MatType.CV_8UC3)
            throw new InputException($"detector expects an 8-bit 3-channel BGR image, got {(bgr.Empty() ? "an empty image" : bgr.Type().ToString())}");
        region = region.Intersect(new Rect(0, 0, bgr.Cols, bgr.Rows));
        if (region.Width <= 0 || region.Height <= 0) return [];
        var t = LetterboxTransform.Create(region, InputSize, InputSize, _centered);
        var candidates = new List<(Box, int, float, float[])>();
        lock (_gate)
        {
            Fill(bgr, t);
            using var inputValue = OrtValue.CreateTensorValueFromMemory(_input, [1, 3, InputSize, InputSize]);
            using var outputs = _session.Run(_runOptions, [_inputName], [inputValue], [_session.OutputNames[0]]);
            var output = outputs[0];
            int[] shape = output.GetTensorTypeAndShape().Shape.Select(x => (int)x).ToArray();
            Decode(output.GetTensorDataAsSpan<float>(), shape, candidates);
        }
        var dets = new List<Detection>(candidates.Count);
        foreach (var (mb, cls, score, probs) in candidates)
        {
            var b = t.ToImage(mb);
            if (b.Width >= 1 && b.Height >= 1) dets.Add(new Detection(b, cls, score, probs));
        }
        var kept = Nms.PerClass(dets, Options.NmsIou);
        return kept.Select(i => dets[i]).ToList();
    }

    /// <summary>Letterbox the region into the CHW float input buffer (pad value 114).</summary>
    private unsafe void Fill(Mat bgr, LetterboxTransform t)
    {
        t.ResizeRegion(bgr, _resized);
        int s = InputSize, plane = s * s;
        Array.Fill(_input, 114f * _pixelScale);
        var (ox, oy) = t.PasteOffset;
        int w = _resized.Cols, h = _resized.Rows;
        int c0 = _rgb ? 2 * plane : 0, c2 = _rgb ? 0 : 2 * plane;
        float k = _pixelScale;
        fixed (float* dst = _input)
        {
            for (int y = 0; y < h; y++)
            {
                byte* row = (byte*)_resized.Ptr(y);
                int o = (y + oy) * s + ox;
                for (int x = 0; x < w; x++)
                {
                    // source is B, G, R; plane c0 receives B, c2 receives R
                    dst[c0 + o + x] = row[3 * x] * k;
                    dst[plane + o + x] = row[3 * x + 1] * k;
                    dst[c2 + o + x] = row[3 * x + 2] * k;
                }
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _onnx.Dispose();
        _runOptions.Dispose();
        _resized.Dispose();
        GC.SuppressFinalize(this);
    }
}
