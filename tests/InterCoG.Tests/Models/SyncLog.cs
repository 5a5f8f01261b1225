namespace InterCoG.Tests.Models;

/// <summary>An <see cref="IProgress{T}"/> that records lines on the calling thread.</summary>
internal sealed class SyncLog : IProgress<string>
{
    public List<string> Lines { get; } = [];

    public void Report(string value)
    {
        lock (Lines) Lines.Add(value);
    }
}
