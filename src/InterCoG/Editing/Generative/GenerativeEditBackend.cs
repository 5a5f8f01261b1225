using System.Globalization;
using System.Text.Json.Nodes;
using InterCoG.Imaging;
using InterCoG.Programs;
using OpenCvSharp;

namespace InterCoG.Editing.Generative;

/// <summary>The generative operations (replace, add, material, content, text, pose, style, background) through a server
/// people already run (<see cref="IInpaintServer"/>: the AUTOMATIC1111 WebUI or an OpenAI-compatible Images API).
/// The chain decides the region, the server only paints it: the region is the target's mask (grown for replace and
/// pose, a placed box for add, everything for style, the given background mask for background) clipped to the target's
/// box grown by <see cref="GenerativeOptions.GrowFraction"/> on each side; a crop around it with context goes out at a
/// size the server accepts, and the answer is put back at the input's resolution. <see cref="EditResult.Region"/> is that
/// clipped region, so the compositor keeps every pixel farther than its feather band beyond it bit-identical.</summary>
public sealed class GenerativeEditBackend(IInpaintServer server, GenerativeOptions? options = null) : IEditBackend
{
    private readonly GenerativeOptions _o = options ?? new GenerativeOptions();
    private readonly PromptWriter _prompts = new((options ?? new GenerativeOptions()).Prompt);

    /// <summary>The server's name: "a1111" or "openai".</summary>
    public string Name => server.Name;

    /// <summary>The framing and request settings.</summary>
    public GenerativeOptions Options => _o;

    /// <summary>The server this backend paints through.</summary>
    public IInpaintServer Server => server;

    /// <summary>The generative operations (<see cref="Operations.Generative"/>).</summary>
    public bool Supports(string operation) => Operations.Generative.Contains(operation);

    /// <summary>The prompt the edit of <paramref name="context"/> will send (the rewrite step shows it).</summary>
    public GenerativePrompt Prompt(EditContext context) =>
        _prompts.Write(context.Operation, context.Target, context.Others, context.Place);

    /// <summary>Paints the operation's region through the server and puts the answer back. Throws
    /// <see cref="GenerativeBackendException"/> for a server fault and <see cref="InputException"/> for an add without a
    /// place or an empty region.</summary>
    public EditResult Apply(EditContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var c = context;
        Recolorer.CheckImage(c.Bgr);
        MaskOps.CheckMask(c.Mask, c.Bgr.Size());
        string op = c.Operation.Name;
        if (!Supports(op)) throw new InputException($"the {Name} backend paints {string.Join(", ", Operations.Generative)}, not '{op}'");
        var size = c.Bgr.Size();
        var imageBox = new Box(0, 0, size.Width, size.Height);
        bool wholeImage = op is Operations.Style or Operations.Background;

        // 1. The box the edit belongs to and the mask of what may be repainted.
        Box box;
        int dilate = 0;
        Mat paint;
        if (op == Operations.Add)
        {
            box = c.Place ?? throw new InputException("add: the new object has no place (the chain computes it from the relation and the anchor)");
            paint = new Mat(size, MatType.CV_8UC1, Scalar.All(0));
            Cv2.Rectangle(paint, box.ToRect(size.Width, size.Height), Scalar.All(255), -1);
            // behind the anchor: the anchor stays in front
            if (c.Operation.Text(ArgumentNames.Relation) == "behind" && c.Target.Label != "image")
                paint.SetTo(Scalar.All(0), c.Mask);
        }
        else if (wholeImage)
        {
            box = imageBox;
            paint = op == Operations.Style ? new Mat(size, MatType.CV_8UC1, Scalar.All(255)) : c.Mask.Clone();
        }
        else
        {
            box = (c.Targets ?? [c.Target]).Select(t => t.Box).Aggregate((a, b) => a.Union(b));
            bool reshape = op is Operations.Replace or Operations.Pose;
            dilate = reshape ? Math.Max(_o.ReplaceDilatePx, (int)Math.Round(_o.ReplaceDilateFraction * Math.Sqrt(box.Area))) : _o.SurfaceDilatePx;
            paint = MaskOps.Dilate(c.Mask, dilate);
            // the segmenter gave no pixels (e.g. a GrabCut that found nothing): the grounded box is the region
            if (Cv2.CountNonZero(paint) == 0)
                Cv2.Rectangle(paint, box.ToRect(size.Width, size.Height), Scalar.All(255), -1);
        }

        // 2. Clip to the target's box grown by GrowFraction a side: nothing beyond it (and the feather band) may change.
        var grown = wholeImage ? imageBox : box.Pad(_o.GrowFraction).Clamp(size.Width, size.Height);
        var grownRect = grown.ToRect(size.Width, size.Height);
        using (var outside = new Mat(size, MatType.CV_8UC1, Scalar.All(255)))
        {
            Cv2.Rectangle(outside, grownRect, Scalar.All(0), -1);
            paint.SetTo(Scalar.All(0), outside);
        }
        int regionPx = Cv2.CountNonZero(paint);
        if (regionPx == 0)
        {
            paint.Dispose();
            throw new InputException($"{op}: the region to paint is empty (the mask and the box {box} do not meet inside the image)");
        }

        // 3. Frame a crop around it at a size the server takes; 4. write the prompt; 5. paint; 6. put it back.
        var frame = GenerativeFrame.Around(grownRect, size, server.WorkSize, _o.ContextFraction, _o.MinContextPx, _o.MinCropPx);
        var prompt = Prompt(c);
        using var crop = frame.Extract(c.Bgr);
        using var sentMask = op == Operations.Style ? null : frame.ExtractMask(paint);
        PaintResult painted;
        try
        {
            painted = server.Paint(new PaintRequest(crop, sentMask, op, prompt.Prompt, prompt.Negative));
        }
        catch
        {
            paint.Dispose();
            throw;
        }
        using (painted)
        {
            var edited = frame.PutBack(c.Bgr, painted.Image);
            var data = new Dictionary<string, double>
            {
                ["crop_x1"] = frame.Crop.X, ["crop_y1"] = frame.Crop.Y, ["crop_x2"] = frame.Crop.Right, ["crop_y2"] = frame.Crop.Bottom,
                ["work_w"] = frame.Work.Width, ["work_h"] = frame.Work.Height,
                ["grown_x1"] = grownRect.X, ["grown_y1"] = grownRect.Y, ["grown_x2"] = grownRect.Right, ["grown_y2"] = grownRect.Bottom,
                ["region_px"] = regionPx, ["dilate_px"] = dilate, ["response_ms"] = painted.Ms,
            };
            if (op == Operations.Add)
            {
                data["place_x1"] = Math.Round(box.X1, 1); data["place_y1"] = Math.Round(box.Y1, 1);
                data["place_x2"] = Math.Round(box.X2, 1); data["place_y2"] = Math.Round(box.Y2, 1);
            }
            var exchange = new JsonObject
            {
                ["name"] = server.Name,
                ["server"] = server.Describe(),
                ["endpoint"] = painted.Endpoint.ToString(),
                ["request"] = painted.Request.DeepClone(),
                ["response_ms"] = painted.Ms,
            };
            if (painted.Note is { } note) exchange["note"] = note;
            string what = op switch
            {
                Operations.Replace => $"Painted {PromptWriter.A(AddPlacer.NounOf(c.Operation))} over the {c.Target.Label}",
                Operations.Add => $"Painted {PromptWriter.A(AddPlacer.NounOf(c.Operation))} into {box}",
                Operations.Style => $"Restyled the picture as {c.Operation.Text(ArgumentNames.Style, "asked")}",
                Operations.Background => $"Repainted the background as {c.Operation.Text(ArgumentNames.Background, "asked")}",
                _ => $"Painted the {c.Target.Label}'s {op} ({c.Operation.Text(op, "")})",
            };
            string text = string.Create(CultureInfo.InvariantCulture,
                $"{what} through {server.Name} ({painted.Endpoint}, {painted.Ms / 1000:0.0} s): a {frame.Crop.Width}×{frame.Crop.Height} crop at [{frame.Crop.X},{frame.Crop.Y}] sent as {frame.Work.Width}×{frame.Work.Height}; pasted back inside the {(dilate > 0 ? $"mask grown by {dilate} px" : "region")} ({regionPx} px), within {grown}{(painted.Note is { } n ? "; " + n : "")}.");
            return new EditResult(edited, paint, text) { Data = data, Backend = exchange };
        }
    }

}
