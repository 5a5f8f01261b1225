namespace InterCoG.Tracing;

/// <summary>Maps a finished trace onto DESIGN.md's exit codes.</summary>
public static class ChainOutcome
{
    /// <summary>Exit code for <paramref name="trace"/>; with <paramref name="strict"/>, a failed verify step is exit 6.</summary>
    public static int ExitCode(ChainTrace trace, bool strict = false) => trace.Status switch
    {
        ChainStatus.Edited when strict && trace.Steps.Any(s => s.Stage == Stages.Verify && s.Ok == false) => ExitCodes.VerifyFailed,
        ChainStatus.Edited or ChainStatus.Grounded => ExitCodes.Ok,
        ChainStatus.Ambiguous => ExitCodes.Ambiguous,
        ChainStatus.NotFound => ExitCodes.NotFound,
        ChainStatus.Unsupported => ExitCodes.Unsupported,
        _ => ExitCodes.BadInput,
    };
}
