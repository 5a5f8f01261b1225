using System.Diagnostics;
using InterCoG.Cli;
using InterCoG.Dataset;
using InterCoG.Tests.Dataset;
using InterCoG.Tests.TestSupport;
using YamlDotNet.RepresentationModel;

namespace InterCoG.Tests.Scale;

/// <summary>deploy/: the Kubernetes manifests parse and their commands are ones the CLI accepts; the sbatch files, run as a
/// Slurm array task would run them (the array's environment, the real tool), build and merge a dataset and a bench that
/// equal the unsharded runs. The real cluster run is tests/slurm/run.sh.</summary>
public sealed class DeployFilesTests
{
    private static string Deploy(params string[] parts) => Path.Combine([TestPaths.RepoRoot, "deploy", .. parts]);

    private static YamlMappingNode Load(string file)
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(file)) yaml.Load(reader);
        return (YamlMappingNode)Assert.Single(yaml.Documents).RootNode;
    }

    private static YamlNode At(YamlNode node, params string[] path)
    {
        foreach (string key in path) node = ((YamlMappingNode)node).Children[new YamlScalarNode(key)];
        return node;
    }

    private static string Text(YamlNode node, params string[] path) => ((YamlScalarNode)At(node, path)).Value!;

    private static List<string> Args(YamlNode container) => ((YamlSequenceNode)At(container, "args")).Children.Select(c => ((YamlScalarNode)c).Value!).ToList();

    private static void AssertCliAccepts(IReadOnlyList<string> args)
    {
        var parsed = CliApp.BuildRoot(new CliContext(TextWriter.Null, TextWriter.Null)).Parse(args.ToArray());
        Assert.True(parsed.Errors.Count == 0, $"intercog {string.Join(' ', args)}: {string.Join("; ", parsed.Errors.Select(e => e.Message))}");
    }

    [Fact]
    public void The_kubernetes_indexed_job_and_its_merge_share_a_volume_and_run_commands_the_cli_accepts()
    {
        var build = Load(Deploy("k8s", "dataset-build-job.yaml"));
        var merge = Load(Deploy("k8s", "dataset-merge-job.yaml"));
        var pvc = Load(Deploy("k8s", "data-pvc.yaml"));
        Assert.Equal("Job", Text(build, "kind"));
        Assert.Equal("batch/v1", Text(build, "apiVersion"));
        Assert.Equal("Indexed", Text(build, "spec", "completionMode"));
        int completions = int.Parse(Text(build, "spec", "completions"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(completions >= 2);
        Assert.Equal(completions.ToString(System.Globalization.CultureInfo.InvariantCulture), Text(build, "spec", "parallelism"));
        Assert.True(int.Parse(Text(build, "spec", "backoffLimitPerIndex"), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        Assert.Equal("Never", Text(build, "spec", "template", "spec", "restartPolicy")); // required with backoffLimitPerIndex
        Assert.Equal("true", Text(build, "spec", "template", "spec", "securityContext", "runAsNonRoot"));

        var container = ((YamlSequenceNode)At(build, "spec", "template", "spec", "containers")).Children[0];
        var env = ((YamlSequenceNode)At(container, "env")).Children.ToDictionary(e => Text(e, "name"), e => Text(e, "value"));
        Assert.Equal(completions.ToString(System.Globalization.CultureInfo.InvariantCulture), env["INTERCOG_SHARD_COUNT"]);
        var args = Args(container);
        Assert.Equal(["dataset", "build"], args.Take(2));
        Assert.Equal("auto", args[args.IndexOf("--shard") + 1]);
        AssertCliAccepts(args);

        Assert.Equal("Job", Text(merge, "kind"));
        var mergeContainer = ((YamlSequenceNode)At(merge, "spec", "template", "spec", "containers")).Children[0];
        var mergeArgs = Args(mergeContainer);
        Assert.Equal(["dataset", "merge", args[args.IndexOf("--out") + 1]], mergeArgs);
        AssertCliAccepts(mergeArgs);

        // Both mount the same claim at the same place, and the claim is the PVC the folder defines.
        string claim = Text(pvc, "metadata", "name");
        Assert.Equal("PersistentVolumeClaim", Text(pvc, "kind"));
        Assert.Contains("ReadWriteMany", ((YamlSequenceNode)At(pvc, "spec", "accessModes")).Children.Select(c => ((YamlScalarNode)c).Value));
        foreach (var (job, c) in new[] { (build, container), (merge, mergeContainer) })
        {
            var volume = ((YamlSequenceNode)At(job, "spec", "template", "spec", "volumes")).Children[0];
            Assert.Equal(claim, Text(volume, "persistentVolumeClaim", "claimName"));
            var mount = ((YamlSequenceNode)At(c, "volumeMounts")).Children[0];
            Assert.Equal(Text(volume, "name"), Text(mount, "name"));
            Assert.StartsWith(Text(mount, "mountPath"), args[args.IndexOf("--out") + 1], StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_container_recipe_runs_as_a_non_root_user_with_the_catalog_models_installed()
    {
        string[] lines = File.ReadAllLines(Deploy("docker", "Dockerfile"));
        string user = lines.Last(l => l.StartsWith("USER ", StringComparison.Ordinal));
        Assert.DoesNotMatch(@"^USER\s+(root|0)(:|\s|$)", user);
        Assert.Contains(lines, l => l.Contains("models install --from", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("ENV INTERCOG_MODELS=/opt/intercog/models", StringComparison.Ordinal));
    }

    [Fact]
    public void The_sbatch_files_build_merge_and_bench_as_array_tasks_equal_to_the_unsharded_runs()
    {
        string root = TestPaths.TempDir("sbatch");
        try
        {
            var voc = DatasetSource.Voc;
            string run = Path.Combine(root, "run"), full = Path.Combine(root, "full");
            // Task 0 as the array runs it; task 1 as a task resubmitted on its own (--array=1 with INTERCOG_SHARD_COUNT).
            Sbatch("dataset-build.sbatch", [voc.Instances, voc.Images, run, "--no-edits"], ("SLURM_ARRAY_TASK_ID", "0"), ("SLURM_ARRAY_TASK_COUNT", "2"), ("SLURM_CPUS_PER_TASK", "1"));
            Sbatch("dataset-build.sbatch", [voc.Instances, voc.Images, run, "--no-edits"], ("SLURM_ARRAY_TASK_ID", "1"), ("SLURM_ARRAY_TASK_MIN", "1"),
                ("SLURM_ARRAY_TASK_COUNT", "1"), ("INTERCOG_SHARD_COUNT", "2"));
            Assert.True(Directory.Exists(Path.Combine(run, "shard-0001-of-0002")));
            Sbatch("dataset-merge.sbatch", [run]);
            Assert.Equal(0, CliRunner.Run("dataset", "build", "--instances", voc.Instances, "--images", voc.Images, "--out", full, "--no-edits").ExitCode);
            Assert.Equal(File.ReadAllBytes(Path.Combine(full, DatasetBuilder.ManifestFile)), File.ReadAllBytes(Path.Combine(run, DatasetBuilder.ManifestFile)));

            var k = Path.Combine(TestPaths.RefCoco3ds, "kitchen");
            string[] bench = ["grounding", "--instances", Path.Combine(k, "instances.json"), "--refs", Path.Combine(k, "refs.json"), "--images", Path.Combine(k, "images"), "--oracle-boxes"];
            string benchRun = Path.Combine(root, "bench");
            for (int i = 0; i < 2; i++)
                Sbatch("bench.sbatch", [benchRun, .. bench], ("SLURM_ARRAY_TASK_ID", (5 + i).ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    ("SLURM_ARRAY_TASK_MIN", "5"), ("SLURM_ARRAY_TASK_COUNT", "2"));
            string merged = Sbatch("bench-merge.sbatch", [benchRun]);
            string whole = CliRunner.Run(["bench", .. bench]).Out;
            Assert.Equal(FirstFigures(whole), FirstFigures(merged));
            Assert.Contains("501 sentences", merged, StringComparison.Ordinal);

            // Wrong usage: a one-line message and exit 2, nothing run.
            var (code, _, err) = Run("dataset-build.sbatch", ["only-one-argument"]);
            Assert.Equal(2, code);
            Assert.Contains("usage: sbatch --array=0-(N-1)", err, StringComparison.Ordinal);
        }
        finally { Directory.Delete(root, true); }
    }

    // "501 sentences (oracle boxes): Acc@0.5 93.4 %, mean IoU 0.934, …" without the timing at its end.
    private static string FirstFigures(string output) => output.Split('\n')[0].Split("; ")[0];

    private static string Sbatch(string file, string[] args, params (string, string)[] env)
    {
        var (code, stdout, stderr) = Run(file, args, env);
        Assert.True(code == 0, $"{file} exited {code}: {stderr}");
        return stdout;
    }

    private static (int Code, string Out, string Err) Run(string file, string[] args, params (string Name, string Value)[] env)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Deploy("slurm", file));
        foreach (string a in args) psi.ArgumentList.Add(a);
        psi.Environment["INTERCOG"] = $"dotnet {CliDll()}";
        foreach (string name in new[] { "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_COUNT", "INTERCOG_SHARD_COUNT", "JOB_COMPLETION_INDEX" })
            psi.Environment.Remove(name);
        foreach (var (name, value) in env) psi.Environment[name] = value;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(5)), $"{file} did not finish");
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    private static string CliDll()
    {
        string here = typeof(CliApp).Assembly.Location;
        if (File.Exists(Path.ChangeExtension(here, ".runtimeconfig.json"))) return here;
        return Path.Combine(TestPaths.RepoRoot, "src", "InterCoG.Cli", "bin", "Release", "net10.0", "linux-x64", "InterCoG.Cli.dll");
    }
}
