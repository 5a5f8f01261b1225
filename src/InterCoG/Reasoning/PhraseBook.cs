using System.Reflection;

namespace InterCoG.Reasoning;

/// <summary>One row of a phrase table: a key (an operation, a relation kind, a detector class …) and its words.</summary>
public sealed record Phrase(string Key, string[] Words);

/// <summary>The parser's phrase tables, read once from the data files beside the code (Reasoning/Data/phrases.tsv, the
/// WordNet noun table nouns.tsv), embedded in the assembly: no file, network or system package is read at run time.</summary>
public static class PhraseBook
{
    private static readonly Lazy<Dictionary<string, List<Phrase>>> Tables = new(() => LoadTables("phrases.tsv"));
    private static readonly Lazy<Dictionary<string, string>> WordNetNouns = new(LoadNouns);

    /// <summary>The rows of <paramref name="table"/> in file order (first match wins); throws when the table is missing.</summary>
    public static IReadOnlyList<Phrase> Table(string table) =>
        Tables.Value.TryGetValue(table, out var rows) ? rows : throw new InvalidOperationException($"phrase table '{table}' is missing from phrases.tsv");

    /// <summary>The words of every row of <paramref name="table"/>, in file order.</summary>
    public static string[][] Words(string table) => [.. Table(table).Select(p => p.Words)];

    /// <summary>(key, words) of every row of <paramref name="table"/>, in file order.</summary>
    public static (string Key, string[] Words)[] Keyed(string table) => [.. Table(table).Select(p => (p.Key, p.Words))];

    /// <summary>One-word rows of <paramref name="table"/> as word → key.</summary>
    public static Dictionary<string, string> WordToKey(string table)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in Table(table)) if (p.Words.Length == 1) d.TryAdd(p.Words[0], p.Key);
        return d;
    }

    /// <summary>The set of one-word rows of <paramref name="table"/>.</summary>
    public static HashSet<string> WordSet(string table) => [.. Table(table).Where(p => p.Words.Length == 1).Select(p => p.Words[0])];

    /// <summary>WordNet's value for a noun lemma (lower case, words joined by one space): a detector class, "part", or ""
    /// for a plain noun; null when WordNet has no such noun (or it is a one-word phrase table entry such as a colour).</summary>
    public static string? WordNet(string lemma) => WordNetNouns.Value.GetValueOrDefault(lemma);

    /// <summary>How many nouns the WordNet table holds.</summary>
    public static int WordNetCount => WordNetNouns.Value.Count;

    private static IEnumerable<string> Lines(string name)
    {
        var asm = typeof(PhraseBook).Assembly;
        using var stream = asm.GetManifestResourceStream("InterCoG.Reasoning.Data." + name)
            ?? throw new InvalidOperationException($"embedded table {name} is missing from {asm.GetName().Name}");
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is string line)
            if (line.Length > 0 && line[0] != '#') yield return line;
    }

    private static Dictionary<string, List<Phrase>> LoadTables(string name)
    {
        var d = new Dictionary<string, List<Phrase>>(StringComparer.Ordinal);
        foreach (string line in Lines(name))
        {
            var f = line.Split('\t');
            if (f.Length != 3) throw new InvalidOperationException($"{name}: '{line}' is not table<TAB>key<TAB>words");
            (d.TryGetValue(f[0], out var rows) ? rows : d[f[0]] = []).Add(new Phrase(f[1], f[2].Split(' ', StringSplitOptions.RemoveEmptyEntries)));
        }
        return d;
    }

    private static Dictionary<string, string> LoadNouns()
    {
        var d = new Dictionary<string, string>(60_000, StringComparer.Ordinal);
        foreach (string line in Lines("nouns.tsv"))
        {
            int tab = line.IndexOf('\t');
            if (tab > 0) d[line[..tab]] = line[(tab + 1)..];
        }
        return d;
    }
}
