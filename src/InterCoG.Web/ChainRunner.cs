using InterCoG.Chain;

namespace InterCoG.Web;

/// <summary>Thrown when the queue is full: the request gets 503 with Retry-After.</summary>
public sealed class QueueFullException(int retryAfterSeconds) : Exception("the server is busy: every chain-run slot and queue place is taken")
{
    /// <summary>Seconds the client should wait before retrying.</summary>
    public int RetryAfterSeconds { get; } = retryAfterSeconds;
}

/// <summary>Thrown when the server stops before a job's run has finished: the request gets 503 with Retry-After.</summary>
public sealed class ServerStoppingException() : Exception("the server is shutting down; the chain run was stopped");

/// <summary>Thrown when a job did not finish within <see cref="StudioOptions.JobTimeoutSeconds"/>.</summary>
public sealed class JobTimeoutException(double seconds) : Exception($"the chain run did not finish within {seconds:0.##} s");

/// <summary>A place in the queue (running or waiting) held for one request. The request holds it from admission until
/// its run starts; from then on the run holds it until it ends, whatever happens to the request. Disposing it gives the
/// place back unless a run has taken it over.</summary>
public sealed class Admission : IDisposable
{
    private const int HeldByRequest = 0, HeldByRun = 1, Released = 2;
    private readonly ChainRunner _runner;
    private int _state = HeldByRequest;

    internal Admission(ChainRunner runner) => _runner = runner;

    /// <summary>The run takes the place over; false when it was already given back.</summary>
    internal bool TakeOver() => Interlocked.CompareExchange(ref _state, HeldByRun, HeldByRequest) == HeldByRequest;

    /// <summary>The run ends: the place is free again.</summary>
    internal void ReleaseFromRun()
    {
        if (Interlocked.CompareExchange(ref _state, Released, HeldByRun) == HeldByRun) _runner.Leave();
    }

    /// <summary>Gives the place back, unless a run holds it.</summary>
    public void Dispose()
    {
        if (Interlocked.CompareExchange(ref _state, Released, HeldByRequest) == HeldByRequest) _runner.Leave();
    }
}

/// <summary>Runs chain jobs one at a time on the shared engine behind a bounded queue. The engine's stages are not
/// audited for concurrent use (scene builder, tiled detector, verifier, GrabCut), so model calls are serialised:
/// exactly one <see cref="InterCoGEngine.Run"/> at a time in the whole process (servers in one process share
/// <see cref="EngineFactory.Shared"/>), up to <see cref="StudioOptions.MaxQueuedJobs"/> waiting per server.
/// A request is admitted (<see cref="Admit"/>) before its body is read, so refused requests cost no memory; a run owns
/// everything it works on until it ends, and stops at its next stage boundary once its request is gone or timed out.</summary>
/// <remarks>Requests may name another segmenter than the server's (<paramref name="engineFor"/> supplies its engine);
/// every engine keeps its segmenter's image-embedding cache across requests, so a re-run on the same photo (ground then
/// edit, click-to-choose) does not encode it again.</remarks>
public sealed class ChainRunner(StudioOptions options, Func<InterCoGEngine> engineSource, Func<Perception.Segmentation.SegmenterKind, InterCoGEngine>? engineFor = null)
{
    private static readonly SemaphoreSlim EngineGate = new(1, 1);
    private readonly Lock _engineLock = new();
    private InterCoGEngine? _engine;
    private int _admitted;
    private double _lastRunSeconds = 2;
    private long _completed;
    // Cancelled when the server stops: every run stops at its next stage boundary and no new one starts.
    private readonly CancellationTokenSource _stopping = new();
    // The preload and every started run: each works in ONNX Runtime and OpenCV, whose native libraries a process that
    // exits under a working thread tears down beneath it (a segfault), so the server waits for them before it exits.
    private readonly Lock _workLock = new();
    private readonly List<Task> _work = [];

    /// <summary>Requests admitted now: running, waiting for the engine, or still uploading.</summary>
    public int InFlight => Volatile.Read(ref _admitted);

    /// <summary>Runs ended (finished, failed or cancelled) since start.</summary>
    public long Completed => Interlocked.Read(ref _completed);

    /// <summary>Whether the engine (models) has been loaded.</summary>
    public bool EngineLoaded => Volatile.Read(ref _engine) is not null;

    /// <summary>The shared engine, loaded on first use. A failure (ModelMissingException when a model is not installed)
    /// is not remembered: the next call tries again, so models installed while the server runs are picked up.</summary>
    public InterCoGEngine Engine
    {
        get
        {
            if (Volatile.Read(ref _engine) is { } loaded) return loaded;
            lock (_engineLock)
            {
                if (_engine is null) Volatile.Write(ref _engine, engineSource());
                return _engine!;
            }
        }
    }

    /// <summary>Takes a place in the queue for one request, or throws <see cref="QueueFullException"/> at once when running
    /// plus waiting requests would exceed the bound. Call it before reading the request's body.</summary>
    public Admission Admit()
    {
        if (Interlocked.Increment(ref _admitted) > options.MaxQueuedJobs + 1)
        {
            int waiting = Interlocked.Decrement(ref _admitted);
            throw new QueueFullException(Math.Max(1, (int)Math.Ceiling(waiting * Volatile.Read(ref _lastRunSeconds))));
        }
        return new Admission(this);
    }

    internal void Leave() => Interlocked.Decrement(ref _admitted);

    /// <summary>Loads the engine in the background (serve's preload); <paramref name="failed"/> hears why it could not
    /// (a model not installed), and the first request tries again.</summary>
    public void StartPreload(Action<InterCoGException> failed) => StartTracked(() =>
    {
        if (_stopping.IsCancellationRequested) return 0;
        try { _ = Engine; }
        catch (InterCoGException e) { failed(e); }
        return 0;
    });

    /// <summary>Stops every run at its next stage boundary (their requests get 503) and refuses new ones; returns at once.</summary>
    public void BeginStop() => _stopping.Cancel();

    /// <summary>Stops the runs (<see cref="BeginStop"/>) and waits until the preload and every run have left native code,
    /// at most <paramref name="limit"/>. Returns how many were still working when the limit passed (0: safe to exit).</summary>
    public async Task<int> StopAsync(TimeSpan limit)
    {
        BeginStop();
        Task[] working;
        lock (_workLock) working = [.. _work];
        try { await Task.WhenAll(working).WaitAsync(limit).ConfigureAwait(false); }
        catch (TimeoutException) { }
        catch (Exception) when (working.All(t => t.IsCompleted)) { } // a failed run was answered already; it has ended
        return working.Count(t => !t.IsCompleted);
    }

    // Started under the lock that StopAsync takes after BeginStop: a task either is in its list or starts after the stop,
    // and then sees the cancelled token at its first check.
    private Task<T> StartTracked<T>(Func<T> work)
    {
        lock (_workLock)
        {
            var task = Task.Run(work, CancellationToken.None);
            _work.RemoveAll(t => t.IsCompleted);
            _work.Add(task);
            return task;
        }
    }

    /// <summary>Admits and runs in one call (see <see cref="RunAsync{T}(Admission, Func{InterCoGEngine, CancellationToken, T}, CancellationToken, Perception.Segmentation.SegmenterKind?)"/>).</summary>
    public async Task<T> RunAsync<T>(Func<InterCoGEngine, CancellationToken, T> work, CancellationToken aborted, Perception.Segmentation.SegmenterKind? segmenter = null)
    {
        using var admission = Admit();
        return await RunAsync(admission, work, aborted, segmenter).ConfigureAwait(false);
    }

    /// <summary>Runs <paramref name="work"/> with the engine once it is free; the run takes <paramref name="admission"/>'s
    /// place over and gives it back when it ends. Throws <see cref="JobTimeoutException"/> when the queue wait and the run
    /// together pass <see cref="StudioOptions.JobTimeoutSeconds"/>, and OperationCanceledException when
    /// <paramref name="aborted"/> fires first, and <see cref="ServerStoppingException"/> when the server stops first. Either way
    /// the run's token (the work's second argument) is cancelled and the run stops at its next check, in the background;
    /// its place and the engine are freed only then.</summary>
    public async Task<T> RunAsync<T>(Admission admission, Func<InterCoGEngine, CancellationToken, T> work, CancellationToken aborted,
        Perception.Segmentation.SegmenterKind? segmenter = null)
    {
        var timeout = TimeSpan.FromSeconds(options.JobTimeoutSeconds);
        var deadline = DateTime.UtcNow + timeout; // queue wait and run together
        if (!admission.TakeOver()) throw new InvalidOperationException("the admission was already given back");
        // Cancels the run when the request is gone or its time is up; disposed by whoever ends the run.
        var cancel = CancellationTokenSource.CreateLinkedTokenSource(aborted, _stopping.Token);
        cancel.CancelAfter(timeout);
        try
        {
            await EngineGate.WaitAsync(cancel.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            cancel.Dispose();
            admission.ReleaseFromRun();
            if (aborted.IsCancellationRequested) throw;
            if (_stopping.IsCancellationRequested) throw new ServerStoppingException();
            throw new JobTimeoutException(options.JobTimeoutSeconds);
        }
        var started = DateTime.UtcNow;
        var job = StartTracked(() =>
        {
            try
            {
                cancel.Token.ThrowIfCancellationRequested();
                return work(segmenter is { } kind && engineFor is not null ? engineFor(kind) : Engine, cancel.Token);
            }
            finally
            {
                // A run leaves images (OpenCV Mats, ONNX tensors) whose native memory the GC cannot see; collecting
                // once per run (tens of ms against seconds of work) keeps the server's footprint flat under load.
                if (options.CollectAfterRun)
                {
                    // large arrays (uploads, job files) live in the large-object heap, which is not compacted by default:
                    // compacting it once a run keeps freed ones from fragmenting it as the result store turns over
                    System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
                    GC.Collect();
                    GC.WaitForPendingFinalizers();
                    GC.Collect();
                }
                Volatile.Write(ref _lastRunSeconds, Math.Max(0.1, (DateTime.UtcNow - started).TotalSeconds));
                Interlocked.Increment(ref _completed);
                cancel.Dispose();
                EngineGate.Release();
                admission.ReleaseFromRun();
            }
        });
        // a run that ends after its request gave up still has its exception observed
        _ = job.ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        try
        {
            var left = deadline - DateTime.UtcNow;
            var result = await job.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, aborted).ConfigureAwait(false);
            // The timeout's timer runs on the thread pool; on a starved pool it can fire after the run has ended. The
            // deadline is the contract, not the timer: a run that ended past it is a timeout too.
            if (DateTime.UtcNow > deadline) throw new TimeoutException();
            return result;
        }
        catch (TimeoutException)
        {
            throw new JobTimeoutException(options.JobTimeoutSeconds);
        }
        catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
        {
            if (_stopping.IsCancellationRequested) throw new ServerStoppingException();
            throw new JobTimeoutException(options.JobTimeoutSeconds); // the run saw its time run out first
        }
    }
}
