using System.CommandLine;
using InterCoG.Cli.Commands;

namespace InterCoG.Cli;

/// <summary>The intercog command line: parse, then invoke; stdout and stderr are injected so tests capture them.
/// Parse errors are usage errors (exit 2); <see cref="InterCoGException"/>s map to their exit codes with one line on stderr.</summary>
public static class CliApp
{
    public static Command BuildRoot(CliContext ctx)
    {
        // a plain command named after the tool (RootCommand would take its name from the assembly file)
        var root = new Command("intercog", "InterCoG: spatially precise image editing through an interleaved chain of grounding.")
        {
            new System.CommandLine.Help.HelpOption(), new VersionOption(),
        };
        root.Subcommands.Add(ChainCommands.Edit(ctx));
        root.Subcommands.Add(ChainCommands.Ground(ctx));
        root.Subcommands.Add(DetectCommand.Build(ctx));
        root.Subcommands.Add(ParseCommand.Build(ctx));
        root.Subcommands.Add(ModelsCommand.Build(ctx));
        root.Subcommands.Add(DemoCommand.Build(ctx));
        root.Subcommands.Add(BenchCommand.Build(ctx));
        root.Subcommands.Add(ServeCommand.Build(ctx));
        root.Subcommands.Add(DatasetCommand.Build(ctx));
        return root;
    }

    /// <summary>Environment variable that lets an unexpected exception's stack trace through (value "1").</summary>
    public const string DebugVariable = "INTERCOG_DEBUG";

    /// <summary>Run the tool; returns the process exit code.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var ctx = new CliContext(stdout, stderr);
        var root = BuildRoot(ctx);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var e in parsed.Errors) stderr.WriteLine($"intercog: {e.Message}");
            stderr.WriteLine("Run 'intercog --help' for usage.");
            return ExitCodes.BadInput;
        }
        try
        {
            // Ctrl+C or SIGTERM cancels an async command (serve) and waits this long for it to end before the process
            // exits anyway; serve's stop waits for its requests and then its model calls, and needs both spans.
            var termination = Web.StudioServer.StopRequestsTimeout + Web.StudioServer.StopWorkTimeout + TimeSpan.FromSeconds(10);
            return parsed.Invoke(new InvocationConfiguration
            {
                Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = termination,
            });
        }
        catch (InterCoGException e)
        {
            stderr.WriteLine($"intercog: {e.Message}");
            return e.ExitCode;
        }
        catch (OpenCvSharp.OpenCVException e)
        {
            stderr.WriteLine($"intercog: image processing failed: {e.Message}");
            return ExitCodes.Other;
        }
        catch (Exception e) when (NativeDependencies.IsLoadFailure(e))
        {
            // a missing system library (e.g. libgtk-3-0 for OpenCV): one line naming the package, never a stack trace
            stderr.WriteLine($"intercog: {NativeDependencies.Describe(e)}");
            return ExitCodes.Other;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"intercog: {e.Message}");
            return ExitCodes.BadInput;
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable(DebugVariable) != "1")
        {
            // a bug: one plain line (the full trace with INTERCOG_DEBUG=1)
            stderr.WriteLine($"intercog: internal error ({e.GetType().Name}): {e.Message.Split('\n')[0].Trim()} (set {DebugVariable}=1 for the stack trace)");
            return ExitCodes.Other;
        }
    }
}

/// <summary>What every command shares: the writers and the lazily created engine.</summary>
public sealed class CliContext(TextWriter stdout, TextWriter stderr)
{
    public TextWriter Out { get; } = stdout;
    public TextWriter Err { get; } = stderr;
}
