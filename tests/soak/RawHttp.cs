using System.Net.Sockets;
using System.Text;

namespace InterCoG.Soak;

/// <summary>HTTP/1.1 over a plain socket, for the requests HttpClient will not send: bodies cut before their end,
/// bodies that stall or trickle, a head announcing more than is ever sent.</summary>
public sealed class RawHttp : IDisposable
{
    private readonly TcpClient _client = new();
    private NetworkStream? _stream;

    /// <summary>Connects to the server at <paramref name="baseUrl"/> ("http://127.0.0.1:PORT").</summary>
    public static async Task<RawHttp> ConnectAsync(string baseUrl, CancellationToken cancel = default)
    {
        var uri = new Uri(baseUrl);
        var raw = new RawHttp();
        await raw._client.ConnectAsync(uri.Host, uri.Port, cancel);
        raw._stream = raw._client.GetStream();
        return raw;
    }

    /// <summary>The status of the answer as text ("413"), or "closed" when the server closed the connection without
    /// one, or "none" when nothing came within <paramref name="timeout"/>.</summary>
    public async Task<string> ReadStatusAsync(TimeSpan timeout)
    {
        var r = await ReadResponseAsync(timeout);
        if (r is not null) return r.Status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Answered ? "closed" : "none";
    }

    private NetworkStream Stream => _stream ?? throw new InvalidOperationException("not connected");

    /// <summary>Sends the request line and headers of a POST with the given length and content type.</summary>
    public Task SendHeadAsync(string path, string host, long contentLength, string contentType, params string[] extraHeaders)
    {
        var head = new StringBuilder();
        head.Append($"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {contentType}\r\nContent-Length: {contentLength}\r\n");
        foreach (string h in extraHeaders) head.Append(h).Append("\r\n");
        head.Append("\r\n");
        return SendAsync(Encoding.ASCII.GetBytes(head.ToString()));
    }

    /// <summary>Writes bytes; false when the server has already closed the connection.</summary>
    public async Task<bool> TrySendAsync(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            await Stream.WriteAsync(bytes);
            await Stream.FlushAsync();
            return true;
        }
        catch (IOException) { return false; }
        catch (SocketException) { return false; }
    }

    /// <summary>Writes bytes (throws when the connection is gone).</summary>
    public async Task SendAsync(ReadOnlyMemory<byte> bytes)
    {
        await Stream.WriteAsync(bytes);
        await Stream.FlushAsync();
    }

    /// <summary>True once the server has sent something or closed the connection (a zero-length poll).</summary>
    public bool Answered => _client.Client.Poll(0, SelectMode.SelectRead);

    /// <summary>Reads the response (head and as much body as arrives) until the server closes the connection, the body
    /// announced by Content-Length is complete, or <paramref name="timeout"/> passes; null when nothing arrived in time.</summary>
    public async Task<RawResponse?> ReadResponseAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        try
        {
            while (true)
            {
                int n = await Stream.ReadAsync(chunk, cts.Token);
                if (n == 0) break;
                buffer.Write(chunk, 0, n);
                if (RawResponse.TryParse(buffer.ToArray(), complete: false) is { } done) return done;
            }
        }
        catch (OperationCanceledException) { }
        catch (IOException) { }
        return RawResponse.TryParse(buffer.ToArray(), complete: true);
    }

    public void Dispose() => _client.Dispose();
}

/// <summary>A parsed raw response: status code, head lines and body text.</summary>
public sealed record RawResponse(int Status, string Head, string Body)
{
    /// <summary>The value of header <paramref name="name"/> or null.</summary>
    public string? Header(string name) => Head.Split("\r\n").Skip(1)
        .Select(l => l.Split(':', 2)).Where(p => p.Length == 2 && p[0].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
        .Select(p => p[1].Trim()).FirstOrDefault();

    /// <summary>Parses what has arrived; with <paramref name="complete"/> false, only a response whose body (by
    /// Content-Length) has fully arrived counts.</summary>
    public static RawResponse? TryParse(byte[] data, bool complete)
    {
        string text = Encoding.UTF8.GetString(data);
        int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0) return null;
        string head = text[..end];
        string body = text[(end + 4)..];
        var parts = head.Split(' ', 3);
        if (parts.Length < 2 || !int.TryParse(parts[1], out int status)) return null;
        var r = new RawResponse(status, head, body);
        if (r.Header("Transfer-Encoding")?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true)
        {
            bool ended = body.EndsWith("0\r\n\r\n", StringComparison.Ordinal);
            return ended || complete ? r with { Body = Dechunk(body) } : null;
        }
        if (complete) return r;
        return int.TryParse(r.Header("Content-Length"), out int length) && Encoding.UTF8.GetByteCount(body) >= length ? r : null;
    }

    // The data of a chunked body ("SIZE\r\nDATA\r\n" … "0\r\n\r\n"); what is cut off is kept as far as it goes.
    private static string Dechunk(string body)
    {
        var sb = new StringBuilder();
        int pos = 0;
        while (pos < body.Length)
        {
            int eol = body.IndexOf("\r\n", pos, StringComparison.Ordinal);
            if (eol < 0 || !int.TryParse(body[pos..eol], System.Globalization.NumberStyles.HexNumber, null, out int size) || size == 0) break;
            int start = eol + 2;
            sb.Append(body, start, Math.Min(size, body.Length - start));
            pos = start + size + 2;
        }
        return sb.ToString();
    }
}
