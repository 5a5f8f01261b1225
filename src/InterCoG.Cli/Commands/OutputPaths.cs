namespace InterCoG.Cli.Commands;

/// <summary>Checks on output paths, made before anything runs, and atomic text writes.</summary>
public static class OutputPaths
{
    public static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg"];

    /// <summary>Refuse (exit 2) an output whose folder is missing, whose extension is not allowed, or that is the input.</summary>
    public static void EnsureWritable(string path, string inputPath, string kind, string[] extensions)
    {
        string full = Path.GetFullPath(path);
        if (string.Equals(full, Path.GetFullPath(inputPath), StringComparison.Ordinal))
            throw new InputException($"{kind} path {path} is the input image; the input is never overwritten");
        string? dir = Path.GetDirectoryName(full);
        if (dir is null || !Directory.Exists(dir))
            throw new InputException($"{kind} folder {Path.GetDirectoryName(path) ?? path} does not exist");
        if (Directory.Exists(full)) throw new InputException($"{kind} path {path} is a folder");
        string ext = Path.GetExtension(full).ToLowerInvariant();
        if (!extensions.Contains(ext))
            throw new InputException($"{kind} path {path} must end with {string.Join(" or ", extensions)}");
    }

    /// <summary>Refuse a report folder whose parent is missing or that would hold the input image.</summary>
    public static void EnsureWritableFolder(string dir, string inputPath)
    {
        string full = Path.GetFullPath(dir);
        string? parent = Path.GetDirectoryName(full);
        if (parent is null || !Directory.Exists(parent)) throw new InputException($"report folder's parent {Path.GetDirectoryName(dir)} does not exist");
        if (File.Exists(full)) throw new InputException($"report path {dir} is a file");
        string input = Path.GetFullPath(inputPath);
        if (input.StartsWith(full + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new InputException($"report folder {dir} contains the input image; it would be replaced");
    }

    /// <summary>Write text to a temp file beside <paramref name="path"/>, then move it into place.</summary>
    public static void WriteTextAtomic(string path, string text)
    {
        string full = Path.GetFullPath(path);
        string temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.tmp-{Environment.ProcessId}");
        File.WriteAllText(temp, text);
        File.Move(temp, full, overwrite: true);
    }
}
