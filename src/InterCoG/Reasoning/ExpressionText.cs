using InterCoG.Programs;
namespace InterCoG.Reasoning;

/// <summary>Plain-English wording of requests and expressions, shared by the trace steps, the summary and the rewrite.</summary>
public static class ExpressionText
{
    private static readonly string[] OrdinalWords = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"];

    /// <summary>"second", "third", …, "11th".</summary>
    public static string OrdinalWord(int n) => n >= 1 && n <= OrdinalWords.Length ? OrdinalWords[n - 1] : n + (n % 100 is 11 or 12 or 13 ? "th" : (n % 10) switch { 1 => "st", 2 => "nd", 3 => "rd", _ => "th" });

    /// <summary>"left to right" for ordinals counted from the left, and so on.</summary>
    public static string Direction(string from) => from switch
    {
        "right" => "right to left", "top" => "top to bottom", "bottom" => "bottom to top",
        "near" => "nearest first", "far" => "farthest first", "large" => "largest first", "small" => "smallest first",
        "tall" => "tallest first", "short" => "shortest first", _ => "left to right",
    };

    /// <summary>Plural of a COCO name ("person" → "people", "bus" → "buses") when <paramref name="count"/> ≠ 1.</summary>
    public static string Plural(string noun, int count)
    {
        if (count == 1) return noun;
        return noun switch
        {
            "person" => "people", "mouse" => "mice", "knife" => "knives", "sheep" or "skis" or "scissors" or "broccoli" => noun,
            _ when noun.EndsWith('s') || noun.EndsWith('x') || noun.EndsWith("ch", StringComparison.Ordinal) || noun.EndsWith("sh", StringComparison.Ordinal) => noun + "es",
            _ => noun + "s",
        };
    }

    /// <summary>"a" or "an" before <paramref name="word"/>.</summary>
    public static string Article(string word) => word.Length > 0 && "aeiou".Contains(word[0]) ? "an" : "a";

    /// <summary>The expression as a noun phrase: "the second white bottle from the left next to the laptop".</summary>
    public static string Describe(ReferringExpression e, bool article = true)
    {
        var words = new List<string>();
        if (e.Count is 0) words.Add(article ? "all the" : "all");
        else if (article) words.Add("the");
        if (e.Count is int n and > 0) words.Add(n.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (e.Ordinal is { } o) words.Add(o.N == 1 ? Superlative(o.From) : OrdinalWord(o.N));
        if (e.Ordinal is { N: > 1 } o3 && IsQuality(o3.From)) words.Add(Superlative(o3.From));
        if (e.Color is not null) words.Add(e.Color);
        words.Add(e.Count is not null ? Plural(e.Category, 2) : e.Category);
        if (e.Ordinal is { N: > 1 } o2 && !IsQuality(o2.From)) words.Add($"from the {o2.From}");
        if (e.Region is not null) words.Add(RegionWords(e.Region));
        if (e.Negated is { } neg) words.Add($"but not {WhichOne(neg)}");
        if (e.Relation is { } r) words.Add(RelationWords(r));
        foreach (var more in e.MoreRelations ?? []) words.Add("and " + RelationWords(more));
        return string.Join(' ', words);
    }

    /// <summary>Which one is meant, in words: "the leftmost one", "the second white one from the left", "the only one".</summary>
    public static string WhichOne(ReferringExpression e)
    {
        var words = new List<string> { e.Count is 0 ? "all the" : "the" };
        if (e.Count is int k and > 0) words.Add(k.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (e.Ordinal is { } o) words.Add(o.N == 1 ? Superlative(o.From) : OrdinalWord(o.N));
        else if (e.Color is null && e.Region is null && e.Relation is null && e.Count is null) words.Add("only");
        if (e.Color is not null) words.Add(e.Color);
        words.Add(e.Count is null ? "one" : "ones");
        if (e.Ordinal is { N: > 1 } o2) words.Add($"from the {o2.From}");
        if (e.Region is not null) words.Add(RegionWords(e.Region));
        if (e.Negated is { } neg) words.Add($"but not {WhichOne(neg)}");
        if (e.Relation is { } r) words.Add(RelationWords(r));
        foreach (var more in e.MoreRelations ?? []) words.Add("and " + RelationWords(more));
        return string.Join(' ', words);
    }

    private static string RelationWords(Relation r) => r.SecondAnchor is { } b
        ? $"{SpatialRelations.Words(r.Kind)} {Describe(r.Anchor)} and {Describe(b)}"
        : $"{SpatialRelations.Words(r.Kind)} {Describe(r.Anchor)}";

    private static bool IsQuality(string from) => from is "near" or "far" or "large" or "small" or "tall" or "short";

    /// <summary>"Recolor a horse to brown; the horse meant is the leftmost one." (plus phrases not used, if any).</summary>
    public static string Summarize(EditRequest request)
    {
        var t = request.Target;
        string noun = t.Category;
        var a = request.Arguments;
        string? Arg(string key) => a.TryGetValue(key, out string? v) ? v : null;
        string who = t.Count switch
        {
            0 => $"all the {Plural(noun, 2)}",
            int n => $"{n.ToString(System.Globalization.CultureInfo.InvariantCulture)} {Plural(noun, n)}",
            _ => $"{Article(noun)} {noun}",
        };
        string obj = Arg("part") is string part ? $"the {part} of {who}" : who;
        string action = request.Operation switch
        {
            Operations.Recolor => $"Recolor {obj} to {Arg("color") ?? "?"}",
            Operations.Remove => $"Remove {obj}",
            Operations.Ground => $"Find {obj}",
            Operations.Move => $"Move {obj} {MoveWords(a)}",
            Operations.Resize when Arg("scale") is string sc => $"Resize {obj} by ×{sc}",
            Operations.Flip => $"Flip {obj} {(Arg("axis") == "vertical" ? "vertically (upside down)" : "horizontally (mirror)")}",
            Operations.Replace => $"Replace {obj} with {Arg("with") ?? "?"}",
            Operations.Add => $"Add {(Arg("object") is string o ? PlainPlural(o) ? o : $"{Article(o)} {o}" : "?")} {AddWhere(Arg("relation"))} {who}",
            Operations.Outline when Arg("color") is string oc => $"Outline {obj} in {oc}",
            _ => $"{char.ToUpperInvariant(request.Operation[0])}{request.Operation[1..]} {obj}",
        };
        var extra = a.Where(kv => !WordedArguments.Contains(kv.Key)).Select(kv => $"{kv.Key} {kv.Value}").ToList();
        if (extra.Count > 0) action += $" ({string.Join(", ", extra)})";
        string text = t.Count is null ? $"{action}; the {noun} meant is {WhichOne(t)}." : $"{action}; the {Plural(noun, 2)} meant are {WhichOne(t)}.";
        if (!t.InVocabulary) text += $" '{noun}' is not in the detector's vocabulary.";
        var unresolved = Unresolved(t).ToList();
        if (unresolved.Count > 0) text += $" Not used for grounding: {string.Join(", ", unresolved.Select(u => $"'{u}'"))}.";
        return text;
    }

    // Arguments Summarize words itself; any other is listed as "key value".
    private static readonly HashSet<string> WordedArguments =
        ["part", "color", "dx", "dy", "direction", "relation", "anchor", "scale", "axis", "with", "object", "object_noun", "object_category", "object_color"];

    // "by 50 px to the left", "to the left", "next to the laptop".
    private static string MoveWords(IReadOnlyDictionary<string, string> a)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        if (a.TryGetValue("relation", out string? rel)) return $"{SpatialRelations.Words(rel)} {a.GetValueOrDefault("anchor", "?")}";
        if (a.TryGetValue("direction", out string? dir)) return dir is "up" or "down" ? dir : $"to the {dir}";
        double dx = double.TryParse(a.GetValueOrDefault("dx", "0"), System.Globalization.NumberStyles.Float, inv, out double x) ? x : 0;
        double dy = double.TryParse(a.GetValueOrDefault("dy", "0"), System.Globalization.NumberStyles.Float, inv, out double y) ? y : 0;
        var parts = new List<string>();
        if (dx != 0) parts.Add(string.Format(inv, "{0:0.#} px {1}", Math.Abs(dx), dx < 0 ? "left" : "right"));
        if (dy != 0) parts.Add(string.Format(inv, "{0:0.#} px {1}", Math.Abs(dy), dy < 0 ? "up" : "down"));
        return parts.Count == 0 ? "by 0 px" : "by " + string.Join(" and ", parts);
    }

    // "hats", "two hats": a plural object takes no article ("add hats on …"); "glass", "bus" are singular.
    private static bool PlainPlural(string phrase)
    {
        string last = phrase.Split(' ')[^1];
        return last.Length > 3 && last.EndsWith('s') && !last.EndsWith("ss", StringComparison.Ordinal) && !last.EndsWith("us", StringComparison.Ordinal);
    }

    private static string AddWhere(string? relation) => relation switch
    {
        null => "near",
        SpatialRelations.On => "on",
        SpatialRelations.Inside => "in",
        SpatialRelations.LeftOf => "to the left of",
        SpatialRelations.RightOf => "to the right of",
        _ => SpatialRelations.Words(relation),
    };

    private static IEnumerable<string> Unresolved(ReferringExpression e) =>
        (e.Unresolved ?? []).Concat((e.Relation is { } r ? [r] : Array.Empty<Relation>()).Concat(e.MoreRelations ?? [])
            .SelectMany(x => Unresolved(x.Anchor).Concat(x.SecondAnchor is { } b ? Unresolved(b) : [])));

    private static string Superlative(string from) => from switch
    {
        "right" => "rightmost", "top" => "topmost", "bottom" => "bottommost", "near" => "nearest", "far" => "farthest",
        "large" => "largest", "small" => "smallest", "tall" => "tallest", "short" => "shortest", _ => "leftmost",
    };

    private static string RegionWords(string side) => side switch
    {
        "top" or "bottom" => $"at the {side}",
        "middle" => "in the middle",
        _ when side.Contains('_') => $"in the {side.Replace('_', ' ')} corner",
        _ => $"on the {side}",
    };
}
