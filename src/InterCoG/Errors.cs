namespace InterCoG;

/// <summary>Exit codes of the command line (DESIGN.md): a contract scripts rely on.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Other = 1;
    public const int BadInput = 2;
    public const int Ambiguous = 3;
    public const int NotFound = 4;
    public const int ModelMissing = 5;
    public const int VerifyFailed = 6;
    public const int Unsupported = 7;
}

/// <summary>Base of the exceptions InterCoG throws for broken inputs or environments; carries the exit code.</summary>
public abstract class InterCoGException(string message, int exitCode, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The DESIGN.md exit code this failure maps to.</summary>
    public int ExitCode { get; } = exitCode;
}

/// <summary>Bad input or usage: unreadable image, bad path, bad instruction (exit 2).</summary>
public sealed class InputException(string message, Exception? inner = null) : InterCoGException(message, ExitCodes.BadInput, inner);

/// <summary>A model file is missing or corrupt (exit 5); the message names the command that fixes it.</summary>
public sealed class ModelMissingException(string message, Exception? inner = null) : InterCoGException(message, ExitCodes.ModelMissing, inner);

/// <summary>A model loaded but its shapes or outputs are not what the wrapper supports (exit 1).</summary>
public sealed class ModelFormatException(string message, Exception? inner = null) : InterCoGException(message, ExitCodes.Other, inner);

/// <summary>The execution device asked for (<c>--device cuda</c>) cannot be used: this build has no CUDA provider, or
/// no GPU or CUDA library was found (exit 1). The message is one line saying which and what to do.</summary>
public sealed class DeviceUnavailableException(string message, Exception? inner = null) : InterCoGException(message, ExitCodes.Other, inner);

/// <summary>The generative image-editing server (--gen-backend) failed: unreachable, no answer in time, an HTTP error, or
/// an answer without a usable image (exit 1). The message is one line naming the server and what to check; it never
/// holds the API key.</summary>
public sealed class GenerativeBackendException(string message, Exception? inner = null) : InterCoGException(message, ExitCodes.Other, inner);
