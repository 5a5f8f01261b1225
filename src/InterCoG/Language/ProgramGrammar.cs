using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace InterCoG.Language;

/// <summary>Writes a <see cref="ProgramSchema"/> as a llama.cpp GBNF grammar (compact JSON, no free whitespace, every
/// string and list bounded, so any output the grammar accepts is a finite, well-formed program) and as a JSON schema
/// for OpenAI-compatible servers' <c>response_format: json_schema</c>.</summary>
public static class ProgramGrammar
{
    /// <summary>Name of the GBNF start rule.</summary>
    public const string Root = "root";

    /// <summary>GBNF text for <paramref name="schema"/>; the start rule is <see cref="Root"/>.</summary>
    public static string ToGbnf(ObjectNode schema)
    {
        var rules = new List<string>();
        var done = new HashSet<string>();
        var shared = new SortedDictionary<string, string>(StringComparer.Ordinal);
        rules.Add($"{Root} ::= {ObjectRule(schema)}");
        Emit(schema, rules, done, shared);
        foreach (var (name, body) in shared) rules.Add($"{name} ::= {body}");
        return string.Join("\n", rules) + "\n";
    }

    /// <summary>Length in characters of the longest text the grammar of <paramref name="node"/> accepts.</summary>
    public static int MaxChars(SchemaNode node) => node switch
    {
        ObjectNode o => 2 + Math.Max(0, o.Fields.Count - 1) + o.Fields.Sum(f => f.JsonName.Length + 3 + MaxChars(f.Value)),
        EnumNode e => 2 + e.Values.Max(v => v.Length),
        StringNode s => 2 + s.MaxLength,
        IntegerNode i => i.Max.ToString(CultureInfo.InvariantCulture).Length,
        NumberNode => 9,
        BoolNode => 5,
        ArrayNode a => 2 + a.MaxItems * MaxChars(a.Item) + a.MaxItems - 1,
        MapNode m => 2 + m.MaxEntries * (m.KeyMaxLength + 3 + MaxChars(m.Value)) + m.MaxEntries - 1,
        _ => throw new NotSupportedException($"program grammar: no length for {node.GetType().Name}"),
    };

    /// <summary>JSON schema (draft 2020-12 subset: type, properties, required, enum, maxLength, min/max, items) for <paramref name="schema"/>.</summary>
    public static JsonObject ToJsonSchema(SchemaNode schema) => schema switch
    {
        ObjectNode o => new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject(o.Fields.Select(f => KeyValuePair.Create(f.JsonName, (JsonNode?)ToJsonSchema(f.Value)))),
            ["required"] = new JsonArray(o.Fields.Where(f => f.Required).Select(f => (JsonNode?)JsonValue.Create(f.JsonName)).ToArray()),
            ["additionalProperties"] = false,
        },
        EnumNode e => new JsonObject { ["type"] = "string", ["enum"] = new JsonArray(e.Values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray()) },
        StringNode s => new JsonObject { ["type"] = "string", ["maxLength"] = s.MaxLength },
        IntegerNode i => new JsonObject { ["type"] = "integer", ["minimum"] = i.Min, ["maximum"] = i.Max },
        NumberNode => new JsonObject { ["type"] = "number" },
        BoolNode => new JsonObject { ["type"] = "boolean" },
        ArrayNode a => new JsonObject { ["type"] = "array", ["items"] = ToJsonSchema(a.Item), ["maxItems"] = a.MaxItems },
        MapNode m => new JsonObject
        {
            ["type"] = "object", ["additionalProperties"] = ToJsonSchema(m.Value), ["maxProperties"] = m.MaxEntries,
            ["propertyNames"] = new JsonObject { ["maxLength"] = m.KeyMaxLength },
        },
        _ => throw new NotSupportedException($"program grammar: no JSON schema for {schema.GetType().Name}"),
    };

    private static void Emit(ObjectNode o, List<string> rules, HashSet<string> done, SortedDictionary<string, string> shared)
    {
        if (!done.Add(o.Name)) return;
        rules.Add($"{o.Name} ::= {ObjectBody(o, shared)}");
        foreach (var f in o.Fields) EmitNested(f.Value, rules, done, shared);
    }

    private static void EmitNested(SchemaNode n, List<string> rules, HashSet<string> done, SortedDictionary<string, string> shared)
    {
        switch (n)
        {
            case ObjectNode o: Emit(o, rules, done, shared); break;
            case ArrayNode a: EmitNested(a.Item, rules, done, shared); break;
            case MapNode m: EmitNested(m.Value, rules, done, shared); break;
        }
    }

    private static string ObjectRule(ObjectNode o) => o.Name;

    // Fields in declaration order; the first required field opens the object, optional ones before it are
    // alternatives of the opening (so no comma ever leads or trails).
    private static string ObjectBody(ObjectNode o, SortedDictionary<string, string> shared)
    {
        string Pair(FieldNode f) => $"{Literal("\"" + f.JsonName + "\":")} {Value(f.Value, shared)}";
        var sb = new StringBuilder("\"{\" ");
        int firstRequired = o.Fields.ToList().FindIndex(f => f.Required);
        if (firstRequired < 0)
            throw new NotSupportedException($"program grammar: object {o.Name} needs at least one required field");
        // optional fields before the first required one: each may appear, comma-separated, then the required one
        for (int i = 0; i < firstRequired; i++) sb.Append($"( {Pair(o.Fields[i])} \",\" )? ");
        sb.Append(Pair(o.Fields[firstRequired]));
        for (int i = firstRequired + 1; i < o.Fields.Count; i++)
        {
            var f = o.Fields[i];
            sb.Append(f.Required ? $" \",\" {Pair(f)}" : $" ( \",\" {Pair(f)} )?");
        }
        sb.Append(" \"}\"");
        return sb.ToString();
    }

    private static string Value(SchemaNode n, SortedDictionary<string, string> shared)
    {
        switch (n)
        {
            case ObjectNode o: return ObjectRule(o);
            case EnumNode e: return "( " + string.Join(" | ", e.Values.Select(v => Literal("\"" + v + "\""))) + " )";
            case StringNode s:
            {
                string name = $"str{s.MaxLength}";
                // printable ASCII without '"' and '\': one character is at least one token, so MaxChars bounds the tokens
                shared[name] = $"\"\\\"\" [\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]{{0,{s.MaxLength}}} \"\\\"\"";
                return name;
            }
            case IntegerNode i:
            {
                string name = $"int{i.Min}-{i.Max}";
                shared[name] = IntegerRule(i.Min, i.Max);
                return name;
            }
            case NumberNode:
                shared["number"] = "\"-\"? [0-9]{1,4} ( \".\" [0-9]{1,3} )?";
                return "number";
            case BoolNode: return "( \"true\" | \"false\" )";
            case ArrayNode a:
            {
                string item = Value(a.Item, shared);
                return $"( \"[\" ( {item} ( \",\" {item} ){{0,{a.MaxItems - 1}}} )? \"]\" )";
            }
            case MapNode m:
            {
                string key = Value(new StringNode(m.KeyMaxLength), shared), value = Value(m.Value, shared);
                return $"( \"{{\" ( {key} \":\" {value} ( \",\" {key} \":\" {value} ){{0,{m.MaxEntries - 1}}} )? \"}}\" )";
            }
            default: throw new NotSupportedException($"program grammar: no GBNF for {n.GetType().Name}");
        }
    }

    // Decimal integers in [min, max] without leading zeros: the accepted set is exactly the range, digit-length by
    // digit-length; a length class fully inside the range is one pattern, a partial one is listed value by value.
    private static string IntegerRule(int min, int max)
    {
        if (min < 0 || max < min) throw new ArgumentOutOfRangeException(nameof(max), $"integer range [{min}, {max}] is not supported");
        var alts = new List<string>();
        for (int digits = 1; digits <= max.ToString(CultureInfo.InvariantCulture).Length; digits++)
        {
            int lo = digits == 1 ? 0 : (int)Math.Pow(10, digits - 1), hi = (int)Math.Pow(10, digits) - 1;
            int a = Math.Max(lo, min), b = Math.Min(hi, max);
            if (a > b) continue;
            if (a == lo && b == hi)
                alts.Add(digits == 1 ? "[0-9]" : "[1-9]" + string.Concat(Enumerable.Repeat(" [0-9]", digits - 1)));
            else if (digits == 1) alts.Add($"[{a}-{b}]");
            else alts.AddRange(Enumerable.Range(a, b - a + 1).Select(v => Literal(v.ToString(CultureInfo.InvariantCulture))));
        }
        return string.Join(" | ", alts.Distinct());
    }

    private static string Literal(string text)
    {
        var sb = new StringBuilder("\"");
        foreach (char c in text)
            sb.Append(c switch { '"' => "\\\"", '\\' => "\\\\", _ => c.ToString() });
        return sb.Append('"').ToString();
    }
}
