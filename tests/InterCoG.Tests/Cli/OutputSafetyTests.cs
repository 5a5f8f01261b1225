using System.Diagnostics;
using InterCoG.Tests.TestSupport;

namespace InterCoG.Tests.Cli;

/// <summary>What the tool writes, and what it never does: delete a file it did not write, leave some outputs of a run
/// that failed, or leave its temporary files behind.</summary>
[Collection(ModelCollection.Name)]
public sealed class OutputSafetyTests
{
    private static string Horses => TestPaths.Horses;

    [Fact]
    public void A_report_into_a_folder_holding_a_users_file_keeps_the_file()
    {
        string dir = TestPaths.TempDir("report-user");
        string rep = Path.Combine(dir, "rep");
        Directory.CreateDirectory(Path.Combine(rep, "mine"));
        File.WriteAllText(Path.Combine(rep, "notes.txt"), "my notes");
        File.WriteAllText(Path.Combine(rep, "mine", "photo.jpg"), "not really a photo");

        var r = CliRunner.Run("edit", Horses, "make the horse on the right brown", "-o", Path.Combine(dir, "o.png"), "--report", rep);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("my notes", File.ReadAllText(Path.Combine(rep, "notes.txt")));
        Assert.Equal("not really a photo", File.ReadAllText(Path.Combine(rep, "mine", "photo.jpg")));
        Assert.True(File.Exists(Path.Combine(rep, "index.html")));
        Assert.NotEmpty(Directory.GetFiles(rep, "step_*.png"));

        // a second report into the same folder replaces the first one's files and still keeps the user's
        var again = CliRunner.Run("ground", Horses, "the horse on the left", "--report", rep);
        Assert.Equal(0, again.ExitCode);
        Assert.Equal("my notes", File.ReadAllText(Path.Combine(rep, "notes.txt")));
        Assert.False(File.Exists(Path.Combine(rep, "after.png"))); // the edit's before/after pair was the first report's
        Assert.Contains("the horse on the left", File.ReadAllText(Path.Combine(rep, "index.html")));
        Assert.Empty(Directory.GetFileSystemEntries(dir, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void A_report_folder_whose_names_are_taken_by_a_users_files_is_refused_before_any_work()
    {
        string dir = TestPaths.TempDir("report-clash");
        string rep = Path.Combine(dir, "rep");
        Directory.CreateDirectory(rep);
        File.WriteAllText(Path.Combine(rep, "index.html"), "<p>my own page</p>");
        var r = CliRunner.Run("edit", Horses, "make the horse on the right brown", "-o", Path.Combine(dir, "o.png"), "--report", rep);
        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Assert.Contains("index.html", r.Err);
        Assert.Equal("<p>my own page</p>", File.ReadAllText(Path.Combine(rep, "index.html")));
        Assert.False(File.Exists(Path.Combine(dir, "o.png")));
    }

    [Fact]
    public void Two_outputs_on_one_path_are_refused_and_nothing_is_written()
    {
        string dir = TestPaths.TempDir("same-path");
        string o = Path.Combine(dir, "x.png");
        var r = CliRunner.Run("edit", Horses, "make the horse on the right brown", "-o", o, "--trace", Path.Combine(dir, "t.json"), "--report", o);
        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Assert.Single(r.ErrLines);
        Assert.Empty(Directory.GetFileSystemEntries(dir));
    }

    [Fact]
    public void A_run_that_ends_with_a_non_zero_exit_writes_no_file()
    {
        string dir = TestPaths.TempDir("nonzero");
        var r = CliRunner.Run("edit", Horses, "make the horse brown", "-o", Path.Combine(dir, "o.png"), "--trace", Path.Combine(dir, "t.json"),
            "--mask-out", Path.Combine(dir, "m.png"), "--report", Path.Combine(dir, "rep"));
        Assert.Equal(ExitCodes.Ambiguous, r.ExitCode);
        Assert.Contains("--choose", r.Out);
        Assert.Empty(Directory.GetFileSystemEntries(dir));

        var unsupported = CliRunner.Run("edit", Horses, "replace the horse on the right with a cow", "-o", Path.Combine(dir, "o.png"),
            "--trace", Path.Combine(dir, "t.json"), "--mask-out", Path.Combine(dir, "m.png"));
        Assert.Equal(ExitCodes.Unsupported, unsupported.ExitCode);
        Assert.Empty(Directory.GetFileSystemEntries(dir));
    }

    [Fact]
    public void Temporary_files_a_killed_run_left_are_removed_by_the_next_run_and_a_live_writers_are_kept()
    {
        string dir = TestPaths.TempDir("stale-tmp");
        int dead = DeadPid();
        using var live = Process.Start(new ProcessStartInfo("sleep", "300") { UseShellExecute = false })!;
        try
        {
            string staleFile = Path.Combine(dir, $".o.png.{dead}.5f3a9c1e.tmp");
            string staleReport = Path.Combine(dir, $".rep.{dead}.77aa01bc.tmp");
            string liveFile = Path.Combine(dir, $".o.png.{live.Id}.0badc0de.tmp");
            File.WriteAllText(staleFile, "half a png");
            Directory.CreateDirectory(staleReport);
            File.WriteAllText(Path.Combine(staleReport, "index.html"), "half a report");
            File.WriteAllText(liveFile, "being written");

            var r = CliRunner.Run("edit", Horses, "make the horse on the right brown", "-o", Path.Combine(dir, "o.png"), "--report", Path.Combine(dir, "rep"));
            Assert.Equal(0, r.ExitCode);
            Assert.False(File.Exists(staleFile));
            Assert.False(Directory.Exists(staleReport));
            Assert.True(File.Exists(liveFile));
            Assert.True(File.Exists(Path.Combine(dir, "o.png")));
            Assert.Equal([liveFile], Directory.GetFileSystemEntries(dir, "*.tmp"));
        }
        finally
        {
            live.Kill();
            live.WaitForExit();
        }
    }

    /// <summary>The id of a process that has ended.</summary>
    private static int DeadPid()
    {
        using var p = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        p.WaitForExit();
        return p.Id;
    }
}
