using InterCoG.Cli;

namespace InterCoG.Tests.TestSupport;

/// <summary>Runs the intercog command line in-process with captured stdout and stderr.</summary>
public static class CliRunner
{
    public sealed record Result(int ExitCode, string Out, string Err)
    {
        public string[] ErrLines => Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private static readonly object Gate = new();

    public static Result Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code;
        // The CLI reads the current directory for default output paths; keep runs from interleaving.
        lock (Gate) code = CliApp.Run(args, o, e);
        return new Result(code, o.ToString(), e.ToString());
    }
}
