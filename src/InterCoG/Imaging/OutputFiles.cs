namespace InterCoG.Imaging;

/// <summary>Checks made on output paths before any work, and atomic writes (a temporary file in the same folder,
/// flushed, then renamed over the target), so a failed run leaves no partial file and never touches the input.</summary>
public static class OutputFiles
{
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
    /// is not a file, and it does not contain the input (a report folder is replaced as a whole).</summary>
    public static void EnsureWritableFolder(string dir, string inputPath, string kind)
    {
        string full = Path.GetFullPath(dir);
        string parent = Path.GetDirectoryName(full) ?? full;
        if (!Directory.Exists(parent)) throw new InputException($"{dir}: the {kind} folder's parent {parent} does not exist");
        if (File.Exists(full)) throw new InputException($"{dir}: is a file, not a {kind} folder");
        if (Resolve(inputPath).StartsWith(full + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new InputException($"{dir}: the {kind} folder contains the input image; it would be replaced");
    }

    /// <summary>Write <paramref name="data"/> to <paramref name="path"/> atomically.</summary>
    public static void WriteAtomic(string path, ReadOnlySpan<byte> data)
    {
        string dir = FolderOf(path);
        if (!Directory.Exists(dir)) throw new InputException($"{path}: output folder {dir} does not exist");
        string temp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                fs.Write(data);
                fs.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw new InputException($"{path}: cannot write the file ({e.Message})", e);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Write UTF-8 <paramref name="text"/> to <paramref name="path"/> atomically.</summary>
    public static void WriteTextAtomic(string path, string text) => WriteAtomic(path, System.Text.Encoding.UTF8.GetBytes(text));

    private static string FolderOf(string path)
    {
        string full = Path.GetFullPath(path);
        return Path.GetDirectoryName(full) ?? full;
    }

    private static bool SameFile(string a, string b) =>
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

    private static void TryDelete(string path)
    {
        try { if (File.Exists(path)) File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
