using System.Text.Json;

namespace InterCoG.Data;

/// <summary>One referring expression sentence.</summary>
public sealed record RefSentence(long SentId, string Sent, string Raw, IReadOnlyList<string> Tokens);

/// <summary>A RefCOCO-style reference: one annotated object (<see cref="AnnId"/>) and the sentences that refer to it.</summary>
public sealed record RefCocoRef(long RefId, long AnnId, long ImageId, long CategoryId, string FileName, string Split,
                                IReadOnlyList<RefSentence> Sentences);

/// <summary>Reader for RefCOCO-style refs.json (a JSON array of references).</summary>
public static class RefCocoRefs
{
    /// <summary>Read refs.json; throws <see cref="InputException"/> when it is missing or malformed.</summary>
    public static IReadOnlyList<RefCocoRef> Load(string path)
    {
        if (!File.Exists(path)) throw new InputException($"refs file not found: {path}");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            return doc.RootElement.EnumerateArray().Select(e => new RefCocoRef(
                e.GetProperty("ref_id").GetInt64(), e.GetProperty("ann_id").GetInt64(), e.GetProperty("image_id").GetInt64(),
                e.GetProperty("category_id").GetInt64(),
                e.TryGetProperty("file_name", out var f) ? f.GetString() ?? "" : "",
                e.TryGetProperty("split", out var s) ? s.GetString() ?? "" : "",
                e.GetProperty("sentences").EnumerateArray().Select(x => new RefSentence(
                    x.TryGetProperty("sent_id", out var id) ? id.GetInt64() : -1,
                    x.GetProperty("sent").GetString() ?? "",
                    x.TryGetProperty("raw", out var r) ? r.GetString() ?? "" : "",
                    x.TryGetProperty("tokens", out var t) ? t.EnumerateArray().Select(v => v.GetString() ?? "").ToArray() : [])).ToList()))
                .ToList();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InputException($"malformed refs file {path}: {e.Message}", e);
        }
    }
}
