using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace InterCoG.Web;

/// <summary>A request the API refuses, carrying its HTTP status and DESIGN.md exit code (RFC 7807 problem).</summary>
public sealed class ApiProblemException(int status, int exitCode, string title, string detail) : Exception(detail)
{
    public int Status { get; } = status;
    public int ExitCode { get; } = exitCode;
    public string Title { get; } = title;
}

/// <summary>RFC 7807 problem documents with the CLI's exit-code meanings: one table from exit code to HTTP status.</summary>
public static class Problems
{
    /// <summary>HTTP status for a DESIGN.md exit code: 2 bad input → 400, 3 ambiguous → 409, 4 not found → 422,
    /// 5 model missing → 503, 6 verify failed → 422, 7 unsupported → 422, anything else → 500.</summary>
    public static int StatusFor(int exitCode) => exitCode switch
    {
        ExitCodes.BadInput => StatusCodes.Status400BadRequest,
        ExitCodes.Ambiguous => StatusCodes.Status409Conflict,
        ExitCodes.NotFound => StatusCodes.Status422UnprocessableEntity,
        ExitCodes.ModelMissing => StatusCodes.Status503ServiceUnavailable,
        ExitCodes.VerifyFailed => StatusCodes.Status422UnprocessableEntity,
        ExitCodes.Unsupported => StatusCodes.Status422UnprocessableEntity,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>Short name of an exit code, used in the problem's type URI ("urn:intercog:problem:NAME").</summary>
    public static string NameFor(int exitCode) => exitCode switch
    {
        ExitCodes.BadInput => "bad-input",
        ExitCodes.Ambiguous => "ambiguous",
        ExitCodes.NotFound => "not-found",
        ExitCodes.ModelMissing => "model-missing",
        ExitCodes.VerifyFailed => "verify-failed",
        ExitCodes.Unsupported => "unsupported",
        _ => "internal",
    };

    /// <summary>The problem document: type, title, status, detail, exit_code, plus <paramref name="extra"/> members.</summary>
    public static JsonObject Document(int status, int exitCode, string title, string detail, string? type = null, JsonObject? extra = null)
    {
        var doc = new JsonObject
        {
            ["type"] = type ?? "urn:intercog:problem:" + NameFor(exitCode),
            ["title"] = title,
            ["status"] = status,
            ["detail"] = detail,
            ["exit_code"] = exitCode,
        };
        foreach (var (k, v) in extra ?? [])
            if (!doc.ContainsKey(k)) doc[k] = v?.DeepClone();
        return doc;
    }

    /// <summary>Writes <paramref name="doc"/> as application/problem+json with its status.</summary>
    public static async Task WriteAsync(HttpContext http, JsonObject doc, int? retryAfterSeconds = null)
    {
        http.Response.StatusCode = (int)doc["status"]!;
        http.Response.ContentType = "application/problem+json";
        if (retryAfterSeconds is int s) http.Response.Headers.RetryAfter = s.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await http.Response.WriteAsync(doc.ToJsonString(ChainJobs.Json), http.RequestAborted);
    }

    /// <summary>The problem document for an exception thrown while serving a request (null: not ours to map).</summary>
    public static (JsonObject doc, int? retryAfter)? FromException(Exception e) => e switch
    {
        ApiProblemException p => (Document(p.Status, p.ExitCode, p.Title, p.Message), null),
        QueueFullException q => (Document(503, ExitCodes.Other, "Server busy", q.Message + $"; retry after {q.RetryAfterSeconds} s", "urn:intercog:problem:busy"), q.RetryAfterSeconds),
        ServerStoppingException st => (Document(503, ExitCodes.Other, "Server stopping", st.Message, "urn:intercog:problem:stopping"), 5),
        JobTimeoutException t => (Document(504, ExitCodes.Other, "Chain run timed out", t.Message, "urn:intercog:problem:timeout"), null),
        GenerativeBackendException g => (Document(502, ExitCodes.Other, "Generative server failed", g.Message, "urn:intercog:problem:generative-backend"), null),
        InterCoGException ie => (Document(StatusFor(ie.ExitCode), ie.ExitCode, TitleFor(ie.ExitCode), ie.Message), null),
        Microsoft.AspNetCore.Http.BadHttpRequestException b => (Document(b.StatusCode, ExitCodes.BadInput,
            b.StatusCode == 413 ? "Request too large" : "Bad request", b.Message), null),
        // the form reader says "... limit ... exceeded" when a field is too long; anything else is a malformed body
        InvalidDataException d when d.Message.Contains("limit", StringComparison.OrdinalIgnoreCase) =>
            (Document(413, ExitCodes.BadInput, "Form field too large", $"the form could not be read: {d.Message}"), null),
        InvalidDataException d => (Document(400, ExitCodes.BadInput, "Malformed form", $"the multipart form could not be read ({d.Message}); expected the fields 'image' and 'instruction'"), null),
        OpenCvSharp.OpenCVException cv => (Document(500, ExitCodes.Other, "Image processing failed", cv.Message.Split('\n')[0]), null),
        _ => null,
    };

    private static string TitleFor(int exitCode) => exitCode switch
    {
        ExitCodes.BadInput => "Bad input",
        ExitCodes.Ambiguous => "Ambiguous instruction",
        ExitCodes.NotFound => "Target not found",
        ExitCodes.ModelMissing => "Model missing",
        ExitCodes.VerifyFailed => "Verification failed",
        ExitCodes.Unsupported => "Unsupported operation",
        _ => "Internal error",
    };

    /// <summary>The problem document for a finished chain run that did not succeed (its exit code is not 0).</summary>
    public static JsonObject ForOutcome(ChainJobResult r)
    {
        var extra = (JsonObject)r.Body.DeepClone();
        extra["chain_status"] = r.Body["status"]?.DeepClone(); // "status" is the HTTP status in a problem document
        return Document(StatusFor(r.ExitCode), r.ExitCode, TitleFor(r.ExitCode), r.Trace.Message ?? r.Trace.Status.ToString(), extra: extra);
    }
}
