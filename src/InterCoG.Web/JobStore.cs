using System.Security.Cryptography;

namespace InterCoG.Web;

/// <summary>One file a job produced: bytes and content type.</summary>
public sealed record JobFile(byte[] Bytes, string ContentType);

/// <summary>Files of one job, reachable only through its unguessable id (128 random bits as 32 hex digits).</summary>
public sealed class Job
{
    private readonly Dictionary<string, JobFile> _files = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    internal Job(string id, DateTimeOffset created) { Id = id; Created = created; }

    /// <summary>32 lower-case hex digits from a cryptographic random source.</summary>
    public string Id { get; }
    public DateTimeOffset Created { get; }

    /// <summary>Total bytes of the files held.</summary>
    public long Bytes { get { lock (_gate) return _files.Values.Sum(f => (long)f.Bytes.Length); } }

    /// <summary>Adds or replaces the file <paramref name="name"/> (a plain name such as "output.png").</summary>
    public void Put(string name, byte[] bytes, string contentType)
    {
        lock (_gate) _files[name] = new JobFile(bytes, contentType);
    }

    /// <summary>The file stored under exactly <paramref name="name"/>, or null.</summary>
    public JobFile? Get(string name) { lock (_gate) return _files.GetValueOrDefault(name); }

    /// <summary>"/api/jobs/{id}/{name}".</summary>
    public string Url(string name) => $"/api/jobs/{Id}/{name}";
}

/// <summary>Finished jobs kept in memory (nothing from a request is written to disk), bounded by count, bytes and age;
/// the oldest go first. Thread-safe.</summary>
public sealed class JobStore(StudioOptions options, TimeProvider? clock = null)
{
    private readonly LinkedList<Job> _order = new();
    private readonly Dictionary<string, LinkedListNode<Job>> _byId = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <summary>A new empty job with a fresh random id (the store holds it from now on).</summary>
    public Job Create()
    {
        var job = new Job(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), _clock.GetUtcNow());
        lock (_gate)
        {
            _byId[job.Id] = _order.AddLast(job);
            Trim();
        }
        return job;
    }

    /// <summary>The job with this id, or null when unknown or expired.</summary>
    public Job? Find(string id)
    {
        lock (_gate)
        {
            Trim();
            return _byId.TryGetValue(id, out var node) ? node.Value : null;
        }
    }

    /// <summary>Number of jobs held.</summary>
    public int Count { get { lock (_gate) return _byId.Count; } }

    /// <summary>Bytes of the files held (at most <see cref="StudioOptions.MaxStoredBytes"/> after each trim).</summary>
    public long Bytes { get { lock (_gate) return _order.Sum(j => j.Bytes); } }

    /// <summary>Drops expired jobs, then the oldest until the count and byte bounds hold (call after adding files).</summary>
    public void Trim()
    {
        lock (_gate)
        {
            var now = _clock.GetUtcNow();
            var ttl = TimeSpan.FromSeconds(options.ResultTtlSeconds);
            while (_order.First is { } first && (now - first.Value.Created > ttl || _order.Count > options.MaxStoredJobs))
                Remove(first);
            long total = _order.Sum(j => j.Bytes);
            while (total > options.MaxStoredBytes && _order.Count > 1 && _order.First is { } oldest)
            {
                total -= oldest.Value.Bytes;
                Remove(oldest);
            }
        }
    }

    private void Remove(LinkedListNode<Job> node)
    {
        _order.Remove(node);
        _byId.Remove(node.Value.Id);
    }
}
