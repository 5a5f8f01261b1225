using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace InterCoG.Web;

/// <summary>The multipart form of a chain request, read straight from the body into memory: the image (at most
/// <see cref="StudioOptions.MaxUploadBytes"/>) and small text fields (at most <see cref="StudioOptions.MaxFieldBytes"/>
/// each, at most <see cref="StudioOptions.MaxFormParts"/> parts). Nothing is written to disk; a part over its limit is
/// refused (413) as soon as the limit is passed, without reading the rest; a body that ends before the form's closing
/// boundary is the client's fault (400).</summary>
public sealed record ChainForm(byte[]? Image, string? ImageFileName, IReadOnlyDictionary<string, string> Fields)
{
    /// <summary>The value of text field <paramref name="name"/>, or null.</summary>
    public string? Field(string name) => Fields.GetValueOrDefault(name);

    /// <summary>Reads the form of <paramref name="request"/>; throws <see cref="ApiProblemException"/> for a malformed,
    /// oversized or cut form. <paramref name="cancel"/> ends the read (the body timeout or the client leaving).</summary>
    public static async Task<ChainForm> ReadAsync(HttpRequest request, StudioOptions options, CancellationToken cancel)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            throw new ApiProblemException(415, ExitCodes.BadInput, "Unsupported media type", "expected a multipart/form-data body with the fields 'image' and 'instruction'");
        string boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value ?? "";
        if (boundary.Length is 0 or > 70) // RFC 2046: 1 to 70 characters
            throw Bad(400, "the multipart/form-data content type has no valid boundary");

        var reader = new MultipartReader(boundary, request.Body) { HeadersCountLimit = 8, HeadersLengthLimit = 4096 };
        byte[]? image = null;
        string? fileName = null;
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        int parts = 0;
        try
        {
            while (await reader.ReadNextSectionAsync(cancel).ConfigureAwait(false) is { } section)
            {
                if (++parts > options.MaxFormParts)
                    throw Bad(413, $"the form has more than {options.MaxFormParts} parts");
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                {
                    // Not a form field: skipped, as ASP.NET's form reader does. An empty form ("--B", a blank line, "--B--")
                    // reads as one such part that runs into the end of the body: that ends the form.
                    try
                    {
                        _ = await ReadLimitedAsync(section.Body, options.MaxFieldBytes, cancel).ConfigureAwait(false)
                            ?? throw Bad(413, $"a part of the form without a form-data name is longer than the limit of {options.MaxFieldBytes} bytes");
                    }
                    catch (IOException e) when (e is not BadHttpRequestException && section.Headers is null or { Count: 0 } && !cancel.IsCancellationRequested)
                    {
                        break;
                    }
                    continue;
                }
                string name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
                if (name == "image")
                {
                    if (image is not null) throw Bad(400, "the form has more than one 'image' part");
                    image = await ReadLimitedAsync(section.Body, options.MaxUploadBytes, cancel).ConfigureAwait(false)
                        ?? throw Bad(413, $"the uploaded image is larger than the limit of {options.MaxUploadBytes} bytes");
                    fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                    continue;
                }
                byte[] value = await ReadLimitedAsync(section.Body, options.MaxFieldBytes, cancel).ConfigureAwait(false)
                    ?? throw Bad(413, $"the form field '{Clip(name)}' is longer than the limit of {options.MaxFieldBytes} bytes"
                        + (name is "instruction" or "expression" ? $" (an instruction may have {options.MaxInstructionChars} characters)" : ""));
                if (!fields.TryAdd(name, DecodeUtf8(value, name)))
                    throw Bad(400, $"the form has more than one '{Clip(name)}' field");
            }
        }
        catch (IOException e) when (e is not BadHttpRequestException && !cancel.IsCancellationRequested)
        {
            // The body ended (Content-Length reached, or the chunked body's end) before the closing boundary.
            throw Bad(400, "the multipart body ended before its closing boundary (the upload was cut short)");
        }
        catch (InvalidDataException e)
        {
            throw Bad(400, $"the multipart form could not be read ({e.Message})");
        }
        return new ChainForm(image, fileName, fields);
    }

    /// <summary>All of <paramref name="body"/> if it holds at most <paramref name="limit"/> bytes, else null (read stops
    /// at limit + 1 bytes).</summary>
    private static async Task<byte[]?> ReadLimitedAsync(Stream body, long limit, CancellationToken cancel)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        while (true)
        {
            int n = await body.ReadAsync(chunk, cancel).ConfigureAwait(false);
            if (n == 0) return buffer.ToArray();
            if (buffer.Length + n > limit) return null;
            buffer.Write(chunk, 0, n);
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static string DecodeUtf8(byte[] value, string name)
    {
        try { return StrictUtf8.GetString(value); }
        catch (DecoderFallbackException) { throw Bad(400, $"the form field '{Clip(name)}' is not UTF-8 text"); }
    }

    private static ApiProblemException Bad(int status, string detail) =>
        new(status, ExitCodes.BadInput, status == 413 ? "Request too large" : "Bad input", detail);

    private static string Clip(string s)
    {
        string plain = new(s.Where(c => !char.IsControl(c)).Take(40).ToArray());
        return plain.Length < s.Length ? plain + "…" : plain;
    }
}
