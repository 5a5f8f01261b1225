using System.Text.Json.Nodes;
using OpenCvSharp;

namespace InterCoG.Editing.Generative;

/// <summary>What a generative server is asked to paint: a crop already framed and resized by the chain.</summary>
/// <param name="Image">CV_8UC3 BGR crop at the size the server accepts (<see cref="IInpaintServer.WorkSize"/>).</param>
/// <param name="Mask">CV_8UC1 of the same size, 255 = repaint, 0 = keep; null = repaint the whole crop (style).</param>
/// <param name="Operation">Canonical operation name (replace, add, material, …): picks the strength.</param>
/// <param name="Prompt">What the painted region should show.</param>
/// <param name="NegativePrompt">What it should not show.</param>
public sealed record PaintRequest(Mat Image, Mat? Mask, string Operation, string Prompt, string NegativePrompt);

/// <summary>A server's answer: the painted crop and what was sent.</summary>
/// <param name="Image">CV_8UC3 BGR, the size of the request's image (resized when the server answered another size of the same aspect).</param>
/// <param name="Request">The request exactly as sent, each image replaced by a short description, never a key.</param>
/// <param name="Endpoint">The URL the request went to.</param>
/// <param name="Ms">Time from sending to the decoded answer, in milliseconds (retries included).</param>
/// <param name="Note">What was adjusted on the way back (e.g. "the server answered 1024x1024, resized"), or null.</param>
public sealed record PaintResult(Mat Image, JsonObject Request, Uri Endpoint, double Ms, string? Note) : IDisposable
{
    public void Dispose() => Image.Dispose();
}

/// <summary>A generative image server that repaints the masked part of a crop (AUTOMATIC1111 WebUI, OpenAI Images).
/// Throws <see cref="GenerativeBackendException"/> (exit 1) for every fault: unreachable, timeout, HTTP error, an answer
/// without an image, an undecodable image or one of the wrong size.</summary>
public interface IInpaintServer
{
    /// <summary>"a1111" or "openai".</summary>
    string Name { get; }

    /// <summary>One line: kind, URL, model (never the key).</summary>
    string Describe();

    /// <summary>The size (width, height) to send for a crop of <paramref name="crop"/> pixels: what the server accepts,
    /// as close to the crop's aspect as it allows.</summary>
    Size WorkSize(Size crop);

    /// <summary>Paints <paramref name="request"/>; the answer's image has the request's size.</summary>
    PaintResult Paint(PaintRequest request, CancellationToken cancel = default);
}
