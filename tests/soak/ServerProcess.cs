using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace InterCoG.Soak;

/// <summary>A real <c>intercog serve</c> in a child process on a free loopback port, with a temporary folder of its
/// own (TMPDIR), so that a crash is seen as the process ending and every file the server leaves behind is visible.</summary>
public sealed partial class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Lock _gate = new();

    private ServerProcess(Process process, string tempFolder)
    {
        _process = process;
        TempFolder = tempFolder;
    }

    /// <summary>"http://127.0.0.1:PORT" once started.</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>The server's TMPDIR: empty at start, and nothing of a request should ever appear in it.</summary>
    public string TempFolder { get; }

    /// <summary>The child's process id.</summary>
    public int Pid => _process.Id;

    /// <summary>Whether the server process has ended (it never ends on its own: an end is a crash).</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The exit code once ended (a signal shows as 128 + its number, e.g. 139 for SIGSEGV).</summary>
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>Everything the server wrote to stderr so far.</summary>
    public string Stderr { get { lock (_gate) return _stderr.ToString(); } }

    /// <summary>Everything the server wrote to stdout so far.</summary>
    public string Stdout { get { lock (_gate) return _stdout.ToString(); } }

    /// <summary>The intercog tool's InterCoG.Cli.dll next to this assembly (test runs), else in the repository's
    /// Release build (src/InterCoG.Cli/bin/Release/net10.0/linux-x64, as ./intercog builds it).</summary>
    public static string FindCli(string? repoRoot = null)
    {
        string beside = Path.Combine(AppContext.BaseDirectory, "InterCoG.Cli.dll");
        if (File.Exists(beside)) return beside;
        for (var d = new DirectoryInfo(repoRoot ?? AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string p = Path.Combine(d.FullName, "src", "InterCoG.Cli", "bin", "Release", "net10.0", "linux-x64", "InterCoG.Cli.dll");
            if (File.Exists(p)) return p;
        }
        throw new FileNotFoundException("InterCoG.Cli.dll not found: build the tool first (./intercog --version)");
    }

    /// <summary>Starts <c>dotnet CLI serve --urls http://127.0.0.1:0 ARGS</c> with a fresh TMPDIR and waits until it
    /// listens (and, unless --no-preload is among the arguments or <paramref name="waitForModels"/> is false, until its
    /// models are loaded).</summary>
    public static async Task<ServerProcess> StartAsync(IEnumerable<string> serveArgs, string? cliDll = null, TimeSpan? startTimeout = null,
        bool waitForModels = true)
    {
        var args = serveArgs.ToList();
        string temp = Path.Combine(Path.GetTempPath(), $"intercog-serve-tmp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        var psi = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(cliDll ?? FindCli());
        psi.ArgumentList.Add("serve");
        psi.ArgumentList.Add("--urls");
        psi.ArgumentList.Add("http://127.0.0.1:0");
        foreach (string a in args) psi.ArgumentList.Add(a);
        psi.Environment["TMPDIR"] = temp;
        psi.Environment.Remove("ASPNETCORE_TEMP");
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the server process");
        var server = new ServerProcess(process, temp);
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (server._gate) server._stdout.AppendLine(e.Data);
            if (Listening().Match(e.Data) is { Success: true } m) listening.TrySetResult(m.Groups[1].Value);
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (server._gate) server._stderr.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var limit = startTimeout ?? TimeSpan.FromMinutes(3);
        var exited = process.WaitForExitAsync();
        var first = await Task.WhenAny(listening.Task, exited, Task.Delay(limit));
        if (first != listening.Task)
        {
            string why = process.HasExited ? $"exited with {process.ExitCode}" : $"did not listen within {limit.TotalSeconds:0} s";
            await server.DisposeAsync();
            throw new InvalidOperationException($"intercog serve {why}: {server.Stderr}{server.Stdout}");
        }
        server.BaseUrl = listening.Task.Result.TrimEnd('/');
        if (waitForModels && !args.Contains("--no-preload")) await server.WaitForEngineAsync(limit);
        server._baseline = [.. server.TempEntries()];
        return server;
    }

    /// <summary>Polls /healthz until the models are loaded.</summary>
    public async Task WaitForEngineAsync(TimeSpan limit)
    {
        using var http = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(30) };
        var end = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < end && !HasExited)
        {
            try
            {
                string health = await http.GetStringAsync("/healthz");
                if (health.Contains("\"engine_loaded\": true", StringComparison.Ordinal) || health.Contains("\"engine_loaded\":true", StringComparison.Ordinal)) return;
            }
            catch (HttpRequestException) { }
            await Task.Delay(500);
        }
        throw new InvalidOperationException($"the server's models did not load within {limit.TotalSeconds:0} s: {Stderr}");
    }

    /// <summary>Resident and peak resident size in bytes (/proc/PID/status VmRSS and VmHWM); null once ended.</summary>
    public (long Rss, long Peak)? Memory()
    {
        try
        {
            long rss = 0, hwm = 0;
            foreach (string line in File.ReadLines($"/proc/{Pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = KiB(line);
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) hwm = KiB(line);
            }
            return (rss * 1024, hwm * 1024);
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    private static long KiB(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);

    private HashSet<string> _baseline = [];

    /// <summary>What was in <see cref="TempFolder"/> once the server had started, before any request: the runtime's
    /// diagnostic pipes and ONNX Runtime's session marker (".ses"), made once per process, never per request.</summary>
    public IReadOnlySet<string> BaselineTempEntries => _baseline;

    /// <summary>Files and folders in <see cref="TempFolder"/> that were not there once the server had started.</summary>
    public IReadOnlyList<string> NewTempEntries() => TempEntries().Where(e => !_baseline.Contains(e)).ToList();

    /// <summary>Every file and folder in <see cref="TempFolder"/> (relative paths).</summary>
    public IReadOnlyList<string> TempEntries() =>
        Directory.Exists(TempFolder)
            ? Directory.EnumerateFileSystemEntries(TempFolder, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(TempFolder, p)).ToList()
            : [];

    /// <summary>Sends SIGTERM (what a service manager or Ctrl+C's sibling sends) and waits for the process to end;
    /// returns its exit code, or throws when it is still running after <paramref name="limit"/>.</summary>
    public async Task<int> TerminateAsync(TimeSpan limit)
    {
        if (Kill(Pid, SigTerm) != 0)
            throw new InvalidOperationException($"kill({Pid}, SIGTERM) failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
        using var wait = new CancellationTokenSource(limit);
        try { await _process.WaitForExitAsync(wait.Token); }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the server did not exit within {limit.TotalSeconds:0} s of SIGTERM: {Stderr}");
        }
        return _process.ExitCode;
    }

    private const int SigTerm = 15;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try { Directory.Delete(TempFolder, recursive: true); } catch (IOException) { }
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    [GeneratedRegex(@"listening on (http://\S+)")]
    private static partial Regex Listening();
}
