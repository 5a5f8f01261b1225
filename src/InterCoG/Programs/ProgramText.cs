using System.Globalization;
using System.Text;

namespace InterCoG.Programs;

/// <summary>A program in one line, the notation of the docs and of the labelled program tests:
/// <c>operation{argument=value, …} target</c>, steps joined by " ; ". The target is
/// <c>category[color=…, region=…, ordinal=N:from, count=N, part=…, step=K, relation(anchor), …, not(expression)]</c>,
/// anchors written the same way. Words kept as written (the noun, the new object's phrase, unresolved phrases) are left
/// out, so two wordings of one meaning give one text: "make the leftmost car blue" and "paint the car furthest to the
/// left blue" are both <c>recolor{color=blue} car[ordinal=1:left]</c>.</summary>
public static class ProgramText
{
    // As written, not meaning: the noun phrase of a new object is kept in object_noun/object_category/object_color.
    private static readonly HashSet<string> AsWritten = [ArgumentNames.With, ArgumentNames.Object, "anchor"];

    /// <summary>The program of one step, e.g. <c>replace{object_category=dog, object_color=white, object_noun=dog} cat</c>.</summary>
    public static string Format(EditRequest request)
    {
        var sb = new StringBuilder(request.Operation);
        var args = request.Arguments
            .Where(a => !AsWritten.Contains(a.Key) && !(a.Key == ArgumentNames.Part && a.Value == request.Target.Part))
            .OrderBy(a => a.Key, StringComparer.Ordinal).ToList();
        if (args.Count > 0) sb.Append('{').Append(string.Join(", ", args.Select(a => $"{a.Key}={a.Value}"))).Append('}');
        return sb.Append(' ').Append(Format(request.Target)).ToString();
    }

    /// <summary>The programs of several steps, joined by " ; ".</summary>
    public static string Format(IEnumerable<EditRequest> steps) => string.Join(" ; ", steps.Select(Format));

    /// <summary>An expression, e.g. <c>cup[color=white, left_of(laptop)]</c>.</summary>
    public static string Format(ReferringExpression e)
    {
        var parts = new List<string>();
        if (e.Color is not null) parts.Add($"color={e.Color}");
        if (e.Region is not null) parts.Add($"region={e.Region}");
        if (e.Ordinal is { } o) parts.Add(string.Create(CultureInfo.InvariantCulture, $"ordinal={o.N}:{o.From}"));
        if (e.Count is int n) parts.Add(string.Create(CultureInfo.InvariantCulture, $"count={n}"));
        if (e.Part is not null) parts.Add($"part={e.Part}");
        if (e.Step is int k) parts.Add(string.Create(CultureInfo.InvariantCulture, $"step={k}"));
        foreach (var r in new[] { e.Relation }.Concat(e.MoreRelations ?? []))
            if (r is not null)
                parts.Add(r.SecondAnchor is { } b ? $"{r.Kind}({Format(r.Anchor)}, {Format(b)})" : $"{r.Kind}({Format(r.Anchor)})");
        if (e.Negated is { } neg) parts.Add($"not({Format(neg)})");
        return parts.Count == 0 ? e.Category : $"{e.Category}[{string.Join(", ", parts)}]";
    }
}
