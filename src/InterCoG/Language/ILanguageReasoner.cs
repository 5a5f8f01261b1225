using System.Globalization;
using System.Text;
using InterCoG.Perception;
using InterCoG.Reasoning;
using InterCoG.Programs;

namespace InterCoG.Language;

/// <summary>Which reasoner turns the instruction into a program: the rule parser, the language model, or the rules
/// first and the language model only when the rules cannot parse the instruction.</summary>
public enum ReasonerMode
{
    Rules,
    Llm,
    Auto,
}

/// <summary>A reasoner that reads a free-form instruction together with the detected objects and returns a grounding
/// program (constrained to the schema of <see cref="ProgramSchema"/>), optionally the id it believes is the target,
/// and a short rationale. Implementations: <see cref="LlamaReasoner"/> (a local GGUF model) and
/// <see cref="ChatCompletionsReasoner"/> (an OpenAI-compatible server).</summary>
public interface ILanguageReasoner
{
    /// <summary>Short description for the trace, e.g. "llama.cpp stories260K.gguf".</summary>
    string Name { get; }

    /// <summary>Ask the model. Unusable output (bad JSON, schema violations, truncation) is an answer with
    /// <see cref="LanguageAnswer.Error"/> set; an unreachable or unloadable model throws <see cref="ModelMissingException"/>.</summary>
    LanguageAnswer Reason(string instruction, Scene scene, CancellationToken cancel = default);
}

/// <summary>What a language model answered, with its cost.</summary>
/// <param name="Program">The program read from the answer, or null when <see cref="Error"/> says why not.</param>
/// <param name="RawText">The model's text as generated.</param>
/// <param name="PromptChars">Characters of the prompt (all messages).</param>
/// <param name="PromptTokens">Tokens of the prompt as the model counted them.</param>
/// <param name="GeneratedTokens">Tokens generated.</param>
/// <param name="Ms">Wall time of the call in milliseconds.</param>
/// <param name="Error">Why the answer is unusable, or null.</param>
public sealed record LanguageAnswer(LanguageProgram? Program, string RawText, int PromptChars, int PromptTokens, int GeneratedTokens, double Ms, string? Error);

/// <summary>Decoding and prompt settings shared by the reasoners.</summary>
public sealed record LanguageReasonerOptions
{
    /// <summary>Sampling temperature; 0 = greedy (deterministic whatever the seed).</summary>
    public float Temperature { get; init; }
    /// <summary>Sampling seed (used when <see cref="Temperature"/> &gt; 0).</summary>
    public uint Seed { get; init; } = 1234;
    /// <summary>Most tokens the model may generate (an answer cut there is reported as truncated); 0 = the length in
    /// characters of the longest answer the grammar accepts, so a local model can always finish.</summary>
    public int MaxTokens { get; init; }
    /// <summary>Context window of a local model, in tokens; 0 = the prompt's tokens plus the answer's.</summary>
    public int ContextTokens { get; init; }
    /// <summary>CPU threads of a local model (0 = min(4, processor count)).</summary>
    public int Threads { get; init; }
    /// <summary>Bounds of the generated grammar.</summary>
    public ProgramSchemaOptions Schema { get; init; } = new();
    /// <summary>Detections listed in the prompt: score at least this (0..1); the unsure rest stay in the scene the
    /// program is grounded on, but would only lengthen the prompt (the default matches ReasoningOptions.CandidateMinProb).</summary>
    public float PromptMinScore { get; init; } = 0.25f;

    /// <summary>The generation limit in tokens for answers under <paramref name="schema"/>.</summary>
    public int AnswerTokens(ObjectNode schema) => MaxTokens > 0 ? MaxTokens : ProgramGrammar.MaxChars(schema) + 1;
}

/// <summary>The prompt: instruction plus the scene as text (id, label, box XYXY in pixels, colour name), and the
/// vocabulary the answer must use. The same text is sent to local and HTTP models.</summary>
public static class ScenePrompt
{
    /// <summary>The system message: the task and the answer's shape.</summary>
    public static string System()
    {
        var sb = new StringBuilder();
        sb.AppendLine("You ground image-editing instructions. You see the objects a detector found in a photo and an instruction.");
        sb.AppendLine("Answer with one JSON object: \"rationale\" (one short sentence), \"program\" (the operation, its arguments and the");
        sb.AppendLine("referring expression that picks the object to edit), and \"target_id\" (the id of the object you believe is meant).");
        sb.AppendLine("The program is executed over the objects; it must pick out the target by category, colour, region, ordinal or");
        sb.AppendLine("a relation to another object, not by id.");
        sb.AppendLine($"Operations: {string.Join(", ", ProgramSchema.ConstantsOf(typeof(Operations)))}.");
        sb.AppendLine("Arguments: recolor color [part]; replace with, object_noun, [object_color]; add object, object_noun, relation");
        sb.AppendLine("(the target is where: the anchor, or category image); material material; content content; text text (as written);");
        sb.AppendLine("pose pose; style style and background background (target category image). \"part\" limits an edit to a part of the");
        sb.AppendLine("target (\"the man's shirt\": category person, part shirt).");
        sb.AppendLine($"Relations: {string.Join(", ", ProgramSchema.ConstantsOf(typeof(SpatialRelations)))}.");
        sb.AppendLine($"Ordinal directions: {string.Join(", ", ProgramSchema.ConstantsOf(typeof(OrdinalDirections)))}.");
        sb.Append("Example: {\"rationale\":\"The left horse is #2.\",\"program\":{\"operation\":\"recolor\",\"arguments\":{\"color\":\"brown\"},")
          .Append("\"target\":{\"category\":\"horse\",\"region\":\"left\"}},\"target_id\":2}").AppendLine()
          .Append("Example: {\"rationale\":\"The cat is #1.\",\"program\":{\"operation\":\"replace\",\"arguments\":{\"with\":\"white dog\",")
          .Append("\"object_noun\":\"dog\",\"object_color\":\"white\"},\"target\":{\"category\":\"cat\"}},\"target_id\":1}");
        return sb.ToString();
    }

    /// <summary>The user message: image size, one line per object scoring at least <paramref name="minScore"/>, then the instruction.</summary>
    public static string User(string instruction, Scene scene, float minScore = 0)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Image: {scene.Width}x{scene.Height} pixels. Objects (id, label, box x1,y1,x2,y2, colour, score):");
        var listed = scene.Entities.Where(e => e.Score >= minScore).ToList();
        foreach (var e in listed)
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"#{e.Id} {e.Label} [{e.Box.X1:0},{e.Box.Y1:0},{e.Box.X2:0},{e.Box.Y2:0}] {e.ColorName} {e.Score:0.00}");
        if (listed.Count == 0) sb.AppendLine("(none)");
        sb.Append(CultureInfo.InvariantCulture, $"Instruction: {instruction}");
        return sb.ToString();
    }
}
