using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using OpenCvSharp;

namespace InterCoG.Editing.Generative;

/// <summary>An HTTP answer of a generative server: status, body, and the time the exchange took (retries included).</summary>
internal sealed record HttpAnswer(HttpStatusCode Status, byte[] Body, double Ms)
{
    public string Text => Encoding.UTF8.GetString(Body);
}

/// <summary>The transport both servers share: one <see cref="HttpClient"/>, the key read from its environment variable
/// at each request (never stored in a field, never written into a message), timeouts, retries only where they are safe,
/// and one-line <see cref="GenerativeBackendException"/>s.</summary>
internal sealed class GenerativeHttp(GenerativeSettings settings) : IDisposable
{
    /// <summary>Largest answer accepted, in bytes (a base64 1536×1024 PNG is ~5 MB).</summary>
    public const long MaxAnswerBytes = 64L * 1024 * 1024;

    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan, MaxResponseContentBufferSize = MaxAnswerBytes };

    public GenerativeSettings Settings => settings;

    /// <summary>The key's value from <see cref="GenerativeSettings.KeyVariable"/>, or null when unset or empty.</summary>
    private string? Key => settings.KeyVariable is { Length: > 0 } v && Environment.GetEnvironmentVariable(v) is { Length: > 0 } k ? k : null;

    /// <summary>Adds the credentials: Bearer, or HTTP Basic for an a1111 key written "user:password".</summary>
    private void Authorize(HttpRequestMessage m)
    {
        if (Key is not { } key) return;
        m.Headers.Authorization = settings.Kind == GenerativeKind.A1111 && key.Contains(':')
            ? new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(key)))
            : new AuthenticationHeaderValue("Bearer", key);
    }

    /// <summary><paramref name="text"/> on one line, at most <paramref name="max"/> characters, the key (if any) masked.</summary>
    public string Excerpt(string text, int max = 200)
    {
        string s = string.Join(' ', text.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();
        if (Key is { Length: >= 4 } key) s = s.Replace(key, "***", StringComparison.Ordinal);
        return s.Length <= max ? s : s[..max] + "…";
    }

    /// <summary>Sends the request <paramref name="make"/> builds (again for each attempt). Retries after a refused
    /// connection or a 503 (the server did not take the work); with <paramref name="idempotent"/> also after a timeout or
    /// any 5xx. Returns a 2xx answer; throws <see cref="GenerativeBackendException"/> for everything else.</summary>
    public HttpAnswer Send(Func<HttpRequestMessage> make, bool idempotent, CancellationToken cancel)
    {
        var sw = Stopwatch.StartNew();
        string last = "";
        Uri? url = null;
        int attempts = 0;
        for (int attempt = 0; ; attempt++)
        {
            if (attempt > 0) Thread.Sleep(settings.BackoffMs * (1 << Math.Min(attempt - 1, 10)));
            attempts = attempt + 1;
            bool retry;
            using var request = make();
            url = request.RequestUri ?? settings.Url;
            Authorize(request);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            timeout.CancelAfter(TimeSpan.FromSeconds(settings.TimeoutSeconds));
            try
            {
                using var response = _http.Send(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                if (response.Content.Headers.ContentLength is long n && n > MaxAnswerBytes)
                    throw Fault(url, $"answered {n} bytes, more than the {MaxAnswerBytes / (1024 * 1024)} MiB accepted");
                using var body = new MemoryStream();
                using (var s = response.Content.ReadAsStream(timeout.Token))
                    CopyLimited(s, body, timeout.Token, url);
                var answer = new HttpAnswer(response.StatusCode, body.ToArray(), Math.Round(sw.Elapsed.TotalMilliseconds, 1));
                int code = (int)response.StatusCode;
                if (code is >= 200 and < 300) return answer;
                last = $"HTTP {code} {response.ReasonPhrase}: {Excerpt(answer.Text)}";
                if (code < 500)
                    throw Fault(url, $"refused the request ({last}){Hint(code)}");
                retry = code == 503 || idempotent;
            }
            catch (Exception e) when (e is OperationCanceledException && !cancel.IsCancellationRequested)
            {
                last = $"no answer within {settings.TimeoutSeconds:0.###} s (--gen-timeout-s)";
                retry = idempotent;
            }
            catch (HttpRequestException e) when (e.InnerException is SocketException || e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError)
            {
                last = $"unreachable ({Excerpt((e.InnerException ?? e).Message, 120)})";
                retry = true;
            }
            catch (HttpRequestException e)
            {
                // the connection broke while the server had the request: it may be working on it, so not retried
                last = $"the connection failed ({Excerpt((e.InnerException ?? e).Message, 120)})";
                retry = idempotent;
            }
            if (!retry || attempt >= settings.Retries)
                throw Fault(url, $"{last}{(attempts > 1 ? $" after {attempts} attempts" : "")}; check that it runs and --gen-url");
        }
    }

    private void CopyLimited(Stream from, Stream to, CancellationToken cancel, Uri url)
    {
        var buffer = new byte[81920];
        long total = 0;
        int n;
        while ((n = from.ReadAsync(buffer, cancel).AsTask().GetAwaiter().GetResult()) > 0)
        {
            total += n;
            if (total > MaxAnswerBytes) throw Fault(url, $"answered more than {MaxAnswerBytes / (1024 * 1024)} MiB");
            to.Write(buffer, 0, n);
        }
    }

    private string Hint(int code) => code switch
    {
        401 or 403 => settings.KeyVariable is { } v
            ? (Key is null ? $"; ${v} is not set: put the key there (--gen-key-env names another variable)" : $"; check the key in ${v}")
            : "; the server wants credentials: set --gen-key-env VAR with the key in $VAR",
        404 when settings.Kind == GenerativeKind.A1111 => "; is the WebUI started with --api?",
        404 => "; does the server implement the OpenAI Images edits endpoint?",
        _ => "",
    };

    /// <summary>The one-line fault naming the backend and URL.</summary>
    public GenerativeBackendException Fault(Uri? url, string what) =>
        new($"the {settings.KindName} server at {url ?? settings.Url} {what}");

    /// <summary>Decodes a base64 image (a "data:image/…;base64," prefix and whitespace allowed) into 8-bit BGR; throws a
    /// fault naming <paramref name="field"/> when it is not base64 or not an image.</summary>
    public Mat DecodeImage(string? base64, string field, Uri url)
    {
        if (string.IsNullOrWhiteSpace(base64)) throw Fault(url, $"answered without an image ({field} is empty)");
        string s = base64.Trim();
        if (s.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            int comma = s.IndexOf(',');
            s = comma >= 0 ? s[(comma + 1)..] : "";
        }
        byte[] bytes;
        try { bytes = Convert.FromBase64String(s); }
        catch (FormatException) { throw Fault(url, $"answered an image that is not base64 ({field}: {Excerpt(s, 40)})"); }
        Mat decoded;
        try { decoded = Cv2.ImDecode(bytes, ImreadModes.Color); }
        catch (OpenCVException) { decoded = new Mat(); }
        if (decoded.Empty())
        {
            decoded.Dispose();
            throw Fault(url, $"answered {bytes.Length} bytes in {field} that are not a PNG, JPEG or WebP image");
        }
        return decoded;
    }

    /// <summary>Brings the answer to the sent size: the same size passes, the same aspect (within 1 %) is resized, anything
    /// else is a fault (a painted crop of another shape cannot be put back). Returns the image and a note or null.</summary>
    public (Mat Image, string? Note) FitAnswer(Mat answer, Size sent, Uri url)
    {
        if (answer.Size() == sent) return (answer, null);
        double a = (double)answer.Width / answer.Height, b = (double)sent.Width / sent.Height;
        if (Math.Abs(a / b - 1) > 0.01)
        {
            var (w, h) = (answer.Width, answer.Height);
            answer.Dispose();
            throw Fault(url, $"answered a {w}x{h} image for a {sent.Width}x{sent.Height} request (another shape; it cannot be put back)");
        }
        var resized = new Mat();
        Cv2.Resize(answer, resized, sent, 0, 0, answer.Width > sent.Width ? InterpolationFlags.Area : InterpolationFlags.Cubic);
        string note = $"the server answered {answer.Width}x{answer.Height}; resized to the {sent.Width}x{sent.Height} sent";
        answer.Dispose();
        return (resized, note);
    }

    public void Dispose() => _http.Dispose();
}
