using System.Text.Json;
using System.Text.Json.Serialization;
using InterCoG.Imaging;
using InterCoG.Reasoning;
using InterCoG.Programs;

namespace InterCoG.Tracing;

/// <summary>Outcome of a chain run; serialised lower-case into <c>status</c> (DESIGN.md).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ChainStatus>))]
public enum ChainStatus
{
    [JsonStringEnumMemberName("edited")] Edited,
    [JsonStringEnumMemberName("grounded")] Grounded,
    [JsonStringEnumMemberName("ambiguous")] Ambiguous,
    [JsonStringEnumMemberName("not_found")] NotFound,
    [JsonStringEnumMemberName("unsupported")] Unsupported,
    [JsonStringEnumMemberName("error")] Error,
}

/// <summary>Stage names used in <see cref="TraceStep.Stage"/>.</summary>
public static class Stages
{
    public const string Reason = "reason";
    public const string Detect = "detect";
    public const string Ground = "ground";
    public const string Mask = "mask";
    public const string Rewrite = "rewrite";
    public const string Edit = "edit";
    public const string Verify = "verify";
}

/// <summary>The image a trace is about.</summary>
public sealed record TraceImage(string Path, int Width, int Height, string Sha256);

/// <summary>A box drawn in a step: an entity of the scene with its role in that step.</summary>
public sealed record TraceBox(int Id, string Label, float Score, int[] Xyxy)
{
    /// <summary>"candidate", "target", "anchor", "kept" or "dropped"; null means kept.</summary>
    public string? Role { get; init; }

    public static TraceBox From(int id, string label, float score, Box box, string? role = null) =>
        new(id, label, MathF.Round(score, 3), box.ToIntArray()) { Role = role };
}

/// <summary>One step of the chain of grounding. Stages append steps; no stage rewrites an earlier one.</summary>
public sealed record TraceStep(string Stage, string Text)
{
    public List<TraceBox>? Boxes { get; init; }
    public CocoRle? Mask { get; init; }
    public double? Ms { get; init; }
    /// <summary>For verify steps: whether the promised outcome was observed.</summary>
    public bool? Ok { get; init; }
    /// <summary>Numbers a step measured (scores, hue distances, IoUs), by name.</summary>
    public Dictionary<string, double>? Data { get; init; }
    /// <summary>The model that ran the step, e.g. the detector's name on the detect step (a union names each detector).</summary>
    public string? Model { get; init; }
    /// <summary>Something the user must see even when the run goes on, e.g. an edit that changed another object's pixels;
    /// the CLI, the report and the studio show it.</summary>
    public string? Warning { get; init; }
    /// <summary>Where the step's model ran: "cpu" or "cuda:N" (ONNX Runtime's execution provider; OpenCV work is "cpu").
    /// Set on the steps that run models (detect, mask, ground, edit, verify).</summary>
    public string? Provider { get; init; }
    /// <summary>In a request of several steps: the 1-based step of the request this chain step belongs to; null for one step.</summary>
    public int? Step { get; init; }
    /// <summary>On an edit step painted by a generative server: the exchange — server, endpoint, the request exactly as
    /// sent with each image described instead of its bytes (never a key), and the response time in ms.</summary>
    public System.Text.Json.Nodes.JsonObject? Backend { get; init; }
}

/// <summary>The chain trace (DESIGN.md, version 1): the spine every front end reads.</summary>
public sealed class ChainTrace
{
    public int Version { get; init; } = 1;
    public required TraceImage Image { get; init; }
    public required string Instruction { get; init; }
    public EditRequest? Request { get; set; }
    /// <summary>A request of several steps: every step's program in order (<see cref="Request"/> is then the last one
    /// run); null for a one-step request.</summary>
    public List<EditRequest>? Requests { get; set; }
    /// <summary>A request of several steps that stopped: the 1-based step that did (nothing was written); null otherwise.</summary>
    public int? FailedStep { get; set; }
    public List<TraceStep> Steps { get; } = [];
    public ChainStatus Status { get; set; } = ChainStatus.Error;
    /// <summary>One line saying why the chain stopped where it did (ambiguity, not found, unsupported…).</summary>
    public string? Message { get; set; }
    public TraceBox? Target { get; set; }
    /// <summary>Every target when the instruction meant a set ("both cups"); null for a single target.</summary>
    public List<TraceBox>? Targets { get; set; }
    public List<TraceBox> Candidates { get; set; } = [];
    /// <summary>Output files written by the run (output, mask, trace, report), by kind.</summary>
    public Dictionary<string, string>? Outputs { get; set; }
    public Dictionary<string, double> TimingsMs { get; } = [];

    public void Add(TraceStep step) => Steps.Add(step);

    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);
}
