using InterCoG.Chain;
using InterCoG.Reasoning;
using Xunit;
using static InterCoG.Tests.Reasoning.ReasoningScenes;
using InterCoG.Tracing;
using InterCoG.Programs;

namespace InterCoG.Tests.Reasoning;

public class ReasonerTests
{
    private readonly Reasoner _reasoner = new();

    [Fact]
    public void Parse_then_ground_writes_the_summary_first_and_finds_the_leftmost_horse()
    {
        var scene = S(E(2, "horse", 200, 300, 300, 400, "brown"), E(3, "horse", 0, 300, 100, 400, "white"), E(5, "horse", 600, 300, 700, 400));
        var parsed = _reasoner.Parse("make the leftmost horse brown");
        Assert.True(parsed.Parsed, parsed.Reason);
        var trace = Trace("make the leftmost horse brown");
        var outcome = _reasoner.Ground(parsed.Request!, scene, trace);
        Assert.Equal("Recolor a horse to brown; the horse meant is the leftmost one.", trace.Steps[0].Text);
        Assert.Same(parsed.Request, trace.Request);
        Assert.Equal(3, outcome.Target!.Id);
        Assert.All(trace.Steps, s => Assert.Equal(Stages.Reason, s.Stage));
        Assert.Equal(
            "Recolor object #3, the horse at [0,300,100,400], to brown, keeping its shading; change nothing else.",
            _reasoner.Rewrite(parsed.Request!, outcome.Target));
    }

    [Fact]
    public void Step_listener_hears_every_grounding_step_in_order()
    {
        var scene = S(E(1, "cup", 100, 200, 180, 280), E(2, "cup", 600, 200, 680, 280), E(4, "laptop", 300, 150, 500, 300));
        var heard = new List<TraceStep>();
        var trace = Trace();
        var expr = _reasoner.Parse("the cup right of the laptop").Request!.Target;
        var outcome = _reasoner.Ground(expr, scene, trace, heard.Add);
        Assert.Equal(2, outcome.Target!.Id);
        Assert.Equal(4, heard.Count); // cups, anchor laptop, relation, outcome
        Assert.Equal(trace.Steps, heard);
        Assert.Equal("Find a cup; the cup meant is the one right of the laptop.",
            Reasoner.Describe(_reasoner.Parse("the cup right of the laptop").Request!));
    }

    [Fact]
    public void Summary_mentions_unresolved_phrases()
    {
        var parsed = _reasoner.Parse("make the second bottle from the left on the counter red");
        Assert.Equal("Recolor a bottle to red; the bottle meant is the second one from the left. Not used for grounding: 'on the counter'.",
            ExpressionText.Summarize(parsed.Request!));
    }

    [Theory]
    [InlineData("remove the cup next to the laptop", "Remove a cup; the cup meant is the one next to the laptop.")]
    [InlineData("paint the white car blue", "Recolor a car to blue; the car meant is the white one.")]
    [InlineData("the horse on the left", "Find a horse; the horse meant is the one on the left.")]
    [InlineData("get rid of the dog", "Remove a dog; the dog meant is the only one.")]
    [InlineData("delete the third person from the right", "Remove a person; the person meant is the third one from the right.")]
    public void Summaries_in_plain_words(string instruction, string summary) =>
        Assert.Equal(summary, ExpressionText.Summarize(_reasoner.Parse(instruction).Request!));

    [Fact]
    public void Rewrites_name_the_object_by_id_and_box()
    {
        var bottle = E(7, "bottle", 412, 220, 468, 301);
        var recolor = new EditRequest(Operations.Recolor, new() { ["color"] = "red" }, new ReferringExpression { Category = "bottle" });
        Assert.Equal("Recolor object #7, the bottle at [412,220,468,301], to red, keeping its shading; change nothing else.",
            Rewriter.Rewrite(recolor, bottle));
        var remove = recolor with { Operation = Operations.Remove, Arguments = [] };
        Assert.Equal("Remove object #7, the bottle at [412,220,468,301]; fill the hole from its surroundings; change nothing else.",
            Rewriter.Rewrite(remove, bottle));
        var trace = Trace();
        Rewriter.AppendTo(trace, remove, bottle);
        Assert.Equal(Stages.Rewrite, trace.Steps.Single().Stage);
        Assert.Equal("target", trace.Steps.Single().Boxes!.Single().Role);
    }

    [Fact]
    public void Rewrite_names_the_category_asked_for_when_counted_by_probability()
    {
        var phoneLike = E(1, "remote", 0, 0, 50, 100, score: 0.6f, extra: ("cell phone", 0.4f));
        var req = _reasoner.Parse("remove the phone").Request!;
        Assert.Contains("the cell phone at [0,0,50,100]", Rewriter.Rewrite(req, phoneLike));
    }
}
