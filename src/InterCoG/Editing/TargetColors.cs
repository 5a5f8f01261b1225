using System.Globalization;

namespace InterCoG.Editing;

/// <summary>An sRGB colour, 0..255 per channel.</summary>
public readonly record struct Rgb(byte R, byte G, byte B)
{
    /// <summary>"#rrggbb", lower case.</summary>
    public override string ToString() => $"#{R:x2}{G:x2}{B:x2}";
}

/// <summary>The recolor palette: colour names (about 40, then the CSS/X11 names of <see cref="Imaging.ColorNames"/>) and
/// "#rrggbb"/"#rgb" to sRGB targets.</summary>
public static class TargetColors
{
    private static readonly Dictionary<string, Rgb> Palette = new(StringComparer.OrdinalIgnoreCase)
    {
        ["red"] = new(210, 30, 30),
        ["orange"] = new(245, 130, 20),
        ["yellow"] = new(245, 215, 30),
        ["green"] = new(40, 160, 50),
        ["blue"] = new(30, 80, 210),
        ["purple"] = new(120, 50, 170),
        ["pink"] = new(245, 130, 180),
        ["brown"] = new(125, 75, 35),
        ["white"] = new(245, 245, 245),
        ["gray"] = new(128, 128, 128),
        ["black"] = new(20, 20, 20),
        ["gold"] = new(212, 175, 55),
        ["beige"] = new(225, 205, 165),
        ["navy"] = new(20, 35, 110),
        ["teal"] = new(0, 128, 128),
        ["maroon"] = new(128, 20, 30),
        ["cyan"] = new(20, 200, 220),
        ["magenta"] = new(220, 30, 180),
        ["olive"] = new(128, 128, 20),
        ["lime"] = new(140, 220, 40),
        ["silver"] = new(192, 192, 192),
        ["tan"] = new(210, 180, 140),
        ["violet"] = new(150, 90, 210),
        ["turquoise"] = new(50, 210, 195),
        ["crimson"] = new(200, 20, 60),
        ["lavender"] = new(180, 160, 225),
        ["khaki"] = new(195, 176, 120),
        ["ivory"] = new(255, 250, 235),
        ["cream"] = new(250, 240, 205),
        ["indigo"] = new(75, 0, 130),
        ["light blue"] = new(150, 200, 240),
        ["dark blue"] = new(15, 40, 130),
        ["light green"] = new(150, 220, 140),
        ["dark green"] = new(20, 90, 40),
        ["dark red"] = new(130, 20, 20),
        ["light gray"] = new(200, 200, 200),
        ["dark gray"] = new(70, 70, 70),
    };

    /// <summary>Spellings that name the same palette entry.</summary>
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["grey"] = "gray", ["golden"] = "gold", ["light grey"] = "light gray", ["dark grey"] = "dark gray",
    };

    /// <summary>The palette's names, in a stable (ordinal) order.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Palette.Keys.Concat(Aliases.Keys).Order(StringComparer.Ordinal)];

    /// <summary>Canonical palette name of a colour word ("grey" → "gray") or lower-case "#rrggbb" of a hex code; null when unknown.</summary>
    public static string? Canonical(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        string t = text.Trim().ToLowerInvariant();
        t = Aliases.GetValueOrDefault(t, t);
        if (Palette.ContainsKey(t)) return t;
        if (Imaging.ColorNames.Find(t) is { } named) return named.Name; // the CSS/X11 names ("salmon", "sky blue")
        return TryResolve(t, out var c) ? c.ToString() : null;
    }

    /// <summary>Resolves a name ("red", case-insensitive) or hex ("#rrggbb" or "#rgb").</summary>
    public static bool TryResolve(string? text, out Rgb color)
    {
        color = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        string t = text.Trim();
        if (Palette.TryGetValue(Aliases.GetValueOrDefault(t, t), out color)) return true;
        if (Imaging.ColorNames.Find(t.ToLowerInvariant()) is { } named) { color = new Rgb(named.R, named.G, named.B); return true; }
        // hex needs its '#': bare words such as "bad" or "fed" are valid hex digits
        if (!t.StartsWith('#')) return false;
        string hex = t[1..];
        if (hex.Length == 3) hex = string.Concat(hex.Select(c => new string(c, 2)));
        if (hex.Length == 6 && int.TryParse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int v))
        {
            color = new Rgb((byte)(v >> 16), (byte)(v >> 8), (byte)v);
            return true;
        }
        return false;
    }

    /// <summary>Like <see cref="TryResolve"/>; throws <see cref="InputException"/> naming the known colours.</summary>
    public static Rgb Resolve(string? text) =>
        TryResolve(text, out var c) ? c
            : throw new InputException($"unknown colour '{text}' (use #rrggbb or one of: {string.Join(", ", Names)})");
}
