using InterCoG.Chain;
using InterCoG.Perception;

namespace InterCoG.Reasoning;

/// <summary>The reasoning stage's facade: parse an instruction, ground its target in a scene, rewrite the outcome.</summary>
public sealed class Reasoner(ReasoningOptions? options = null)
{
    private readonly InstructionParser _parser = new(options);
    private readonly GroundingExecutor _executor = new(options);

    /// <summary>Options in use.</summary>
    public ReasoningOptions Options { get; } = options ?? new ReasoningOptions();

    /// <summary>Parse an instruction ("make the horse on the left brown") or a bare description ("the horse on the left").</summary>
    public ParseResult Parse(string instruction) => _parser.Parse(instruction);

    /// <summary>Ground an expression over a scene, appending one "reason" step per narrowing to <paramref name="trace"/>.</summary>
    public GroundingOutcome Ground(ReferringExpression expr, Scene scene, ChainTrace trace) => _executor.Execute(expr, scene, trace);

    /// <summary>Write the request and a plain-words summary step to <paramref name="trace"/>, then ground its target.</summary>
    public GroundingOutcome Ground(EditRequest request, Scene scene, ChainTrace trace)
    {
        trace.Request = request;
        trace.Add(new TraceStep(Stages.Reason, ExpressionText.Summarize(request)));
        return _executor.Execute(request.Target, scene, trace);
    }

    /// <summary>The explicit outcome sentence for a grounded request (see <see cref="OutcomeRewriter"/>).</summary>
    public string Rewrite(EditRequest request, SceneEntity target) => OutcomeRewriter.Rewrite(request, target);
}
