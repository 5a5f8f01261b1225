using System.Globalization;
using InterCoG.Perception;
using InterCoG.Reasoning;
using InterCoG.Tracing;
using InterCoG.Programs;

namespace InterCoG.Language;

/// <summary>What the language stage asked and was told, for the engine to continue with.</summary>
/// <param name="Answer">The model's answer (its program may be null: see <see cref="LanguageAnswer.Error"/>).</param>
/// <param name="Request">The program to ground (the operation forced to "ground" for ground-only runs), or null.</param>
public sealed record LanguageAsk(LanguageAnswer Answer, EditRequest? Request);

/// <summary>The language-model path of the reason stage: ask the model with the scene, record the call as a
/// <c>reason</c> step, and after the project's own executor has grounded the returned program, check that the program
/// selects the object the model named. A disagreement is recorded and never resolved toward the model's pick: the
/// rule parser's program is grounded instead when it parsed, otherwise the result is ambiguous among both picks.</summary>
public sealed class LanguageStage(ILanguageReasoner model, Reasoner rules)
{
    /// <summary>True when <paramref name="mode"/> sends this instruction to the language model: always for
    /// <see cref="ReasonerMode.Llm"/>, and for <see cref="ReasonerMode.Auto"/> only when the rules did not parse it.</summary>
    public static bool Wanted(ReasonerMode mode, ParseResult parse) =>
        mode == ReasonerMode.Llm || (mode == ReasonerMode.Auto && (!parse.Parsed || parse.Request is null));

    /// <summary>The model in use.</summary>
    public ILanguageReasoner Model => model;

    /// <summary>Ask the model about <paramref name="instruction"/> over <paramref name="scene"/> and record a reason step
    /// with the prompt size (chars, tokens), generated tokens, time and rationale.</summary>
    public LanguageAsk Ask(string instruction, Scene scene, bool groundOnly, Action<TraceStep> add)
    {
        var answer = model.Reason(instruction, scene);
        var data = new Dictionary<string, double>
        {
            ["prompt_chars"] = answer.PromptChars,
            ["prompt_tokens"] = answer.PromptTokens,
            ["generated_tokens"] = answer.GeneratedTokens,
            ["llm_ms"] = answer.Ms,
        };
        if (answer.Program?.TargetId is int id) data["model_target_id"] = id;
        string head = string.Create(CultureInfo.InvariantCulture,
            $"Language model ({model.Name}) read the instruction and the objects ({answer.PromptChars} chars, {answer.PromptTokens} tokens) and generated {answer.GeneratedTokens} tokens in {answer.Ms:0} ms");
        if (answer.Program is not { } p)
        {
            add(new TraceStep(Stages.Reason, $"{head}; its answer is unusable: {answer.Error}") { Ms = answer.Ms, Data = data });
            return new LanguageAsk(answer, null);
        }
        var request = groundOnly ? p.Program with { Operation = Operations.Ground } : p.Program;
        string pick = p.TargetId is int t ? $" It names #{t} as the target." : " It names no target.";
        add(new TraceStep(Stages.Reason, $"{head}. Rationale: \"{p.Rationale}\". Program: {Reasoner.Describe(request)}{pick}") { Ms = answer.Ms, Data = data });
        return new LanguageAsk(answer, request);
    }

    /// <summary>Check the grounded <paramref name="outcome"/> of the model's program against the id the model named.
    /// Agreement (or no id named) keeps it. Disagreement (the program selects another object, nothing, or several) is
    /// written as a reason step with ok = false; then <paramref name="rulesParse"/>'s request is grounded instead when
    /// it parsed, else the outcome becomes ambiguous among the program's candidates and the model's pick.
    /// <paramref name="add"/> appends a step to the trace (and streams it); <paramref name="onStep"/> streams the
    /// executor's steps of a fallback grounding.</summary>
    public (EditRequest Request, GroundingOutcome Outcome) Align(LanguageAsk ask, GroundingOutcome outcome, ParseResult rulesParse, bool groundOnly,
        Scene scene, ChainTrace trace, Action<TraceStep> add, Action<TraceStep>? onStep = null)
    {
        var request = ask.Request ?? throw new ArgumentException("no program to align", nameof(ask));
        if (ask.Answer.Program?.TargetId is not int named) return (request, outcome);
        var selected = outcome.Kind == GroundingKind.Unique ? outcome.Targets : [];
        if (selected.Any(e => e.Id == named))
        {
            add(new TraceStep(Stages.Reason, $"Alignment: the program selects #{named}, the object the model named.") { Ok = true });
            return (request, outcome);
        }
        string found = outcome.Kind switch
        {
            GroundingKind.Unique => "selects " + string.Join(", ", selected.Select(e => $"#{e.Id} {e.Label}")),
            GroundingKind.Ambiguous => $"leaves {outcome.Candidates.Count} candidates ({string.Join(", ", outcome.Candidates.Select(e => "#" + e.Id))})",
            _ => "selects nothing",
        };
        var namedEntity = scene.ById(named);
        string namedText = namedEntity is null ? $"#{named}, which is not in the scene" : $"#{named} {namedEntity.Label}";
        string disagreement = $"Alignment failed: the model named {namedText}, but its program {found}.";

        if (rulesParse.Parsed && rulesParse.Request is { } ruled)
        {
            add(new TraceStep(Stages.Reason, disagreement + " Falling back to the rule parser's program.") { Ok = false });
            var fallback = groundOnly ? ruled with { Operation = Operations.Ground } : ruled;
            trace.Request = fallback;
            add(new TraceStep(Stages.Reason, Reasoner.Describe(fallback)));
            return (fallback, rules.Ground(fallback.Target, scene, trace, onStep));
        }
        var candidates = selected.Concat(outcome.Candidates).Append(namedEntity).OfType<SceneEntity>()
            .DistinctBy(e => e.Id).OrderBy(e => e.Id).ToList();
        add(new TraceStep(Stages.Reason, disagreement + " The rule parser has no program for this instruction, so the choice is left to the user.") { Ok = false });
        var kind = candidates.Count > 0 ? GroundingKind.Ambiguous : GroundingKind.NotFound;
        return (request, new GroundingOutcome(kind, null, candidates, disagreement + (kind == GroundingKind.Ambiguous ? " Choose one with --choose ID." : "")));
    }
}
