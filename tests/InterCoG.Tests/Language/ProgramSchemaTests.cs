using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using InterCoG.Language;
using InterCoG.Perception;
using InterCoG.Reasoning;
using InterCoG.Programs;

namespace InterCoG.Tests.Language;

public class ProgramSchemaTests
{
    private static readonly ObjectNode Schema = ProgramSchema.Build();

    private static ObjectNode Expression(ObjectNode o) => (ObjectNode)Field(Field(o, "program"), "target");
    private static ObjectNode Field(SchemaNode o, string name) => (ObjectNode)((ObjectNode)o).Fields.Single(f => f.JsonName == name).Value;

    [Fact]
    public void Closed_word_lists_come_from_the_code_constants()
    {
        var program = Field(Schema, "program");
        var op = (EnumNode)program.Fields.Single(f => f.JsonName == "operation").Value;
        Assert.Equal(ProgramSchema.ConstantsOf(typeof(Operations)), op.Values);
        Assert.Contains(Operations.Ground, op.Values);
        Assert.All(Operations.Generative, g => Assert.Contains(g, op.Values));
        Assert.DoesNotContain(Operations.GenerativeBackend, op.Values);
        var target = Expression(Schema);
        Assert.Equal([.. CocoClasses.Names, ReferringExpression.Image, GroundingExecutor.AnyObject], ((EnumNode)target.Fields.Single(f => f.JsonName == "category").Value).Values);
        Assert.Equal(ColorNamer.Names, ((EnumNode)target.Fields.Single(f => f.JsonName == "color").Value).Values);
        var relation = Field(target, "relation");
        var kinds = ((EnumNode)relation.Fields.Single(f => f.JsonName == "kind").Value).Values;
        Assert.Contains(SpatialRelations.Between, kinds);
        Assert.All(SpatialRelations.All.Keys, k => Assert.Contains(k, kinds));
    }

    [Fact]
    public void Every_settable_property_of_the_expression_appears_in_the_top_level_object_except_the_parsers_annotations()
    {
        var names = Expression(Schema).Fields.Select(f => f.JsonName).ToHashSet();
        var props = typeof(ReferringExpression).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite)
            .Select(p => JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name)).Except(Annotations).ToList();
        Assert.True(props.Count >= 8);
        Assert.All(props, p => Assert.Contains(p, names));
        Assert.DoesNotContain("unresolved", names);
        Assert.True(Expression(Schema).Fields.Single(f => f.JsonName == "category").Required);
        Assert.False(Expression(Schema).Fields.Single(f => f.JsonName == "color").Required);
    }

    private static readonly string[] Annotations = ["in_vocabulary", "unresolved", "step"];

    // The program's JSON without the fields only the rule parser writes.
    private static string WithoutAnnotations(string json)
    {
        var node = JsonNode.Parse(json)!;
        void Strip(JsonNode? n)
        {
            if (n is JsonObject o)
            {
                foreach (var a in Annotations) o.Remove(a);
                foreach (var (_, v) in o.ToList()) Strip(v);
            }
            else if (n is JsonArray arr) foreach (var v in arr) Strip(v);
        }
        Strip(node);
        return node.ToJsonString();
    }

    [Fact]
    public void Anchors_nest_two_levels_and_no_deeper()
    {
        var level0 = Expression(Schema);
        var level1 = Field(Field(level0, "relation"), "anchor");
        var level2 = Field(Field(level1, "relation"), "anchor");
        Assert.DoesNotContain(level2.Fields, f => f.JsonName is "relation" or "negated");
        Assert.Contains(level2.Fields, f => f.JsonName == "category");
        string gbnf = ProgramGrammar.ToGbnf(Schema);
        Assert.Contains("referring-expression-2", gbnf);
        Assert.InRange(ProgramGrammar.MaxChars(Schema), 500, 6000); // 4758 with more_relations on the target (2026-11-27)
        Assert.DoesNotContain("referring-expression-3", gbnf);
    }

    [Theory]
    [InlineData("make the horse on the left brown")]
    [InlineData("remove the second cup from the right")]
    [InlineData("blur the person between the dog and the car")]
    [InlineData("make the cup that is not red blue")]
    [InlineData("make both dogs red")]
    [InlineData("the nearest chair")]
    [InlineData("the tallest bottle to the left of the largest bowl")]
    [InlineData("remove the cup in the top left corner")]
    [InlineData("pixelate the farthest person")]
    [InlineData("remove the cup above the bowl")]
    [InlineData("make the man's shirt red")]
    [InlineData("replace the cat with a white dog")]
    [InlineData("add a red ball next to the dog on the left")]
    [InlineData("change the material of the chair to leather")]
    [InlineData("change the content of the tv to a cartoon")]
    [InlineData("change the text of the stop sign to SLOW")]
    [InlineData("change the style to watercolor")]
    [InlineData("change the background to a sunset beach")]
    [InlineData("make the dog on the right sit")]
    [InlineData("add a bird on the back of the horse")]
    public void Programs_of_the_rule_parser_pass_the_schema(string instruction)
    {
        var parse = new Reasoner().Parse(instruction);
        Assert.True(parse.Parsed, parse.Reason);
        string json = WithoutAnnotations(JsonSerializer.Serialize(new LanguageProgram("parsed by rules", parse.Request!, 3), ProgramSchema.JsonOptions));
        var (program, error) = ProgramReader.Read(json, Schema);
        Assert.Null(error);
        Assert.Equal(json, WithoutAnnotations(JsonSerializer.Serialize(program, ProgramSchema.JsonOptions)));
        Assert.Equal(Reasoner.Describe(parse.Request!), Reasoner.Describe(program!.Program));
    }

    [Theory]
    [InlineData("{\"rationale\":\"x\",\"program\":{\"operation\":\"paint\",\"arguments\":{},\"target\":{\"category\":\"cup\"}}}", "$.program.operation")]
    [InlineData("{\"rationale\":\"x\",\"program\":{\"operation\":\"remove\",\"arguments\":{},\"target\":{\"category\":\"unicorn\"}}}", "$.program.target.category")]
    [InlineData("{\"rationale\":\"x\",\"program\":{\"operation\":\"remove\",\"arguments\":{}}}", "missing \"target\"")]
    [InlineData("{\"rationale\":\"x\",\"program\":{\"operation\":\"remove\",\"arguments\":{},\"target\":{\"category\":\"cup\",\"size\":3}}}", "unknown field \"size\"")]
    [InlineData("{\"rationale\":\"x\",\"program\":{\"operation\":\"remove\",\"arguments\":{},\"target\":{\"category\":\"cup\",\"relation\":{\"kind\":\"touching\",\"anchor\":{\"category\":\"cup\"}}}}}", "$.program.target.relation.kind")]
    [InlineData("Once upon a time", "not JSON")]
    public void Answers_outside_the_schema_are_refused_with_where_they_broke(string text, string expected)
    {
        var (program, error) = ProgramReader.Read(text, Schema);
        Assert.Null(program);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void The_json_schema_carries_the_same_enumerations_and_required_fields()
    {
        var js = ProgramGrammar.ToJsonSchema(Schema);
        var target = js["properties"]!["program"]!["properties"]!["target"]!;
        Assert.Equal(CocoClasses.Names.Length + 2, target["properties"]!["category"]!["enum"]!.AsArray().Count);
        Assert.Equal(6, js["properties"]!["program"]!["properties"]!["arguments"]!["maxProperties"]!.GetValue<int>());
        Assert.Equal(["category"], target["required"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(["rationale", "program"], js["required"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.False(js["additionalProperties"]!.GetValue<bool>());
    }
}
