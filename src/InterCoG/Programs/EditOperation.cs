using System.Globalization;

namespace InterCoG.Programs;

/// <summary>What the editing and verify stages receive of a program: the operation's canonical name
/// (<see cref="Operations"/>) and its arguments, read through typed accessors. Never the sentence, never the
/// referring expression: by the time an edit runs, the target is a mask.</summary>
/// <param name="Name">Canonical operation name, e.g. "recolor".</param>
/// <param name="Arguments">Arguments by name as the program holds them, e.g. { "color": "red", "amount": "20" }.</param>
public sealed record EditOperation(string Name, IReadOnlyDictionary<string, string> Arguments)
{
    /// <summary>The operation of <paramref name="request"/> (its arguments are shared, not copied).</summary>
    public static EditOperation From(EditRequest request) => new(request.Operation, request.Arguments);

    /// <summary>True when the argument is present and not blank.</summary>
    public bool Has(string name) => Arguments.TryGetValue(name, out var s) && !string.IsNullOrWhiteSpace(s);

    /// <summary>The argument's text, trimmed, or <paramref name="fallback"/> when absent or blank.</summary>
    public string? Text(string name, string? fallback = null) =>
        Arguments.TryGetValue(name, out var s) && !string.IsNullOrWhiteSpace(s) ? s.Trim() : fallback;

    /// <summary>A number argument (invariant culture, a trailing '%' ignored), or <paramref name="fallback"/> when absent
    /// or blank; throws <see cref="InputException"/> naming the argument when it is not a finite number.</summary>
    public double Number(string name, double fallback)
    {
        if (!Arguments.TryGetValue(name, out var raw) || string.IsNullOrWhiteSpace(raw)) return fallback;
        string s = raw.Trim().TrimEnd('%');
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
            throw new InputException($"argument '{name}' must be a number, got '{raw}'");
        return v;
    }
}
