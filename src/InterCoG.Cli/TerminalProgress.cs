using Spectre.Console;

namespace InterCoG.Cli;

/// <summary>Progress display of the long commands (model downloads, dataset build, benches): Spectre.Console bars on
/// stderr when it is a terminal, plain lines otherwise (logs, CI, tests that capture stderr).</summary>
public static class TerminalProgress
{
    /// <summary>True when <paramref name="ctx"/> writes to the process's stderr and that is a terminal.</summary>
    public static bool IsTerminal(CliContext ctx) => ReferenceEquals(ctx.Err, Console.Error) && !Console.IsErrorRedirected;

    /// <summary>A Spectre console over stderr.</summary>
    public static IAnsiConsole ErrorConsole() => AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    /// <summary>Run <paramref name="work"/> with one bar per reported key (e.g. a model file): on a terminal each
    /// <see cref="Bar.Set"/> moves that bar and <see cref="Bar.Log"/> prints a line above the bars; elsewhere
    /// <see cref="Bar.Log"/> writes the line to stderr and bar moves are not printed.</summary>
    public static T Run<T>(CliContext ctx, Func<Bar, T> work, bool bytes = false)
    {
        if (!IsTerminal(ctx)) return work(new Bar(null, ctx.Err, bytes));
        var console = ErrorConsole();
        ProgressColumn[] columns = bytes
            ? [new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn()]
            : [new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn()];
        return console.Progress().AutoClear(false).Columns(columns).Start(pc => work(new Bar(pc, ctx.Err, bytes) { Console = console }));
    }

    /// <summary>Run a long job that reports lines of text: on a terminal an indeterminate bar titled
    /// <paramref name="title"/> with a spinner and the elapsed time, the lines printed above it; elsewhere the lines.</summary>
    public static T RunLogged<T>(CliContext ctx, string title, Func<IProgress<string>, T> work) =>
        Run(ctx, bar =>
        {
            bar.Set(title, 0, null);
            try { return work(new Immediate<string>(bar.Log)); }
            finally { bar.Complete(title); }
        });

    /// <summary>Bars keyed by name, created on first use.</summary>
    public sealed class Bar(ProgressContext? context, TextWriter plain, bool bytes)
    {
        private readonly Dictionary<string, ProgressTask> _tasks = [];
        private readonly object _gate = new();

        internal IAnsiConsole? Console { get; init; }

        /// <summary>Set bar <paramref name="key"/> to <paramref name="done"/> of <paramref name="total"/> (null total: indeterminate).</summary>
        public void Set(string key, double done, double? total, string? description = null)
        {
            if (context is null) return;
            lock (_gate)
            {
                if (!_tasks.TryGetValue(key, out var task))
                    _tasks[key] = task = context.AddTask(Markup.Escape(description ?? key), maxValue: Math.Max(1, total ?? 1));
                if (total is { } t) { task.IsIndeterminate = false; task.MaxValue = Math.Max(1, t); }
                else task.IsIndeterminate = true;
                task.Value = Math.Min(done, task.MaxValue);
                if (description is not null) task.Description = Markup.Escape(description);
            }
        }

        /// <summary>Mark bar <paramref name="key"/> complete (if it exists).</summary>
        public void Complete(string key)
        {
            if (context is null) return;
            lock (_gate)
                if (_tasks.TryGetValue(key, out var task)) { task.IsIndeterminate = false; task.Value = task.MaxValue; task.StopTask(); }
        }

        /// <summary>One line of text: above the bars on a terminal, on stderr otherwise.</summary>
        public void Log(string line)
        {
            if (Console is { } c) lock (_gate) c.MarkupLine(Markup.Escape(line));
            else plain.WriteLine(line);
        }

        /// <summary>Whether byte columns are shown.</summary>
        public bool Bytes => bytes;
    }

    /// <summary>An <see cref="IProgress{T}"/> that reports on the calling thread, in order (Progress&lt;T&gt; posts to the thread pool).</summary>
    public sealed class Immediate<T>(Action<T> report) : IProgress<T>
    {
        /// <inheritdoc />
        public void Report(T value) => report(value);
    }
}
