using System.Globalization;
using InterCoG.Programs;
using OpenCvSharp;

namespace InterCoG.Editing;

/// <summary>Settings of <see cref="ClassicEditBackend"/>.</summary>
public sealed record ClassicEditOptions
{
    /// <summary>Recolor settings.</summary>
    public RecolorOptions Recolor { get; init; } = new();
    /// <summary>Removal settings.</summary>
    public RemoveOptions Remove { get; init; } = new();
    /// <summary>Blur, pixelate, tone, flip and outline settings.</summary>
    public EffectOptions Effects { get; init; } = new();
    /// <summary>Move, resize and duplicate settings.</summary>
    public GeometryOptions Geometry { get; init; } = new();
}

/// <summary>Non-generative edits with OpenCV, all at full resolution inside the target mask. Deterministic.
/// Operations and their <see cref="EditOperation.Arguments"/> (defaults in brackets):
/// recolor: "color" (name or #rrggbb, required) — CIELAB hue/chroma swap keeping shading;
/// remove: — dilated mask filled (<see cref="EditContext.Fill"/>, else <see cref="RemoveOptions.Fill"/>, else MI-GAN when
/// installed, else Telea), only the hole pasted back;
/// blur: "strength" [1] multiplies σ = max(4 px, 0.06·√area); pixelate: "block" [max(6, 0.1·√area)] px;
/// brighten / darken: "amount" [15] CIELAB L units up / down, a and b kept;
/// saturate: "amount" [1.6] chroma factor; desaturate: "amount" [0] chroma kept (0 = grayscale);
/// flip: "axis" [horizontal] or vertical — mirrored inside the mask's box, the uncovered part filled as remove;
/// cutout: — <see cref="EditResult.Bgra"/> holds the object with alpha = mask;
/// outline: "color" [red], "width" [max(2, 0.004·diagonal)] px — the mask's contour drawn centred on its edge;
/// move: "dx"/"dy" px (x right, y down), or "direction" (left, right, up, down: one box width/height, kept inside),
/// or "relation" + a grounded <see cref="EditContext.Anchor"/> — the object pasted there, its old place filled as remove;
/// resize: "scale" (required, e.g. 2 or 0.5) about the box's bottom centre; duplicate: a copy beside the object (or
/// where "dx"/"dy", "direction" or "relation" + anchor say). Geometric edits report old_*/new_* box coordinates.</summary>
public sealed class ClassicEditBackend(ClassicEditOptions? options = null, FillRegistry? fills = null) : IEditBackend, Models.Onnx.IRunsOnProvider
{
    private static readonly string[] SupportedOperations =
    [
        Operations.Recolor, Operations.Remove, Operations.Blur, Operations.Pixelate, Operations.Brighten, Operations.Darken,
        Operations.Saturate, Operations.Desaturate, Operations.Flip, Operations.Cutout, Operations.Outline,
        Operations.Move, Operations.Resize, Operations.Duplicate,
    ];

    private readonly Recolorer _recolorer = new((options ?? new()).Recolor);
    private readonly ObjectRemover _remover = new((options ?? new()).Remove, fills ?? new FillRegistry((options ?? new()).Remove));
    private readonly EffectOptions _fx = (options ?? new()).Effects;
    private readonly GeometryOptions _geo = (options ?? new()).Geometry;

    /// <summary>"classic".</summary>
    public string Name => "classic";

    /// <summary>The fill a removal uses when the context names none.</summary>
    public FillMethod DefaultFill => _remover.DefaultFill;

    /// <summary>The fills this backend's removals draw from.</summary>
    public FillRegistry Fills => _remover.Fills;

    /// <summary>Where the model this backend ran (MI-GAN) runs: "cpu" or "cuda:N"; "cpu" for the OpenCV work.</summary>
    public string Provider => Fills.Provider;

    /// <summary>Operation names this backend applies, in documentation order.</summary>
    public static IReadOnlyList<string> All => SupportedOperations;

    /// <summary>True for the operations listed on the class.</summary>
    public bool Supports(string operation) => SupportedOperations.Contains(operation);

    /// <summary>Runs the request's operation on <see cref="EditContext.Bgr"/> inside <see cref="EditContext.Mask"/>
    /// (arguments as listed on the class).</summary>
    public EditResult Apply(EditContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Operation.Name switch
        {
            Operations.Recolor => Recolor(context),
            Operations.Remove => Remove(context),
            Operations.Blur => Blur(context),
            Operations.Pixelate => Pixelate(context),
            Operations.Brighten or Operations.Darken => Lightness(context),
            Operations.Saturate or Operations.Desaturate => Chroma(context),
            Operations.Flip => Flip(context),
            Operations.Cutout => Cutout(context),
            Operations.Outline => Outline(context),
            Operations.Move or Operations.Resize or Operations.Duplicate => Geometry(context),
            _ => throw new InputException($"the {Name} edit backend cannot '{context.Operation.Name}' (it supports: {string.Join(", ", SupportedOperations)})"),
        };
    }

    private static void CheckMask(EditContext c)
    {
        Recolorer.CheckImage(c.Bgr);
        MaskOps.CheckMask(c.Mask, c.Bgr.Size());
        if (Cv2.CountNonZero(c.Mask) == 0) throw new InputException($"{c.Operation.Name}: the target mask is empty");
    }

    private EditResult Blur(EditContext c)
    {
        CheckMask(c);
        double strength = c.Operation.Number("strength", 1);
        if (strength <= 0) throw new InputException("blur: 'strength' must be positive");
        var (edited, sigma) = RegionEffects.Blur(c.Bgr, c.Mask, _fx, strength);
        return new EditResult(edited, c.Mask.Clone(), Inv($"Blurred the {c.Target.Label} (Gaussian σ {sigma:0.#} px).")) { Data = new() { ["sigma_px"] = Round(sigma) } };
    }

    private EditResult Pixelate(EditContext c)
    {
        CheckMask(c);
        int block = (int)Math.Round(c.Operation.Number("block", RegionEffects.BlockSize(c.Mask, _fx)));
        if (block < 2) throw new InputException("pixelate: 'block' must be at least 2 px");
        var edited = RegionEffects.Pixelate(c.Bgr, c.Mask, block);
        return new EditResult(edited, c.Mask.Clone(), Inv($"Pixelated the {c.Target.Label} ({block} px blocks).")) { Data = new() { ["block_px"] = block } };
    }

    private EditResult Lightness(EditContext c)
    {
        CheckMask(c);
        double amount = Math.Abs(c.Operation.Number("amount", _fx.LightnessAmount));
        double delta = c.Operation.Name == Operations.Darken ? -amount : amount;
        var edited = RegionEffects.Tone(c.Bgr, c.Mask, delta, 1);
        string verb = delta >= 0 ? "Brightened" : "Darkened";
        return new EditResult(edited, c.Mask.Clone(), Inv($"{verb} the {c.Target.Label} by {Math.Abs(delta):0.#} L (CIELAB), chroma kept.")) { Data = new() { ["delta_L"] = Round(delta) } };
    }

    private EditResult Chroma(EditContext c)
    {
        CheckMask(c);
        bool up = c.Operation.Name == Operations.Saturate;
        double factor = c.Operation.Number("amount", up ? _fx.SaturateFactor : 0);
        if (factor < 0 || (up && factor < 1) || (!up && factor > 1))
            throw new InputException($"{c.Operation.Name}: 'amount' must be {(up ? "≥ 1" : "between 0 and 1")}, got {factor.ToString(CultureInfo.InvariantCulture)}");
        var edited = RegionEffects.Tone(c.Bgr, c.Mask, 0, factor);
        string text = factor == 0 ? $"Made the {c.Target.Label} grayscale." : Inv($"{(up ? "Saturated" : "Desaturated")} the {c.Target.Label} (chroma ×{factor:0.##}).");
        return new EditResult(edited, c.Mask.Clone(), text) { Data = new() { ["chroma_factor"] = Round(factor) } };
    }

    private EditResult Flip(EditContext c)
    {
        CheckMask(c);
        string axis = c.Operation.Text("axis", "horizontal")!.Trim().ToLowerInvariant();
        bool vertical = axis switch
        {
            "horizontal" or "h" or "x" or "" => false,
            "vertical" or "v" or "y" => true,
            _ => throw new InputException($"flip: 'axis' must be horizontal or vertical, got '{axis}'"),
        };
        using var forbidden = Forbidden(c);
        var removed = _remover.Remove(c.Bgr, c.Mask, forbidden, c.Fill);
        using var background = removed.Edited;
        var (edited, flipped) = RegionEffects.Flip(c.Bgr, c.Mask, background, vertical);
        using (flipped)
        {
            var region = removed.Hole;
            Cv2.BitwiseOr(region, flipped, region);
            return new EditResult(edited, region, $"Flipped the {c.Target.Label} {(vertical ? "upside down" : "left to right")} inside its box; the uncovered background was filled by {removed.FillName}.")
            { Data = new() { ["vertical"] = vertical ? 1 : 0, ["dilate_px"] = removed.DilateRadiusPx, ["fill_ms"] = removed.FillMs }, Model = removed.FillName };
        }
    }

    private EditResult Cutout(EditContext c)
    {
        CheckMask(c);
        var bgra = RegionEffects.Cutout(c.Bgr, c.Mask);
        return new EditResult(c.Bgr.Clone(), c.Mask.Clone(), $"Cut out the {c.Target.Label}: a transparent PNG of the input's size, alpha = its mask.")
        { Bgra = bgra, Data = new() { ["mask_px"] = MaskOps.Count(c.Mask) } };
    }

    private EditResult Outline(EditContext c)
    {
        CheckMask(c);
        string colorName = c.Operation.Text("color", "red")!;
        var rgb = TargetColors.Resolve(colorName);
        int width = (int)Math.Round(c.Operation.Number("width", RegionEffects.OutlineWidth(c.Bgr.Size(), _fx)));
        if (width < 1) throw new InputException("outline: 'width' must be at least 1 px");
        var (edited, drawn) = RegionEffects.Outline(c.Bgr, c.Mask, new Scalar(rgb.B, rgb.G, rgb.R), width);
        Cv2.BitwiseOr(drawn, c.Mask, drawn);
        return new EditResult(edited, drawn, Inv($"Outlined the {c.Target.Label} in {colorName} ({width} px).")) { Data = new() { ["width_px"] = width } };
    }

    private EditResult Geometry(EditContext c)
    {
        CheckMask(c);
        var mover = new ObjectMover(_remover, _geo, c.Fill);
        var r = Cv2.BoundingRect(c.Mask);
        var old = new Imaging.Box(r.X, r.Y, r.X + r.Width, r.Y + r.Height);
        var size = c.Bgr.Size();
        var args = c.Operation.Arguments;
        string op = c.Operation.Name;
        Imaging.Box to;
        string how;
        if (op == Operations.Resize)
        {
            if (!args.ContainsKey("scale")) throw new InputException("resize needs a scale (argument 'scale', e.g. 2 or 0.5)");
            double scale = c.Operation.Number("scale", 1);
            to = ObjectMover.Inside(mover.Scaled(old, scale), size);
            how = Inv($"scaled ×{scale:0.##} about its bottom centre");
        }
        else if (args.ContainsKey("dx") || args.ContainsKey("dy"))
        {
            double dx = c.Operation.Number("dx", 0), dy = c.Operation.Number("dy", 0);
            to = ObjectMover.Shift(old, dx, dy);
            how = Inv($"shifted by ({dx:0.#}, {dy:0.#}) px");
        }
        else if (args.TryGetValue("direction", out var dir) && !string.IsNullOrWhiteSpace(dir))
        {
            var (dx, dy) = mover.DirectionShift(old, dir.Trim().ToLowerInvariant(), size);
            to = ObjectMover.Shift(old, dx, dy);
            how = Inv($"shifted {dir} by {Math.Abs(dx + dy):0} px");
        }
        else if (args.TryGetValue("relation", out var rel) && c.Anchor is { } anchor)
        {
            to = mover.NextTo(old, anchor.Box, rel, size);
            how = $"placed {rel.Replace('_', ' ')} #{anchor.Id} {anchor.Label}";
        }
        else if (op == Operations.Duplicate)
        {
            to = mover.DuplicateBox(old, size);
            how = "placed beside it";
        }
        else if (args.ContainsKey("relation"))
            throw new InputException($"move: the destination '{args.GetValueOrDefault("anchor", "?")}' was not grounded (no anchor object given)");
        else throw new InputException("move needs 'dx'/'dy', a 'direction' or a 'relation' with an anchor");

        using var forbidden = Forbidden(c);
        using var p = mover.Place(c.Bgr, c.Mask, to, keepOriginal: op == Operations.Duplicate, forbidden);
        int pastedPx = MaskOps.Count(p.PastedMask);
        if (pastedPx == 0) throw new InputException($"{op}: the new place {to} lies outside the image");
        var data = new Dictionary<string, double>
        {
            ["old_x1"] = old.X1, ["old_y1"] = old.Y1, ["old_x2"] = old.X2, ["old_y2"] = old.Y2,
            ["new_x1"] = Round(to.X1), ["new_y1"] = Round(to.Y1), ["new_x2"] = Round(to.X2), ["new_y2"] = Round(to.Y2),
            ["pasted_px"] = pastedPx, ["dilate_px"] = p.DilateRadiusPx,
        };
        string verb = op switch { Operations.Move => "Moved", Operations.Resize => "Resized", _ => "Duplicated" };
        string clip = to.Intersect(new Imaging.Box(0, 0, size.Width, size.Height)).Area < to.Area - 0.5f ? " (clipped at the image border)" : "";
        string fill = op == Operations.Duplicate ? "" : $"; its old place was filled by {p.FillName}";
        return new EditResult(p.Edited.Clone(), p.Region.Clone(), $"{verb} the {c.Target.Label} {old} → {to}: {how}{clip}{fill}.")
        { Data = data, Model = op == Operations.Duplicate ? null : p.FillName };
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private EditResult Recolor(EditContext c)
    {
        string? name = c.Operation.Text("color");
        if (string.IsNullOrWhiteSpace(name))
            throw new InputException("recolor needs a colour (argument 'color')");
        var rgb = TargetColors.Resolve(name);
        var r = _recolorer.Recolor(c.Bgr, c.Mask, rgb);
        double hueDist = Lab.HueDistance(r.After.HueDeg, r.Target.HueDeg);
        bool chromatic = r.Target.Chroma >= _recolorer.Options.AchromaticChroma;
        var data = new Dictionary<string, double>
        {
            ["target_L"] = Round(r.Target.L), ["target_a"] = Round(r.Target.A), ["target_b"] = Round(r.Target.B),
            ["before_L"] = Round(r.Before.L), ["before_a"] = Round(r.Before.A), ["before_b"] = Round(r.Before.B),
            ["after_L"] = Round(r.After.L), ["after_a"] = Round(r.After.A), ["after_b"] = Round(r.After.B),
            ["delta_e"] = Round(r.After.DeltaE(r.Target)),
            ["delta_e_ab"] = Round(Math.Sqrt(Sq(r.After.A - r.Target.A) + Sq(r.After.B - r.Target.B))),
            ["target_chroma"] = Round(r.Target.Chroma), ["after_chroma"] = Round(r.After.Chroma),
            ["shading_scale"] = Round(r.ShadingScale),
        };
        if (chromatic) data["hue_distance_deg"] = Round(hueDist);
        string what = c.Target.Label;
        string hue = chromatic ? string.Create(CultureInfo.InvariantCulture, $", hue off by {hueDist:0.#}°") : "";
        string text = string.Create(CultureInfo.InvariantCulture,
            $"Recolored the {what} to {name} {rgb}: mean Lab ({r.Before.L:0},{r.Before.A:0},{r.Before.B:0}) → ({r.After.L:0},{r.After.A:0},{r.After.B:0}), target ({r.Target.L:0},{r.Target.A:0},{r.Target.B:0}){hue}.");
        return new EditResult(r.Edited, c.Mask.Clone(), text) { Data = data };
    }

    /// <summary>The other detections' boxes as forbidden fill sources, or null when the context has none.</summary>
    private Mat? Forbidden(EditContext c) =>
        c.Others is { Count: > 0 } o
            ? ObjectRemover.ForbiddenFromBoxes(c.Bgr.Size(), c.Target.Box, o.Where(e => e.Score >= _remover.Options.ForbiddenMinScore).Select(e => e.Box), _remover.Options.ForbiddenMaxCover)
            : null;

    private EditResult Remove(EditContext c)
    {
        using var forbidden = Forbidden(c);
        var r = _remover.Remove(c.Bgr, c.Mask, forbidden, c.Fill);
        int holePx = MaskOps.Count(r.Hole);
        var data = new Dictionary<string, double>
        {
            ["mask_px"] = MaskOps.Count(c.Mask), ["hole_px"] = holePx,
            ["dilate_px"] = r.DilateRadiusPx, ["fill_scale"] = Round(r.Scale), ["fill_ms"] = r.FillMs,
            ["crop_x"] = r.Crop.X, ["crop_y"] = r.Crop.Y, ["crop_w"] = r.Crop.Width, ["crop_h"] = r.Crop.Height,
        };
        string text = string.Create(CultureInfo.InvariantCulture,
            $"Removed the {c.Target.Label}: filled {holePx} px (mask grown by {r.DilateRadiusPx} px) with {r.FillName} on {r.Detail} at ({r.Crop.X},{r.Crop.Y}) in {r.FillMs:0} ms; only the hole was pasted back.");
        return new EditResult(r.Edited, r.Hole, text) { Data = data, Model = r.FillName };
    }

    private static double Round(double v) => Math.Round(v, 3);
    private static double Sq(double v) => v * v;
}
