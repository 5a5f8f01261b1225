using System.Net;
using Microsoft.AspNetCore.Http;

namespace InterCoG.Web;

/// <summary>What the server asks of a request before any handler sees it, and what every answer carries for browsers:
/// the Host names it serves (against DNS rebinding), the same-origin rule for state-changing requests (against cross-site
/// posts), and the headers that keep the studio page from being framed, sniffed or fed inline script.
/// docs/web.md's threat model explains each.</summary>
public static class RequestPolicy
{
    /// <summary>The studio's Content-Security-Policy: only its own script, styles and images (plus blob:/data: images a
    /// page makes itself), fetches to itself, no plugins, no base or form redirection, never framed.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; " +
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    /// <summary>Loopback host names served by default when every listen address is a loopback one.</summary>
    public static IReadOnlyList<string> LoopbackHosts { get; } = ["localhost", "127.0.0.1", "[::1]"];

    /// <summary>The Host names served when none are configured: bound only to loopback, the loopback names; bound to
    /// named addresses, those plus the loopback names; bound to every interface (0.0.0.0, [::], *, +), any name ("*"),
    /// since the names clients will use are unknown (set <see cref="StudioOptions.AllowedHosts"/> to narrow it).</summary>
    public static IReadOnlyList<string> DefaultAllowedHosts(IEnumerable<string> urls)
    {
        var hosts = new List<string>(LoopbackHosts);
        foreach (string url in urls)
        {
            string host = HostOf(url);
            if (host is "*" or "+" or "0.0.0.0" or "[::]" or "") return ["*"];
            if (!hosts.Contains(host, StringComparer.OrdinalIgnoreCase)) hosts.Add(host);
        }
        return hosts;
    }

    /// <summary>Whether every listen address is a loopback one.</summary>
    public static bool LoopbackOnly(IEnumerable<string> urls) => urls.All(u =>
    {
        string host = HostOf(u).Trim('[', ']');
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
    });

    // "http://HOST:PORT/..." → HOST (IPv6 kept in brackets); wildcards ("*", "+") are not valid URIs, so by hand.
    private static string HostOf(string url)
    {
        string rest = url.Contains("://", StringComparison.Ordinal) ? url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..] : url;
        int slash = rest.IndexOf('/');
        if (slash >= 0) rest = rest[..slash];
        if (rest.StartsWith('['))
        {
            int close = rest.IndexOf(']');
            return close > 0 ? rest[..(close + 1)] : rest;
        }
        int colon = rest.LastIndexOf(':');
        return (colon >= 0 ? rest[..colon] : rest).ToLowerInvariant();
    }

    /// <summary>Why a state-changing request (any method but GET, HEAD, OPTIONS) comes from another site and is refused,
    /// or null when it may go on. A browser names the page's origin in Origin and the relation in Sec-Fetch-Site: the
    /// origin must be this server's own (scheme and Host), and Sec-Fetch-Site, when sent, "same-origin" (or "none", a
    /// request the user made). Requests with neither header come from programs (curl, scripts), not from a page, and
    /// are served.</summary>
    public static string? CrossSiteReason(HttpRequest request)
    {
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method)) return null;
        string? site = request.Headers["Sec-Fetch-Site"].FirstOrDefault();
        if (site is not null && site is not ("same-origin" or "none"))
            return $"the request came from another site (Sec-Fetch-Site: {Clip(site)})";
        string? origin = request.Headers.Origin.FirstOrDefault();
        if (origin is null) return null;
        string own = $"{request.Scheme}://{request.Host.Value}";
        return string.Equals(origin, own, StringComparison.OrdinalIgnoreCase)
            ? null
            : $"the request came from the page of another origin ({Clip(origin)}); this server only takes posts from its own pages ({own})";
    }

    /// <summary>Sets the headers every answer carries: nosniff, no referrer, no framing (CSP frame-ancestors and
    /// X-Frame-Options), the studio's CSP, and same-origin opener and resource policies.</summary>
    public static void AddSecurityHeaders(HttpResponse response)
    {
        var h = response.Headers;
        h.XContentTypeOptions = "nosniff";
        h["Referrer-Policy"] = "no-referrer";
        h.XFrameOptions = "DENY";
        h.ContentSecurityPolicy = ContentSecurityPolicy;
        h["Cross-Origin-Opener-Policy"] = "same-origin";
        h["Cross-Origin-Resource-Policy"] = "same-origin";
    }

    private static string Clip(string s) => s.Length <= 80 ? s : s[..80] + "…";
}
