using InterCoG.Chain;
using InterCoG.Language;
using InterCoG.Perception;
using InterCoG.Reasoning;
using InterCoG.Tests.TestSupport;
using InterCoG.Tracing;
using InterCoG.Programs;

namespace InterCoG.Tests.Language;

/// <summary>The local reasoner on the real stories260K GGUF: it writes children's stories, so these tests prove
/// loading, grammar-constrained decoding and the plumbing, and that the alignment check catches its nonsense.</summary>
[Collection(ModelCollection.Name)]
public class LlamaReasonerTests
{
    private static readonly string[] Instructions =
    [
        "make the cup on the left red", "blur the white cup next to the bowl", "get rid of whatever is between the two white cups",
        "the second cup from the right", "Once upon a time there was a cup",
    ];

    private static LlamaReasoner Load(float temperature = 0.9f, uint seed = 7) =>
        (LlamaReasoner)LanguageReasoners.Create(new LanguageModelSettings
        {
            ModelPath = TinyModel.Path,
            Options = new LanguageReasonerOptions { Temperature = temperature, Seed = seed },
        });

    [Fact]
    public void Every_answer_under_the_grammar_reads_as_a_program_for_many_prompts_and_seeds()
    {
        var scene = TinyModel.Kitchen();
        int answers = 0;
        var programs = new HashSet<string>();
        foreach (uint seed in new uint[] { 1, 2 })
        {
            var model = Load(0.9f, seed);
            foreach (string instruction in Instructions)
            {
                var a = model.Reason(instruction, scene);
                Assert.True(a.Error is null, $"seed {seed}, \"{instruction}\": {a.Error}\n{a.RawText}");
                Assert.NotNull(a.Program);
                Assert.Contains(a.Program!.Program.Operation, ProgramSchema.ConstantsOf(typeof(Operations)));
                Assert.Contains(a.Program.Program.Target.Category, ProgramSchema.Categories);
                Assert.True(a.PromptTokens > 100 && a.GeneratedTokens > 10, $"{a.PromptTokens} prompt / {a.GeneratedTokens} generated tokens");
                Assert.Contains("#3 cup [420,410,520,530] red", ScenePrompt.User(instruction, scene));
                programs.Add(a.RawText);
                answers++;
            }
        }
        Assert.Equal(10, answers);
        Assert.True(programs.Count > 5, $"sampling gave only {programs.Count} distinct answers out of 10");
    }

    [Fact]
    public void Decoding_with_a_fixed_seed_is_deterministic()
    {
        var scene = TinyModel.Kitchen();
        foreach (float temperature in new[] { 0f, 0.9f })
        {
            var a = Load(temperature, 42).Reason("make the cup on the left red", scene);
            using var fresh = new LlamaReasoner(TinyModel.Path, new LanguageReasonerOptions { Temperature = temperature, Seed = 42 });
            var b = fresh.Reason("make the cup on the left red", scene);
            Assert.Equal(a.RawText, b.RawText);
            Assert.Equal(a.GeneratedTokens, b.GeneratedTokens);
        }
        var other = Load(0.9f, 43).Reason("make the cup on the left red", scene);
        Assert.NotEqual(Load(0.9f, 42).Reason("make the cup on the left red", scene).RawText, other.RawText);
    }

    [Fact]
    public void The_alignment_check_catches_the_tiny_models_nonsense_and_never_edits_its_pick()
    {
        var scene = TinyModel.Kitchen();
        var rules = new Reasoner();
        int named = 0, caught = 0;
        foreach (uint seed in new uint[] { 3, 4 })
        {
            var stage = new LanguageStage(Load(0.9f, seed), rules);
            foreach (string instruction in Instructions)
            {
                var trace = new ChainTrace { Image = new TraceImage("mem.png", 1000, 800, ""), Instruction = instruction };
                var ask = stage.Ask(instruction, scene, groundOnly: false, trace.Add);
                Assert.NotNull(ask.Request);
                var reason = trace.Steps.Single();
                Assert.Equal(Stages.Reason, reason.Stage);
                Assert.True(reason.Data!["prompt_chars"] > 300 && reason.Data["prompt_tokens"] > 100 && reason.Data["generated_tokens"] > 10);
                Assert.Contains("Rationale:", reason.Text);
                var outcome = rules.Ground(ask.Request!.Target, scene, trace);
                var parse = new ParseResult(false, null, "pretend the rules failed", []);
                var (request, final) = stage.Align(ask, outcome, parse, false, scene, trace, trace.Add);
                Assert.Same(ask.Request, request);
                if (ask.Answer.Program!.TargetId is not int id) continue;
                named++;
                bool programSelects = outcome.Kind == GroundingKind.Unique && outcome.Targets.Any(e => e.Id == id);
                if (programSelects)
                {
                    Assert.Same(outcome, final);
                    Assert.Contains(trace.Steps, s => s.Ok == true && s.Text.StartsWith("Alignment: the program selects", StringComparison.Ordinal));
                    continue;
                }
                caught++;
                Assert.Contains(trace.Steps, s => s.Ok == false && s.Text.StartsWith("Alignment failed", StringComparison.Ordinal));
                Assert.NotEqual(GroundingKind.Unique, final.Kind); // never a silent edit of the model's pick
                if (scene.ById(id) is not null) Assert.Contains(final.Candidates, c => c.Id == id);
            }
        }
        Assert.True(named > 0, "the tiny model never named a target id");
        Assert.True(caught > 0, $"no disagreement caught in {named} named picks");
    }

    [Fact]
    public void A_disagreement_falls_back_to_the_rule_parser_when_it_parsed()
    {
        var scene = TinyModel.Kitchen();
        var rules = new Reasoner();
        var stage = new LanguageStage(Load(0.9f, 1), rules);
        const string instruction = "remove the bowl";
        var parse = rules.Parse(instruction);
        Assert.True(parse.Parsed);
        // The model's pick is taken from its answer; the program is grounded for real; then the pick is set to an id
        // the program cannot select (an object of another category) to force the disagreement.
        var trace = new ChainTrace { Image = new TraceImage("mem.png", 1000, 800, ""), Instruction = instruction };
        var ask = stage.Ask(instruction, scene, false, trace.Add);
        var outcome = rules.Ground(ask.Request!.Target, scene, trace);
        var selected = outcome.Kind == GroundingKind.Unique ? outcome.Targets.Select(t => t.Id).ToHashSet() : [];
        int wrong = scene.Entities.Select(e => e.Id).First(i => !selected.Contains(i));
        var forced = ask with { Answer = ask.Answer with { Program = ask.Answer.Program! with { TargetId = wrong } } };
        var (request, final) = stage.Align(forced, outcome, parse, false, scene, trace, trace.Add);
        Assert.Equal(parse.Request, request);
        Assert.Equal(GroundingKind.Unique, final.Kind);
        Assert.Equal(4, final.Target!.Id); // the bowl, by the rules' program
        Assert.Contains(trace.Steps, s => s.Ok == false && s.Text.Contains("Falling back to the rule parser", StringComparison.Ordinal));
        Assert.Equal(parse.Request, trace.Request);
    }
}
