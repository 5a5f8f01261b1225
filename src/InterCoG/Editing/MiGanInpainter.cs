using System.Globalization;
using InterCoG.Models;
using InterCoG.Models.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OpenCvSharp;

namespace InterCoG.Editing;

/// <summary>Settings of <see cref="MiGanInpainter"/>.</summary>
public sealed record MiGanOptions
{
    /// <summary>Side of the square context crop as a multiple of the hole box's longer side (the model sees the hole
    /// with this much of its surroundings).</summary>
    public double ContextFactor { get; init; } = 2;

    /// <summary>Smallest side of the context crop, in pixels: the model's side, so a typical hole (up to ~200 px) is
    /// filled at full resolution, neither up- nor downscaled (an upscaled crop comes back visibly smoother: on coco128
    /// the hole/ring gradient-energy ratio fell from 0.76 to 0.53 with 256).</summary>
    public int MinContextPx { get; init; } = 512;

    /// <summary>Depth inside the hole's edge over which the fill fades in, in pixels: a hole pixel at distance d from
    /// the nearest kept pixel takes min(1, d / FeatherPx) of the fill (0: a hard edge).</summary>
    public double FeatherPx { get; init; } = 3;

    /// <summary>Fine texture put back into the generated hole (<see cref="HoleDetail"/>): the generator's fill is
    /// smoother than the photo around it (on coco128 its hole/ring gradient-energy ratio was 0.79 without the layer,
    /// against the true pixels' 0.89; bench/INPAINT.md).</summary>
    public HoleDetailOptions Detail { get; init; } = new();

    /// <summary>ONNX Runtime intra-op threads (0: one per processor core).</summary>
    public int IntraOpThreads { get; init; }
}

/// <summary>MI-GAN inpainting (A. Sargsyan et al., "MI-GAN: A Simple Baseline for Image Inpainting on Mobile Devices",
/// ICCV 2023) through its one-graph ONNX pipeline (<see cref="ModelCatalog.MiGan"/>): uint8 RGB image 1×3×H×W and
/// uint8 mask 1×1×H×W (<see cref="HoleValue"/> = fill, <see cref="KnownValue"/> = keep) → uint8 RGB 1×3×H×W. The
/// generator runs at <see cref="ModelSide"/>² whatever the input size, so this wrapper feeds it exactly that (the
/// pipeline's own crop logic also misbehaves below 512: a red square on a flat grey 256×256 image came back dark blue,
/// the same at 512×512 grey): the
/// square context crop around the hole (reflect-padded where the image border clips it) is resized to 512×512, filled,
/// resized back, given the surroundings' fine texture back (<see cref="HoleDetail"/>: the generator's fill is smoother
/// than the photo) and faded into the hole over <see cref="MiGanOptions.FeatherPx"/>. Holes larger than the model side
/// are filled on a downscaled context (the trace says by how much). Forbidden pixels are marked unknown, so the model
/// never continues another object into the hole. The ONNX session is created once with its shapes fixed at 512;
/// Fill is thread-safe and deterministic.</summary>
public sealed class MiGanInpainter : IInpainter, IRunsOnProvider, IDisposable
{
    /// <summary>Mask value that marks a pixel to fill (the pipeline keeps pixels whose mask is 255 and regenerates the
    /// rest; pinned by a test on a flat image).</summary>
    public const byte HoleValue = 0;

    /// <summary>Mask value that marks a pixel to keep.</summary>
    public const byte KnownValue = 255;

    /// <summary>The generator's input side in pixels (the pipeline resizes any crop to 512×512).</summary>
    public const int ModelSide = 512;

    private readonly InferenceSession _session;

    /// <summary>"cpu" or "cuda:N": where the pipeline runs.</summary>
    public string Provider { get; }
    private readonly string _imageInput, _maskInput, _output;

    /// <summary>Loads the MI-GAN pipeline at <paramref name="modelPath"/>; it must have a uint8 image input [N,3,H,W],
    /// a uint8 mask input [N,1,H,W] and a uint8 output [N,3,H,W], else <see cref="ModelFormatException"/>.</summary>
    public MiGanInpainter(string modelPath, MiGanOptions? options = null, OnnxSessionOptions? sessions = null)
    {
        Options = options ?? new MiGanOptions();
        // Every call feeds 1×·×512×512: fixed shapes let ONNX Runtime plan the generator's memory once.
        OnnxSession made;
        try
        {
            made = OnnxSessionFactory.Create(modelPath, sessions, Options.IntraOpThreads > 0 ? Options.IntraOpThreads : Environment.ProcessorCount,
                new Dictionary<string, long> { ["batch_size"] = 1, ["height"] = ModelSide, ["width"] = ModelSide });
        }
        catch (OnnxRuntimeException e) { throw new ModelFormatException($"MI-GAN model {modelPath} does not load in ONNX Runtime: {e.Message}", e); }
        _session = made.Session;
        Provider = made.Provider;

        string? image = null, mask = null;
        foreach (var (name, meta) in _session.InputMetadata)
        {
            int[] d = meta.Dimensions;
            if (meta.ElementType != typeof(byte) || d.Length != 4) throw Fail($"input '{name}' is {meta.ElementType.Name} [{string.Join(",", d)}], expected uint8 rank 4");
            if (d[1] == 3) image = name;
            else if (d[1] == 1) mask = name;
        }
        if (_session.InputMetadata.Count != 2 || image is null || mask is null)
            throw Fail($"expected a uint8 image input [N,3,H,W] and a uint8 mask input [N,1,H,W], found {_session.InputMetadata.Count} inputs");
        var (outName, outMeta) = _session.OutputMetadata.First();
        if (outMeta.ElementType != typeof(byte) || outMeta.Dimensions.Length != 4 || outMeta.Dimensions[1] != 3)
            throw Fail($"expected a uint8 output [N,3,H,W], found {outMeta.ElementType.Name} [{string.Join(",", outMeta.Dimensions)}]");
        (_imageInput, _maskInput, _output) = (image, mask, outName);

        ModelFormatException Fail(string what)
        {
            _session.Dispose();
            return new ModelFormatException($"MI-GAN model {modelPath}: {what}");
        }
    }

    /// <summary>The settings in use.</summary>
    public MiGanOptions Options { get; }

    /// <inheritdoc />
    public FillMethod Method => FillMethod.MiGan;

    /// <inheritdoc />
    public string Name => "MI-GAN";

    /// <summary>False: given a known rim of a neighbour, MI-GAN continues the neighbour into the hole (a removed bus came
    /// back as the front bus's red band), so the whole neighbour is unknown and the hole meets it directly.</summary>
    public bool KeepsForbiddenRim => false;

    /// <summary>A square of side max(<see cref="MiGanOptions.MinContextPx"/>, ContextFactor × the hole box's longer
    /// side) centred on the hole, shifted inside the image (clipped only where the image is smaller).</summary>
    public Rect Context(Rect holeBox, Size imageSize)
    {
        int side = Math.Max(Options.MinContextPx, (int)Math.Ceiling(Options.ContextFactor * Math.Max(holeBox.Width, holeBox.Height)));
        return FillContext.Square(holeBox, side, imageSize);
    }

    /// <inheritdoc />
    public InpaintResult Fill(Mat bgr, Mat hole, Mat forbidden)
    {
        Recolorer.CheckImage(bgr);
        MaskOps.CheckMask(hole, bgr.Size());
        MaskOps.CheckMask(forbidden, bgr.Size());
        int w = bgr.Cols, h = bgr.Rows, side = Math.Max(w, h);
        using var unknown = new Mat();
        Cv2.BitwiseOr(hole, forbidden, unknown);
        Cv2.Threshold(unknown, unknown, 0, 255, ThresholdTypes.Binary);

        // Square the crop by mirroring its edge (image and mask alike, so a mirrored hole stays a hole).
        using var squareBgr = new Mat();
        using var squareUnknown = new Mat();
        Cv2.CopyMakeBorder(bgr, squareBgr, 0, side - h, 0, side - w, BorderTypes.Reflect101);
        Cv2.CopyMakeBorder(unknown, squareUnknown, 0, side - h, 0, side - w, BorderTypes.Reflect101);

        var modelSize = new Size(ModelSide, ModelSide);
        bool down = side > ModelSide;
        using var inBgr = new Mat();
        Cv2.Resize(squareBgr, inBgr, modelSize, 0, 0, down ? InterpolationFlags.Area : InterpolationFlags.Linear);
        // a model pixel is unknown when any image pixel under it is: no object colour passes as known context
        using var inUnknown = new Mat();
        Cv2.Resize(squareUnknown, inUnknown, modelSize, 0, 0, down ? InterpolationFlags.Area : InterpolationFlags.Linear);
        Cv2.Threshold(inUnknown, inUnknown, 0, 255, ThresholdTypes.Binary);

        using var generated = Run(inBgr, inUnknown);
        using var back = new Mat();
        Cv2.Resize(generated, back, new Size(side, side), 0, 0, down ? InterpolationFlags.Cubic : InterpolationFlags.Area);
        var filled = bgr.Clone();
        double gain;
        using (var view = new Mat(back, new Rect(0, 0, w, h)))
        using (var fill = view.Clone())
        {
            gain = HoleDetail.Add(bgr, fill, hole, unknown, Options.FeatherPx, Options.Detail);
            FadeIn(filled, fill, hole, Options.FeatherPx);
        }

        double scale = (double)ModelSide / side;
        string detail = string.Create(CultureInfo.InvariantCulture,
            $"a {w}×{h} crop run at {ModelSide}×{ModelSide} ({(scale < 1 ? $"context downscaled ×{scale:0.##}" : $"×{scale:0.##}")}), detail layer ×{gain:0.00}");
        return new InpaintResult(filled, Math.Min(1, scale), detail);
    }

    /// <summary>One pipeline run on a 512×512 BGR image and its unknown mask (255 = fill) → the 512×512 BGR result.</summary>
    private unsafe Mat Run(Mat bgr, Mat unknown)
    {
        int n = ModelSide * ModelSide;
        var image = new DenseTensor<byte>([1, 3, ModelSide, ModelSide]);
        var mask = new DenseTensor<byte>([1, 1, ModelSide, ModelSide]);
        var img = image.Buffer.Span;
        var msk = mask.Buffer.Span;
        for (int y = 0; y < ModelSide; y++)
        {
            byte* p = (byte*)bgr.Ptr(y);
            byte* u = (byte*)unknown.Ptr(y);
            int row = y * ModelSide;
            for (int x = 0; x < ModelSide; x++)
            {
                img[row + x] = p[3 * x + 2];
                img[n + row + x] = p[3 * x + 1];
                img[2 * n + row + x] = p[3 * x];
                msk[row + x] = u[x] != 0 ? HoleValue : KnownValue;
            }
        }
        using var results = _session.Run([NamedOnnxValue.CreateFromTensor(_imageInput, image), NamedOnnxValue.CreateFromTensor(_maskInput, mask)], [_output]);
        var o = results.First().AsTensor<byte>();
        if (o.Dimensions.Length != 4 || o.Dimensions[1] != 3 || o.Dimensions[2] != ModelSide || o.Dimensions[3] != ModelSide)
            throw new ModelFormatException($"MI-GAN returned [{string.Join(",", o.Dimensions.ToArray())}], expected [1,3,{ModelSide},{ModelSide}]");
        var outSpan = o.ToDenseTensor().Buffer.Span;
        var result = new Mat(ModelSide, ModelSide, MatType.CV_8UC3);
        for (int y = 0; y < ModelSide; y++)
        {
            byte* q = (byte*)result.Ptr(y);
            int row = y * ModelSide;
            for (int x = 0; x < ModelSide; x++)
            {
                q[3 * x] = outSpan[2 * n + row + x];
                q[3 * x + 1] = outSpan[n + row + x];
                q[3 * x + 2] = outSpan[row + x];
            }
        }
        return result;
    }

    /// <summary>Inside <paramref name="hole"/>, <paramref name="target"/> moves toward <paramref name="fill"/> by
    /// min(1, d / <paramref name="featherPx"/>), d = Euclidean distance to the nearest pixel outside the hole.</summary>
    internal static unsafe void FadeIn(Mat target, Mat fill, Mat hole, double featherPx)
    {
        using var dist = new Mat();
        Cv2.DistanceTransform(hole, dist, DistanceTypes.L2, DistanceTransformMasks.Precise);
        int rows = target.Rows, cols = target.Cols;
        for (int y = 0; y < rows; y++)
        {
            byte* t = (byte*)target.Ptr(y);
            byte* f = (byte*)fill.Ptr(y);
            float* d = (float*)dist.Ptr(y);
            for (int x = 0; x < cols; x++)
            {
                if (d[x] <= 0) continue;
                double a = featherPx <= 0 ? 1 : Math.Min(1, d[x] / featherPx);
                for (int c = 0; c < 3; c++)
                    t[3 * x + c] = (byte)Math.Round(t[3 * x + c] + a * (f[3 * x + c] - t[3 * x + c]));
            }
        }
    }

    public void Dispose() => _session.Dispose();
}
