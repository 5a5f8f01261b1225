using System.CommandLine;
using InterCoG.Chain;
using InterCoG.Imaging;
using InterCoG.Language;
using InterCoG.Tracing;

namespace InterCoG.Cli.Commands;

/// <summary><c>edit</c> and <c>ground</c>: run the chain and write what the user asked for.</summary>
public static class ChainCommands
{
    public static Command Edit(CliContext ctx)
    {
        var image = new Argument<string>("image") { Description = "Input photo (JPEG or PNG); never modified." };
        var instruction = new Argument<string>("instruction") { Description = "What to do, e.g. \"make the horse on the left brown\"." };
        var output = new Option<string?>("--output", "-o") { Description = "Edited image (.png keeps every untouched pixel bit-identical; .jpg re-encodes). Default: ./<name>.edited.png" };
        var trace = new Option<string?>("--trace") { Description = "Write the chain trace JSON here." };
        var report = new Option<string?>("--report") { Description = "Write an HTML report (index.html + one PNG per step) into this folder." };
        var maskOut = new Option<string?>("--mask-out") { Description = "Write the edited region as a black/white PNG of the input's size." };
        var choose = new Option<int?>("--choose") { Description = "Resolve an ambiguity: the id of one of the candidates." };
        var json = new Option<bool>("--json") { Description = "Print the trace JSON on stdout (and nothing else there)." };
        var strict = new Option<bool>("--strict") { Description = "Exit 6 when the verify stage fails." };
        var fill = FillOption.Create("How a removal (and the hole of move, resize, flip) is filled");
        var cmd = new Command("edit", "Find the object the instruction means, edit only it, verify, and show the chain.")
        {
            image, instruction, output, trace, report, maskOut, choose, json, strict, fill,
        };
        var llm = LlmOptions.AddTo(cmd);
        var detectorModels = DetectorModelOption.AddTo(cmd);
        var segmenter = SegmenterOption.AddTo(cmd);
        var engine = EngineOptionsCli.AddTo(cmd);
        var generative = GenerativeOptionsCli.AddTo(cmd);
        cmd.SetAction(pr => RunChain(ctx, new ChainRequest(
            pr.GetValue(image)!, pr.GetValue(instruction)!, GroundOnly: false,
            Output: pr.GetValue(output), Trace: pr.GetValue(trace), Report: pr.GetValue(report), MaskOut: pr.GetValue(maskOut),
            Choose: pr.GetValue(choose), Json: pr.GetValue(json), Strict: pr.GetValue(strict))
        {
            Llm = llm.Read(pr), DetectorModels = DetectorModelOption.Read(pr, detectorModels), Profile = engine.Profile(pr), Sessions = engine.Sessions(pr),
            Generative = generative.Read(pr), Fill = FillOption.Read(pr, fill), Segmenter = SegmenterOption.Read(pr, segmenter),
        }));
        return cmd;
    }

    public static Command Ground(CliContext ctx)
    {
        var image = new Argument<string>("image") { Description = "Input photo (JPEG or PNG)." };
        var expression = new Argument<string>("expression") { Description = "A referring expression, e.g. \"the second horse from the left\"." };
        var trace = new Option<string?>("--trace") { Description = "Write the chain trace JSON here." };
        var report = new Option<string?>("--report") { Description = "Write an HTML report into this folder." };
        var maskOut = new Option<string?>("--mask-out") { Description = "Write the target's mask as a black/white PNG." };
        var choose = new Option<int?>("--choose") { Description = "Resolve an ambiguity: the id of one of the candidates." };
        var json = new Option<bool>("--json") { Description = "Print the trace JSON on stdout." };
        var cmd = new Command("ground", "Find the object a referring expression means (no edit).")
        {
            image, expression, trace, report, maskOut, choose, json,
        };
        var llm = LlmOptions.AddTo(cmd);
        var detectorModels = DetectorModelOption.AddTo(cmd);
        var segmenter = SegmenterOption.AddTo(cmd);
        var engine = EngineOptionsCli.AddTo(cmd);
        cmd.SetAction(pr => RunChain(ctx, new ChainRequest(
            pr.GetValue(image)!, pr.GetValue(expression)!, GroundOnly: true,
            Output: null, Trace: pr.GetValue(trace), Report: pr.GetValue(report), MaskOut: pr.GetValue(maskOut),
            Choose: pr.GetValue(choose), Json: pr.GetValue(json), Strict: false)
        { Llm = llm.Read(pr), DetectorModels = DetectorModelOption.Read(pr, detectorModels), Profile = engine.Profile(pr), Sessions = engine.Sessions(pr), Segmenter = SegmenterOption.Read(pr, segmenter) }));
        return cmd;
    }

    internal sealed record ChainRequest(string Image, string Instruction, bool GroundOnly, string? Output, string? Trace,
        string? Report, string? MaskOut, int? Choose, bool Json, bool Strict)
    {
        /// <summary>Reasoner mode and language-model settings (--reasoner, --llm-*).</summary>
        public LlmChoice Llm { get; init; } = new(ReasonerMode.Rules, null);

        /// <summary>User detector models (--detector-model); null: INTERCOG_DETECTORS.</summary>
        public IReadOnlyList<string>? DetectorModels { get; init; }

        /// <summary>The segmenter (--segmenter); null: the library's default.</summary>
        public Perception.Segmentation.SegmenterKind? Segmenter { get; init; }

        /// <summary>Detector profile (--profile).</summary>
        public Perception.DetectorProfile Profile { get; init; }

        /// <summary>Device of the model sessions (--device; else INTERCOG_DEVICE or auto).</summary>
        public Models.Onnx.OnnxSessionOptions? Sessions { get; init; }

        /// <summary>The generative server (--gen-*, INTERCOG_GEN_*); null: none, generative operations end unsupported.</summary>
        public Editing.Generative.GenerativeSettings? Generative { get; init; }

        /// <summary>How a removal fills its hole (--fill); null: the library's default.</summary>
        public Editing.FillMethod? Fill { get; init; }
    }

    /// <summary>The parsed --reasoner / --llm-* options: the mode and, unless it is rules, where the model is.</summary>
    internal sealed record LlmChoice(ReasonerMode Mode, LanguageModelSettings? Settings);

    /// <summary>The --reasoner and --llm-* options shared by edit and ground.</summary>
    private sealed class LlmOptions
    {
        private readonly Option<string> _mode = new("--reasoner") { Description = "Who reads the instruction: rules (the rule parser), llm (a language model, checked against the scene), or auto (rules, and the language model only when the rules cannot parse it).", DefaultValueFactory = _ => "rules" };
        private readonly Option<string?> _model = new("--llm-model") { Description = $"GGUF file of a local language model (default: ${LlamaReasoner.ModelEnvironmentVariable})." };
        private readonly Option<string?> _url = new("--llm-url") { Description = "OpenAI-compatible server (e.g. http://127.0.0.1:8080); used instead of --llm-model." };
        private readonly Option<string?> _name = new("--llm-name") { Description = "The server's model name (the request's \"model\" field)." };
        private readonly Option<string?> _keyEnv = new("--llm-key-env") { Description = $"Environment variable holding the server's API key (default {ChatServerOptions.DefaultKeyVariable})." };
        private readonly Option<double?> _timeout = new("--llm-timeout") { Description = "Seconds one server request may take." };
        private readonly Option<int?> _retries = new("--llm-retries") { Description = "Extra attempts after a 5xx answer or a timeout." };
        private readonly Option<uint?> _seed = new("--llm-seed") { Description = "Sampling seed." };
        private readonly Option<float?> _temperature = new("--llm-temperature") { Description = "Sampling temperature (0 = greedy)." };
        private readonly Option<int?> _maxTokens = new("--llm-max-tokens") { Description = "Most tokens the model may generate." };
        private readonly Option<int?> _context = new("--llm-context") { Description = "Context window of a local model, in tokens." };

        public static LlmOptions AddTo(Command cmd)
        {
            var o = new LlmOptions();
            o._mode.AcceptOnlyFromAmong("rules", "llm", "auto");
            foreach (var opt in new Option[] { o._mode, o._model, o._url, o._name, o._keyEnv, o._timeout, o._retries, o._seed, o._temperature, o._maxTokens, o._context })
                cmd.Options.Add(opt);
            return o;
        }

        // Only the flags the user set override the library's defaults.
        public LlmChoice Read(ParseResult pr)
        {
            var mode = Enum.Parse<ReasonerMode>(pr.GetValue(_mode)!, ignoreCase: true);
            if (mode == ReasonerMode.Rules) return new LlmChoice(mode, null);
            var options = new LanguageReasonerOptions();
            if (pr.GetValue(_seed) is uint seed) options = options with { Seed = seed };
            if (pr.GetValue(_temperature) is float t) options = options with { Temperature = t };
            if (pr.GetValue(_maxTokens) is int m) options = options with { MaxTokens = m };
            if (pr.GetValue(_context) is int c) options = options with { ContextTokens = c };
            ChatServerOptions? server = null;
            if (pr.GetValue(_url) is { Length: > 0 } url)
            {
                server = new ChatServerOptions { Url = url };
                if (pr.GetValue(_name) is { Length: > 0 } name) server = server with { Model = name };
                if (pr.GetValue(_keyEnv) is { Length: > 0 } key) server = server with { KeyVariable = key };
                if (pr.GetValue(_timeout) is double s) server = server with { TimeoutSeconds = s };
                if (pr.GetValue(_retries) is int r) server = server with { Retries = r };
            }
            return new LlmChoice(mode, new LanguageModelSettings { ModelPath = pr.GetValue(_model), Server = server, Options = options });
        }
    }

    internal static int RunChain(CliContext ctx, ChainRequest r)
    {
        // Everything that can be refused is refused before any model runs or any file is written.
        using var input = ImageCodec.Load(r.Image);
        string? output = r.GroundOnly ? null : r.Output ?? Path.Combine(Directory.GetCurrentDirectory(), Path.GetFileNameWithoutExtension(r.Image) + ".edited.png");
        var outputs = new List<(string kind, string path)>();
        if (output is not null) outputs.Add(("output", output));
        if (r.Trace is not null) outputs.Add(("trace", r.Trace));
        if (r.MaskOut is not null) outputs.Add(("mask", r.MaskOut));
        foreach (var (kind, path) in outputs)
            if (kind == "trace") OutputFiles.EnsureWritable(path, r.Image, kind, [".json"]);
            else ImageCodec.EnsureWritableOutput(path, r.Image);
        if (r.Report is not null)
        {
            OutputFiles.EnsureWritableFolder(r.Report, r.Image, "report", TraceReport.FixedFiles, TraceReport.StepFilePattern);
            outputs.Add(("report", r.Report));
        }
        for (int i = 0; i < outputs.Count; i++)
            for (int j = i + 1; j < outputs.Count; j++)
                if (OutputFiles.SameFile(outputs[i].path, outputs[j].path))
                    throw new InputException($"{outputs[j].path}: the {outputs[i].kind} and the {outputs[j].kind} would be written to the same path");

        var engine = EngineFactory.Shared(r.DetectorModels, r.Profile, r.Sessions, r.Segmenter);
        var languageModel = r.Llm.Settings is { } settings ? LanguageReasoners.Create(settings) : null;
        var progress = r.Json ? null : new Action<TraceStep>(s => ctx.Err.WriteLine($"  [{s.Stage}] {s.Text}"));
        using var run = new StepRunner(engine).Run(input, r.Instruction, new ChainRunOptions
        {
            Choose = r.Choose, GroundOnly = r.GroundOnly, OnStep = progress, ReasonerMode = r.Llm.Mode, LanguageModel = languageModel,
            Generative = r.Generative is { } gen ? Editing.Generative.GenerativeBackends.Shared(gen) : null,
            Fill = r.Fill,
        });
        var trace = run.Trace;
        int code = ChainOutcome.ExitCode(trace, r.Strict);
        if (trace.Status == ChainStatus.Error)
        {
            ctx.Err.WriteLine($"intercog: {trace.Message}");
            return code;
        }

        // Files only for a run that succeeded (exit 0), and all of them or none: each is staged beside its target and
        // the set is moved into place at the end. Other outcomes print their trace (--json) and candidates instead.
        if (code == ExitCodes.Ok)
        {
            var written = new Dictionary<string, string>();
            using var batch = new OutputBatch();
            if (trace.Status == ChainStatus.Edited && output is not null && run.Output is not null)
            {
                // The input's EXIF / ICC pieces go into an output of the same format (orientation reset to 1: pixels are upright).
                batch.Add(output, ImageCodec.EncodeFor(output, run.Output, input.Metadata));
                written["output"] = output;
            }
            if (r.MaskOut is not null && (run.Region ?? run.TargetMask) is { } region)
            {
                batch.Add(r.MaskOut, ImageCodec.EncodeFor(r.MaskOut, region));
                written["mask"] = r.MaskOut;
            }
            if (r.Report is not null) written["report"] = Path.Combine(r.Report, "index.html");
            if (r.Trace is not null) written["trace"] = r.Trace;
            trace.Outputs = written.Count > 0 ? written : null;
            if (r.Trace is not null) batch.Add(r.Trace, System.Text.Encoding.UTF8.GetBytes(trace.ToJson()));
            if (r.Report is not null) batch.AddFolder(r.Report, TraceReport.Render(trace, input.Bgr, run.OutputBgr));
            batch.Commit();
        }
        else if (outputs.Count > 0)
            ctx.Err.WriteLine($"intercog: no files written (exit {code}: {StatusWord(trace.Status)})");

        if (r.Json) ctx.Out.WriteLine(trace.ToJson());
        else PrintSummary(ctx, trace);
        // warnings (an edit that changed another object's pixels) reach the user whatever stdout carries
        foreach (var w in trace.Steps.Where(s => s.Warning is not null)) ctx.Err.WriteLine($"intercog: warning: {w.Warning}");
        return code;
    }

    private static string StatusWord(ChainStatus s) => s switch
    {
        ChainStatus.Ambiguous => "ambiguous",
        ChainStatus.NotFound => "target not found",
        ChainStatus.Unsupported => "operation not supported here",
        ChainStatus.Edited => "verification failed",
        _ => s.ToString().ToLowerInvariant(),
    };

    private static void PrintSummary(CliContext ctx, ChainTrace trace)
    {
        switch (trace.Status)
        {
            case ChainStatus.Edited:
            case ChainStatus.Grounded:
                foreach (var t in trace.Targets ?? [trace.Target!])
                    ctx.Out.WriteLine($"{(trace.Status == ChainStatus.Edited ? "edited" : "grounded")}: #{t.Id} {t.Label} at [{string.Join(",", t.Xyxy)}]");
                var verify = trace.Steps.LastOrDefault(s => s.Stage == Stages.Verify);
                if (verify is not null) ctx.Out.WriteLine($"verify: {(verify.Ok == true ? "ok" : "FAILED")} — {verify.Text}");
                break;
            case ChainStatus.Ambiguous:
            case ChainStatus.NotFound:
                ctx.Out.WriteLine($"{(trace.Status == ChainStatus.Ambiguous ? "ambiguous" : "not found")}: {trace.Message}");
                foreach (var c in trace.Candidates)
                    ctx.Out.WriteLine($"  #{c.Id} {c.Label} {c.Score:0.00} at [{string.Join(",", c.Xyxy)}]");
                if (trace.Status == ChainStatus.Ambiguous && trace.Candidates.Count > 0)
                    ctx.Out.WriteLine($"Re-run with --choose ID (e.g. --choose {trace.Candidates[0].Id}) to pick one.");
                break;
            default:
                ctx.Out.WriteLine($"{trace.Status.ToString().ToLowerInvariant()}: {trace.Message}");
                break;
        }
        foreach (var (kind, path) in trace.Outputs ?? [])
            ctx.Out.WriteLine($"{kind}: {path}");
    }
}
