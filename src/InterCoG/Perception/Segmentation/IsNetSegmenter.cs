using InterCoG.Imaging;
using InterCoG.Models;
using InterCoG.Models.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OpenCvSharp;

namespace InterCoG.Perception.Segmentation;

/// <summary>IS-Net's probability map over one padded crop: <see cref="Probability"/> is CV_32FC1, 0..1, the crop's
/// size (rows = crop height); <see cref="Crop"/> places it in the image.</summary>
public sealed record IsNetPrediction(Mat Probability, SegmentationCrop Crop) : IDisposable
{
    public void Dispose() => Probability.Dispose();
}

/// <summary>Box-prompted segmentation with IS-Net (Qin et al., "Highly Accurate Dichotomous Image Segmentation",
/// ECCV 2022), a salient-object model: the padded crop around the box is resized to the model's S×S input
/// (RGB, x/255 − 0.5, NCHW), the 1×1×S×S output is resized back to the crop, thresholded, reduced to the components
/// that lie in the box and clipped to a slightly padded box. The ONNX session is created once; Run is thread-safe.</summary>
public sealed class IsNetSegmenter : ISegmenter, IRunsOnProvider, IDisposable
{
    private readonly OnnxSession _onnx;
    private readonly InferenceSession _session;
    private readonly string _inputName;
    private readonly string _outputName;
    private readonly SegmenterOptions _options;

    /// <summary>Load the IS-Net model at <paramref name="modelPath"/>; its input must be 1×3×S×S and its first
    /// output 1×1×S×S (float32), else <see cref="ModelFormatException"/>. <paramref name="session"/>: device and
    /// optimisation (<see cref="OnnxSessionFactory"/>; threads from <paramref name="options"/>).</summary>
    public IsNetSegmenter(string modelPath, SegmenterOptions? options = null, OnnxSessionOptions? session = null)
    {
        _options = options ?? new SegmenterOptions();
        try { _onnx = OnnxSessionFactory.Create(modelPath, session, _options.IntraOpThreads); }
        catch (OnnxRuntimeException e) { throw new ModelFormatException($"IS-Net model {modelPath} does not load in ONNX Runtime: {e.Message}", e); }
        _session = _onnx.Session;

        var (inName, inMeta) = _session.InputMetadata.Count == 1 ? _session.InputMetadata.First()
            : throw Fail($"expected 1 input, found {_session.InputMetadata.Count}");
        int[] d = inMeta.Dimensions;
        if (inMeta.ElementType != typeof(float) || d.Length != 4 || d[0] != 1 || d[1] != 3 || d[2] <= 0 || d[2] != d[3])
            throw Fail($"expected input float32 1×3×S×S, found {inMeta.ElementType.Name} [{string.Join(",", d)}]");
        var (outName, outMeta) = _session.OutputMetadata.First();
        int[] o = outMeta.Dimensions;
        if (outMeta.ElementType != typeof(float) || o.Length != 4 || o[0] != 1 || o[1] != 1 || o[2] != d[2] || o[3] != d[3])
            throw Fail($"expected output float32 1×1×{d[2]}×{d[2]}, found {outMeta.ElementType.Name} [{string.Join(",", o)}]");
        _inputName = inName;
        _outputName = outName;
        Size = d[2];

        ModelFormatException Fail(string what)
        {
            _onnx?.Dispose();
            return new ModelFormatException($"IS-Net model {modelPath}: {what}");
        }
    }

    /// <summary>The installed IS-Net variant for <see cref="SegmenterOptions.Resolution"/> from <paramref name="store"/>
    /// (throws <see cref="ModelMissingException"/> when it is not installed).</summary>
    public static IsNetSegmenter FromStore(ModelStore store, SegmenterOptions? options = null, OnnxSessionOptions? session = null)
    {
        options ??= new SegmenterOptions();
        return new IsNetSegmenter(store.RequirePath(ModelCatalog.IsNetAt(options.Resolution)), options, session);
    }

    /// <summary>Model input side S in pixels.</summary>
    public int Size { get; }

    /// <inheritdoc />
    public string Name => $"isnet-{Size}";

    /// <inheritdoc />
    public string Provider => _onnx.Provider;

    /// <summary>Options in use.</summary>
    public SegmenterOptions Options => _options;

    /// <summary>IS-Net's probability map over the padded crop around <paramref name="box"/> (XYXY pixels of
    /// <paramref name="bgr"/>, an 8-bit BGR image).</summary>
    public IsNetPrediction Predict(Mat bgr, Box box)
    {
        if (bgr.Empty() || bgr.Type() != MatType.CV_8UC3)
            throw new InputException($"IS-Net needs an 8-bit 3-channel BGR image, got {bgr.Type()}");
        var crop = SegmentationCrop.For(box, bgr.Cols, bgr.Rows, _options);
        var input = new DenseTensor<float>([1, 3, Size, Size]);
        using (var cropMat = new Mat(bgr, crop.Crop))
        using (var resized = new Mat())
        {
            var interpolation = crop.Crop.Width > Size || crop.Crop.Height > Size ? InterpolationFlags.Area : InterpolationFlags.Linear;
            Cv2.Resize(cropMat, resized, new Size(Size, Size), 0, 0, interpolation);
            var span = input.Buffer.Span;
            int plane = Size * Size;
            ReadOnlySpan<byte> pixels = resized.AsSpan<byte>(); // continuous: Resize allocates a fresh Mat
            for (int i = 0; i < plane; i++)
            {
                span[i] = pixels[3 * i + 2] / 255f - 0.5f;             // R
                span[plane + i] = pixels[3 * i + 1] / 255f - 0.5f;     // G
                span[2 * plane + i] = pixels[3 * i] / 255f - 0.5f;     // B
            }
        }

        using var results = _session.Run([NamedOnnxValue.CreateFromTensor(_inputName, input)], [_outputName]);
        var output = (DenseTensor<float>)results.First().Value;
        using var map = new Mat(Size, Size, MatType.CV_32FC1);
        output.Buffer.Span.CopyTo(map.AsSpan<float>());
        var probability = new Mat();
        Cv2.Resize(map, probability, new Size(crop.Crop.Width, crop.Crop.Height), 0, 0, InterpolationFlags.Linear);
        Cv2.Min(probability, 1.0, probability);
        Cv2.Max(probability, 0.0, probability);
        return new IsNetPrediction(probability, crop);
    }

    /// <summary>Mask (CV_8UC1, 255 inside, image size) of the object in <paramref name="box"/>; Quality is the
    /// quality check's score.</summary>
    public MaskResult Segment(Mat bgr, Box box) => SegmentWithReport(bgr, box).Result;

    /// <summary>Mask plus the quality report computed on the raw probability map.</summary>
    public SegmentationOutcome SegmentWithReport(Mat bgr, Box box)
    {
        using var prediction = Predict(bgr, box);
        return FromPrediction(prediction, bgr.Cols, bgr.Rows);
    }

    internal SegmentationOutcome FromPrediction(IsNetPrediction prediction, int width, int height)
    {
        var crop = prediction.Crop;
        var report = SegmentationQuality.Assess(prediction.Probability, crop.BoxInCrop, crop.Edges, _options, Name);
        using var binary = new Mat();
        Cv2.Threshold(prediction.Probability, binary, _options.MaskThreshold - 1e-6, 255, ThresholdTypes.Binary);
        using var mask8 = new Mat();
        binary.ConvertTo(mask8, MatType.CV_8UC1);
        using var kept = MaskCleanup.KeepComponentsInBox(mask8, crop.ClipInCrop, _options.MinComponentInsideShare);
        var full = crop.ToFullMask(kept, width, height);
        return new SegmentationOutcome(new MaskResult(full, Name, report.Score), report);
    }

    public void Dispose() => _onnx.Dispose();
}

/// <summary>A mask and the quality report behind it (for the trace).</summary>
public sealed record SegmentationOutcome(MaskResult Result, SegmentationReport Report);
