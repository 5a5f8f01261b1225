using InterCoG.Chain;

namespace InterCoG.Web;

/// <summary>Thrown when the queue is full: the request gets 503 with Retry-After.</summary>
public sealed class QueueFullException(int retryAfterSeconds) : Exception("the server is busy: every chain-run slot and queue place is taken")
{
    /// <summary>Seconds the client should wait before retrying.</summary>
    public int RetryAfterSeconds { get; } = retryAfterSeconds;
}

/// <summary>Thrown when a job did not finish within <see cref="StudioOptions.JobTimeoutSeconds"/>.</summary>
public sealed class JobTimeoutException(double seconds) : Exception($"the chain run did not finish within {seconds:0} s");

/// <summary>Runs chain jobs one at a time on the shared engine behind a bounded queue. The engine's stages are not
/// audited for concurrent use (scene builder, tiled detector, verifier, GrabCut), so model calls are serialised:
/// exactly one <see cref="InterCoGEngine.Run"/> at a time in the whole process (servers in one process share
/// <see cref="EngineFactory.Shared"/>), up to <see cref="StudioOptions.MaxQueuedJobs"/> waiting per server.</summary>
/// <remarks>Requests may name another segmenter than the server's (<paramref name="engineFor"/> supplies its engine);
/// every engine keeps its segmenter's image-embedding cache across requests, so a re-run on the same photo (ground then
/// edit, click-to-choose) does not encode it again.</remarks>
public sealed class ChainRunner(StudioOptions options, Func<InterCoGEngine> engineSource, Func<Perception.Segmentation.SegmenterKind, InterCoGEngine>? engineFor = null)
{
    private static readonly SemaphoreSlim EngineGate = new(1, 1);
    private readonly Lazy<InterCoGEngine> _engine = new(engineSource, LazyThreadSafetyMode.ExecutionAndPublication);
    private int _admitted;
    private double _lastRunSeconds = 2;
    private long _completed;

    /// <summary>Jobs running or waiting now.</summary>
    public int InFlight => Volatile.Read(ref _admitted);

    /// <summary>Jobs finished since start.</summary>
    public long Completed => Interlocked.Read(ref _completed);

    /// <summary>Whether the engine (models) has been loaded.</summary>
    public bool EngineLoaded => _engine.IsValueCreated;

    /// <summary>The shared engine, loaded on first use (throws ModelMissingException when a model is missing).</summary>
    public InterCoGEngine Engine => _engine.Value;

    /// <summary>Runs <paramref name="work"/> with the engine once a slot is free. Throws <see cref="QueueFullException"/>
    /// at once when running + waiting jobs would exceed the bound, <see cref="JobTimeoutException"/> after the timeout
    /// (the run itself then finishes in the background and only then frees its slot).</summary>
    public async Task<T> RunAsync<T>(Func<InterCoGEngine, T> work, CancellationToken aborted, Perception.Segmentation.SegmenterKind? segmenter = null)
    {
        if (Interlocked.Increment(ref _admitted) > options.MaxQueuedJobs + 1)
        {
            int waiting = Interlocked.Decrement(ref _admitted);
            throw new QueueFullException(Math.Max(1, (int)Math.Ceiling(waiting * Volatile.Read(ref _lastRunSeconds))));
        }
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(options.JobTimeoutSeconds); // queue wait and run together
        Task<T> job;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(aborted);
            timeout.CancelAfter(TimeSpan.FromSeconds(options.JobTimeoutSeconds));
            try { await EngineGate.WaitAsync(timeout.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) when (!aborted.IsCancellationRequested) { throw new JobTimeoutException(options.JobTimeoutSeconds); }
        }
        catch
        {
            Interlocked.Decrement(ref _admitted);
            throw;
        }
        var started = DateTime.UtcNow;
        job = Task.Run(() =>
        {
            try { return work(segmenter is { } kind && engineFor is not null ? engineFor(kind) : _engine.Value); }
            finally
            {
                // A run leaves images (OpenCV Mats, ONNX tensors) whose native memory the GC cannot see; collecting
                // once per run (tens of ms against seconds of work) keeps the server's footprint flat under load.
                if (options.CollectAfterRun)
                {
                    GC.Collect();
                    GC.WaitForPendingFinalizers();
                    GC.Collect();
                }
                Volatile.Write(ref _lastRunSeconds, Math.Max(0.1, (DateTime.UtcNow - started).TotalSeconds));
                Interlocked.Increment(ref _completed);
                EngineGate.Release();
                Interlocked.Decrement(ref _admitted);
            }
        }, CancellationToken.None);
        try
        {
            var left = deadline - DateTime.UtcNow;
            var result = await job.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, CancellationToken.None).ConfigureAwait(false);
            // The timeout's timer runs on the thread pool; on a starved pool it can fire after the run has ended. The
            // deadline is the contract, not the timer: a run that ended past it is a timeout too.
            if (DateTime.UtcNow > deadline) throw new TimeoutException();
            return result;
        }
        catch (TimeoutException)
        {
            throw new JobTimeoutException(options.JobTimeoutSeconds);
        }
    }
}
