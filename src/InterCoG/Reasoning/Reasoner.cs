using InterCoG.Perception;
using InterCoG.Tracing;
using InterCoG.Programs;

namespace InterCoG.Reasoning;

/// <summary>The reasoning stage's facade: parse an instruction, ground its target in a scene, rewrite the outcome.</summary>
public sealed class Reasoner
{
    private readonly InstructionParser _parser;
    private readonly GroundingExecutor _executor;

    /// <summary>Create the stage; <paramref name="options"/> null means the defaults of <see cref="ReasoningOptions"/>.</summary>
    public Reasoner(ReasoningOptions? options = null)
    {
        Options = options ?? new ReasoningOptions();
        _parser = new InstructionParser(Options);
        _executor = new GroundingExecutor(Options);
    }

    /// <summary>Options in use.</summary>
    public ReasoningOptions Options { get; }

    /// <summary>Parse an instruction ("make the horse on the left brown") or a bare description ("the horse on the left").</summary>
    public ParseResult Parse(string instruction) => _parser.Parse(instruction);

    /// <summary>Parse a request of one or more steps ("remove the cup and make the plate blue", one step a line) into one
    /// program per step, later steps linked to earlier results ("it", "the white dog").</summary>
    public ProgramParse ParseProgram(string request) => StepSplitter.Parse(_parser, request);

    /// <summary>Ground an expression over a scene, appending one "reason" step per narrowing to <paramref name="trace"/>
    /// (and passing each to <paramref name="onStep"/> when given). <paramref name="forEdit"/>: the target will be edited, so
    /// candidates too small to edit visibly are not chosen (false for grounding alone).</summary>
    public GroundingOutcome Ground(ReferringExpression expr, Scene scene, ChainTrace trace, Action<TraceStep>? onStep = null, bool forEdit = true) =>
        _executor.Execute(expr, scene, trace, onStep, forEdit);

    /// <summary>The request in plain words, e.g. "Recolor a horse to brown; the horse meant is the leftmost one."</summary>
    public static string Describe(EditRequest request) => ExpressionText.Summarize(request);

    /// <summary>Write the request and a plain-words summary step to <paramref name="trace"/>, then ground its target.</summary>
    public GroundingOutcome Ground(EditRequest request, Scene scene, ChainTrace trace)
    {
        trace.Request = request;
        trace.Add(new TraceStep(Stages.Reason, Describe(request)));
        return _executor.Execute(request.Target, scene, trace);
    }

    /// <summary>The explicit outcome sentence for a grounded request (see <see cref="Rewriter"/>).</summary>
    public string Rewrite(EditRequest request, SceneEntity target) => Rewriter.Rewrite(request, target);
}
