using System.Text.Json;

namespace InterCoG.Language;

/// <summary>Reads a model's answer text into a <see cref="LanguageProgram"/>: JSON syntax, then every value against the
/// generated schema (a server may not enforce it), then deserialization. Failures are values with a message saying
/// where the answer broke, never exceptions.</summary>
public static class ProgramReader
{
    /// <summary>The program, or null and why not.</summary>
    public static (LanguageProgram? Program, string? Error) Read(string text, ObjectNode schema)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(text); }
        catch (JsonException e) { return (null, $"the answer is not JSON ({e.Message}): {Excerpt(text)}"); }
        using (doc)
        {
            var errors = new List<string>();
            Check(doc.RootElement, schema, "$", errors);
            if (errors.Count > 0) return (null, $"the answer does not follow the program schema: {string.Join("; ", errors.Take(3))}");
            try
            {
                var program = doc.RootElement.Deserialize<LanguageProgram>(ProgramSchema.JsonOptions);
                return program is null ? (null, "the answer is JSON null") : (program, null);
            }
            catch (JsonException e) { return (null, $"the answer does not deserialize into a program: {e.Message}"); }
        }
    }

    private static void Check(JsonElement e, SchemaNode node, string path, List<string> errors)
    {
        switch (node)
        {
            case ObjectNode o:
                if (e.ValueKind != JsonValueKind.Object) { errors.Add($"{path}: expected an object"); return; }
                var names = o.Fields.ToDictionary(f => f.JsonName);
                foreach (var p in e.EnumerateObject())
                    if (!names.ContainsKey(p.Name)) errors.Add($"{path}: unknown field \"{p.Name}\"");
                foreach (var f in o.Fields)
                {
                    if (!e.TryGetProperty(f.JsonName, out var v) || v.ValueKind == JsonValueKind.Null)
                    {
                        if (f.Required) errors.Add($"{path}: missing \"{f.JsonName}\"");
                        continue;
                    }
                    Check(v, f.Value, $"{path}.{f.JsonName}", errors);
                }
                break;
            case EnumNode en:
                if (e.ValueKind != JsonValueKind.String || !en.Values.Contains(e.GetString()!))
                    errors.Add($"{path}: {Excerpt(e.GetRawText())} is not one of {string.Join(", ", en.Values.Take(12))}{(en.Values.Count > 12 ? ", …" : "")}");
                break;
            case StringNode s:
                if (e.ValueKind != JsonValueKind.String) errors.Add($"{path}: expected a string");
                else if (e.GetString()!.Length > s.MaxLength) errors.Add($"{path}: longer than {s.MaxLength} characters");
                break;
            case IntegerNode i:
                if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt32(out int n)) errors.Add($"{path}: expected an integer");
                else if (n < i.Min || n > i.Max) errors.Add($"{path}: {n} is outside [{i.Min}, {i.Max}]");
                break;
            case NumberNode:
                if (e.ValueKind != JsonValueKind.Number) errors.Add($"{path}: expected a number");
                break;
            case BoolNode:
                if (e.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) errors.Add($"{path}: expected true or false");
                break;
            case ArrayNode a:
                if (e.ValueKind != JsonValueKind.Array) { errors.Add($"{path}: expected an array"); return; }
                if (e.GetArrayLength() > a.MaxItems) errors.Add($"{path}: more than {a.MaxItems} items");
                int k = 0;
                foreach (var item in e.EnumerateArray()) Check(item, a.Item, $"{path}[{k++}]", errors);
                break;
            case MapNode m:
                if (e.ValueKind != JsonValueKind.Object) { errors.Add($"{path}: expected an object"); return; }
                int count = 0;
                foreach (var p in e.EnumerateObject()) { count++; Check(p.Value, m.Value, $"{path}.{p.Name}", errors); }
                if (count > m.MaxEntries) errors.Add($"{path}: more than {m.MaxEntries} entries");
                break;
        }
    }

    internal static string Excerpt(string text, int max = 120)
    {
        string t = text.ReplaceLineEndings(" ");
        return t.Length <= max ? t : t[..max] + "…";
    }
}
