using System.Diagnostics;
using System.Text.RegularExpressions;

namespace InterCoG.Imaging;

/// <summary>Checks made on output paths before any work, and safe writes: every file is written to a temporary file
/// beside its target — ".NAME.PID.RANDOM.tmp", PID being this process — flushed, then renamed over the target, so a
/// failed or killed run never leaves a torn file under the real name. A temporary file (or folder) of ours whose process
/// is no longer running is removed the next time its target is written. <see cref="OutputBatch"/> writes several outputs
/// all or nothing; folders of output files (a report) keep a list of the files the tool wrote in them
/// (<see cref="OwnedListName"/>), so that files it did not write are never replaced or deleted.</summary>
public static partial class OutputFiles
{
    /// <summary>The hidden file listing, one name a line, the files this tool wrote into a folder of outputs.</summary>
    public const string OwnedListName = ".intercog-files";

    /// <summary>Throw <see cref="InputException"/> unless <paramref name="outPath"/> ends with one of
    /// <paramref name="extensions"/>, its folder exists, it is not a folder, and it is not the input (links resolved).</summary>
    public static void EnsureWritable(string outPath, string inputPath, string kind, IReadOnlyList<string> extensions)
    {
        string ext = Path.GetExtension(outPath).ToLowerInvariant();
        if (!extensions.Contains(ext))
            throw new InputException($"{outPath}: the {kind} must end with {string.Join(" or ", extensions)}");
        string dir = FolderOf(outPath);
        if (!Directory.Exists(dir))
            throw new InputException($"{outPath}: {kind} folder {dir} does not exist");
        if (Directory.Exists(outPath))
            throw new InputException($"{outPath}: is a folder, cannot write the {kind} there");
        if (SameFile(outPath, inputPath))
            throw new InputException($"{outPath}: the {kind} would overwrite the input image; the input is never overwritten");
    }

    /// <summary>Throw <see cref="InputException"/> unless the parent of <paramref name="dir"/> exists, <paramref name="dir"/>
    /// is not a file and does not contain the input, and none of its files that this tool did not write would be replaced:
    /// <paramref name="names"/> are the files that will be written, <paramref name="namePattern"/> matches the rest
    /// (e.g. one file per step).</summary>
    public static void EnsureWritableFolder(string dir, string inputPath, string kind, IReadOnlyList<string> names, Regex? namePattern = null)
    {
        string full = Path.GetFullPath(dir);
        string parent = Path.GetDirectoryName(full) ?? full;
        if (!Directory.Exists(parent)) throw new InputException($"{dir}: the {kind} folder's parent {parent} does not exist");
        if (File.Exists(full)) throw new InputException($"{dir}: is a file, not a {kind} folder");
        if (Resolve(inputPath).StartsWith(full + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new InputException($"{dir}: the {kind} folder contains the input image; write the {kind} elsewhere");
        if (!Directory.Exists(full)) return;
        var owned = OwnedFiles(full);
        var taken = Directory.EnumerateFileSystemEntries(full).Select(Path.GetFileName).OfType<string>()
            .Where(n => (names.Contains(n, StringComparer.Ordinal) || namePattern?.IsMatch(n) == true) && !owned.Contains(n))
            .Order(StringComparer.Ordinal).ToList();
        if (taken.Count > 0)
            throw new InputException($"{dir}: the {kind} folder holds {string.Join(", ", taken.Take(3))}{(taken.Count > 3 ? ", …" : "")}, which InterCoG did not write; " +
                $"the {kind} would replace {(taken.Count == 1 ? "it" : "them")}: choose a new or empty folder");
    }

    /// <summary>Write <paramref name="data"/> to <paramref name="path"/> atomically.</summary>
    public static void WriteAtomic(string path, ReadOnlySpan<byte> data)
    {
        using var batch = new OutputBatch();
        batch.Add(path, data);
        batch.Commit();
    }

    /// <summary>Write UTF-8 <paramref name="text"/> to <paramref name="path"/> atomically.</summary>
    public static void WriteTextAtomic(string path, string text) => WriteAtomic(path, System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>A fresh temporary name beside <paramref name="target"/>: ".NAME.PID.RANDOM.tmp".</summary>
    internal static string TempPathFor(string target)
    {
        string full = Path.GetFullPath(target);
        return Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4))}.tmp");
    }

    /// <summary>Removes the temporary files and folders of <paramref name="target"/> (".NAME.PID.RANDOM.tmp") left by a
    /// process that is no longer running; those of running processes (a concurrent writer) are kept.</summary>
    public static void RemoveStaleTemporaries(string target)
    {
        string full = Path.GetFullPath(target);
        string? dir = Path.GetDirectoryName(full);
        string name = Path.GetFileName(full);
        if (dir is null || name.Length == 0 || !Directory.Exists(dir)) return;
        IEnumerable<string> entries;
        try { entries = Directory.EnumerateFileSystemEntries(dir, $".{name}.*.tmp").ToList(); }
        catch (IOException) { return; }
        catch (UnauthorizedAccessException) { return; }
        foreach (string entry in entries)
        {
            var m = TempName().Match(Path.GetFileName(entry));
            if (!m.Success || m.Groups["name"].Value != name || !int.TryParse(m.Groups["pid"].Value, out int pid) || ProcessRunning(pid)) continue;
            TryDelete(entry);
        }
    }

    /// <summary>Whether process <paramref name="pid"/> is running (this one always is).</summary>
    internal static bool ProcessRunning(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        if (OperatingSystem.IsLinux()) return Directory.Exists($"/proc/{pid}");
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    /// <summary>Names listed in <paramref name="dir"/>'s <see cref="OwnedListName"/> (empty when there is none).</summary>
    internal static HashSet<string> OwnedFiles(string dir)
    {
        string list = Path.Combine(dir, OwnedListName);
        if (!File.Exists(list)) return new HashSet<string>(StringComparer.Ordinal);
        try
        {
            return File.ReadAllLines(list).Select(l => l.Trim())
                .Where(l => l.Length > 0 && l == Path.GetFileName(l) && l != OwnedListName).ToHashSet(StringComparer.Ordinal);
        }
        catch (IOException) { return new HashSet<string>(StringComparer.Ordinal); }
    }

    internal static string FolderOf(string path)
    {
        string full = Path.GetFullPath(path);
        return Path.GetDirectoryName(full) ?? full;
    }

    /// <summary>Whether two paths name the same file (links resolved).</summary>
    public static bool SameFile(string a, string b) =>
        string.Equals(Resolve(a), Resolve(b), OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

    private static string Resolve(string p)
    {
        string full = Path.GetFullPath(p);
        try
        {
            var target = File.Exists(full) ? new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true) : null;
            return target is null ? full : Path.GetFullPath(target.FullName);
        }
        catch (IOException)
        {
            return full;
        }
    }

    internal static void TryDelete(string path)
    {
        try
        {
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
            else if (File.Exists(path)) File.Delete(path);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    [GeneratedRegex(@"^\.(?<name>.+)\.(?<pid>\d{1,10})\.[0-9a-f]{8}\.tmp$")]
    private static partial Regex TempName();
}

/// <summary>Output files written all or nothing. <see cref="Add"/> and <see cref="AddFolder"/> stage each file under a
/// temporary name beside its target (nothing is visible under a real name yet); <see cref="Commit"/> renames them all
/// into place; disposing an uncommitted batch deletes what it staged. Every target's stale temporaries (left by a killed
/// run) are removed as it is staged.</summary>
public sealed class OutputBatch : IDisposable
{
    private readonly List<(string Temp, string Target)> _files = [];
    private readonly List<(string Temp, string Target)> _newFolders = [];
    private readonly List<(string Dir, HashSet<string> Names)> _ownedFolders = [];
    private bool _committed;

    /// <summary>Stages <paramref name="data"/> for <paramref name="path"/> (whose folder must exist).</summary>
    public void Add(string path, ReadOnlySpan<byte> data)
    {
        string full = Path.GetFullPath(path);
        string dir = OutputFiles.FolderOf(full);
        if (!Directory.Exists(dir)) throw new InputException($"{path}: output folder {dir} does not exist");
        if (Directory.Exists(full)) throw new InputException($"{path}: is a folder, cannot write a file there");
        if (_files.Any(f => f.Target == full)) throw new InputException($"{path}: two outputs would be written to this one file");
        OutputFiles.RemoveStaleTemporaries(full);
        string temp = OutputFiles.TempPathFor(full);
        _files.Add((temp, full));
        WriteTemp(temp, path, data);
    }

    /// <summary>Stages the folder <paramref name="dir"/> holding <paramref name="files"/> (plain names). A new folder is
    /// built beside it under a temporary name and renamed at commit; into an existing one the files are staged one by one,
    /// and at commit the files this tool wrote there before and did not write now are removed. Files it did not write are
    /// never touched: one whose name is among <paramref name="files"/> makes this throw <see cref="InputException"/>.</summary>
    public void AddFolder(string dir, IReadOnlyList<(string Name, byte[] Bytes)> files)
    {
        string full = Path.GetFullPath(dir);
        string parent = OutputFiles.FolderOf(full);
        if (!Directory.Exists(parent)) throw new InputException($"{dir}: the folder's parent {parent} does not exist");
        if (File.Exists(full)) throw new InputException($"{dir}: is a file, not a folder");
        foreach (var (name, _) in files)
            if (name != Path.GetFileName(name) || name.Length == 0 || name == OutputFiles.OwnedListName)
                throw new ArgumentException($"'{name}' is not a plain file name", nameof(files));
        var names = files.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        OutputFiles.RemoveStaleTemporaries(full);
        if (!Directory.Exists(full))
        {
            string temp = OutputFiles.TempPathFor(full);
            _newFolders.Add((temp, full));
            Directory.CreateDirectory(temp);
            foreach (var (name, bytes) in files) WriteTemp(Path.Combine(temp, name), Path.Combine(dir, name), bytes);
            WriteTemp(Path.Combine(temp, OutputFiles.OwnedListName), dir, System.Text.Encoding.UTF8.GetBytes(string.Join("\n", names.Order(StringComparer.Ordinal)) + "\n"));
            return;
        }
        var owned = OutputFiles.OwnedFiles(full);
        var foreign = names.Where(n => (File.Exists(Path.Combine(full, n)) || Directory.Exists(Path.Combine(full, n))) && !owned.Contains(n))
            .Order(StringComparer.Ordinal).ToList();
        if (foreign.Count > 0)
            throw new InputException($"{dir}: holds {string.Join(", ", foreign.Take(3))}, which InterCoG did not write; choose a new or empty folder");
        foreach (var (name, bytes) in files) Add(Path.Combine(full, name), bytes);
        _ownedFolders.Add((full, names));
    }

    /// <summary>Renames every staged file and folder into place. Throws <see cref="InputException"/> (and removes what is
    /// still staged) when a rename fails.</summary>
    public void Commit()
    {
        if (_committed) throw new InvalidOperationException("the batch was already committed");
        try
        {
            foreach (var (temp, target) in _newFolders)
            {
                if (Directory.Exists(target) || File.Exists(target)) throw new InputException($"{target}: appeared while the run was writing its outputs");
                Directory.Move(temp, target);
            }
            foreach (var (temp, target) in _files) File.Move(temp, target, overwrite: true);
            foreach (var (dir, names) in _ownedFolders)
            {
                // the files this tool wrote here before and not now are stale: removed, and the list says what is ours now
                foreach (string old in OutputFiles.OwnedFiles(dir).Where(n => !names.Contains(n)))
                    OutputFiles.TryDelete(Path.Combine(dir, old));
                using var list = new OutputBatch();
                list.Add(Path.Combine(dir, OutputFiles.OwnedListName), System.Text.Encoding.UTF8.GetBytes(string.Join("\n", names.Order(StringComparer.Ordinal)) + "\n"));
                list.Commit();
            }
            _committed = true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException($"cannot move the outputs into place ({e.Message})", e);
        }
    }

    /// <summary>Deletes whatever is still staged (everything, when not committed).</summary>
    public void Dispose()
    {
        foreach (var (temp, _) in _files) OutputFiles.TryDelete(temp);
        foreach (var (temp, _) in _newFolders) OutputFiles.TryDelete(temp);
    }

    private static void WriteTemp(string temp, string shownPath, ReadOnlySpan<byte> data)
    {
        try
        {
            using var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            fs.Write(data);
            fs.Flush(flushToDisk: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            OutputFiles.TryDelete(temp);
            throw new InputException($"{shownPath}: cannot write the file ({e.Message})", e);
        }
    }
}
