using System.Globalization;
using InterCoG.Reasoning;

namespace InterCoG.Editing;

/// <summary>Settings of <see cref="ClassicEditBackend"/>.</summary>
public sealed record ClassicEditOptions
{
    /// <summary>Recolor settings.</summary>
    public RecolorOptions Recolor { get; init; } = new();
    /// <summary>Removal settings.</summary>
    public RemoveOptions Remove { get; init; } = new();
}

/// <summary>Non-generative edits with OpenCV: "recolor" (CIELAB hue/chroma swap keeping shading) and "remove"
/// (dilated mask filled by Telea inpainting). Deterministic: same input, same bytes.</summary>
public sealed class ClassicEditBackend(ClassicEditOptions? options = null) : IEditBackend
{
    private readonly Recolorer _recolorer = new((options ?? new()).Recolor);
    private readonly ObjectRemover _remover = new((options ?? new()).Remove);

    /// <summary>"classic".</summary>
    public string Name => "classic";

    /// <summary>True for "recolor" and "remove".</summary>
    public bool Supports(string operation) => operation is Operations.Recolor or Operations.Remove;

    /// <summary>Runs the request's operation on <see cref="EditContext.Bgr"/> inside <see cref="EditContext.Mask"/>.
    /// Recolor reads Arguments["color"] (name or #rrggbb).</summary>
    public EditResult Apply(EditContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Request.Operation switch
        {
            Operations.Recolor => Recolor(context),
            Operations.Remove => Remove(context),
            _ => throw new InputException($"the {Name} edit backend cannot '{context.Request.Operation}' (it supports: recolor, remove)"),
        };
    }

    private EditResult Recolor(EditContext c)
    {
        c.Request.Arguments.TryGetValue("color", out string? name);
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

    private EditResult Remove(EditContext c)
    {
        var r = _remover.Remove(c.Bgr, c.Mask);
        int holePx = MaskOps.Count(r.Hole);
        var data = new Dictionary<string, double>
        {
            ["mask_px"] = MaskOps.Count(c.Mask), ["hole_px"] = holePx,
            ["dilate_px"] = r.DilateRadiusPx, ["inpaint_scale"] = Round(r.Scale),
        };
        string text = string.Create(CultureInfo.InvariantCulture,
            $"Removed the {c.Target.Label}: filled {holePx} px (mask grown by {r.DilateRadiusPx} px) by inpainting{(r.Scale < 1 ? $" at {r.Scale:0.##}× then refined" : "")}.");
        return new EditResult(r.Edited, r.Hole, text) { Data = data };
    }

    private static double Round(double v) => Math.Round(v, 3);
    private static double Sq(double v) => v * v;
}
