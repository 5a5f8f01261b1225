using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using InterCoG.Models.Onnx;
using InterCoG.Tests.TestSupport;

namespace InterCoG.Tests.Scale;

/// <summary>--device: every ONNX session comes from <see cref="OnnxSessionFactory"/>; cuda on this CPU build is one line
/// and a non-zero exit; auto runs on the CPU and the trace says so for every stage that runs a model.</summary>
[Collection(ModelCollection.Name)]
public sealed class DeviceTests(ModelFixture models)
{
    private static string Horses => TestPaths.Horses;

    [Fact]
    public void Device_names_parse_and_anything_else_is_refused()
    {
        Assert.Equal(ExecutionDevice.Auto, ExecutionDevice.Parse("auto"));
        Assert.Equal(ExecutionDevice.Cpu, ExecutionDevice.Parse(" CPU "));
        Assert.Equal(new ExecutionDevice(ExecutionDeviceKind.Cuda, 0), ExecutionDevice.Parse("cuda"));
        Assert.Equal(new ExecutionDevice(ExecutionDeviceKind.Cuda, 2), ExecutionDevice.Parse("cuda:2"));
        Assert.Equal("cuda:2", ExecutionDevice.Parse("cuda:2").ToString());
        foreach (string bad in new[] { "gpu", "cuda:", "cuda:-1", "cuda:x", "" })
            Assert.Throws<InputException>(() => ExecutionDevice.Parse(bad));
    }

    [Fact]
    public void Every_onnx_session_in_the_product_is_created_by_the_one_factory()
    {
        var offenders = Directory.GetFiles(Path.Combine(TestPaths.RepoRoot, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => Path.GetFileName(f) != "OnnxSessionFactory.cs")
            .Where(f => Regex.IsMatch(File.ReadAllText(f), @"new\s+(SessionOptions|InferenceSession)\b"))
            .Select(f => Path.GetRelativePath(TestPaths.RepoRoot, f)).ToList();
        Assert.Empty(offenders);
    }

    [Fact]
    public void Cuda_on_a_build_without_the_cuda_provider_is_one_line_and_exit_1_before_anything_runs()
    {
        Assert.False(OnnxSessionFactory.HasCudaProvider); // the default build is the CPU package
        string dir = TestPaths.TempDir("device-cuda");
        try
        {
            string output = Path.Combine(dir, "out.png");
            var r = CliRunner.Run("edit", Horses, "make the horse on the right brown", "-o", output, "--device", "cuda");
            Assert.Equal(ExitCodes.Other, r.ExitCode);
            Assert.Single(r.ErrLines);
            Assert.StartsWith("intercog: --device cuda:0:", r.Err, StringComparison.Ordinal);
            Assert.Contains("no CUDA execution provider", r.Err, StringComparison.Ordinal);
            Assert.DoesNotMatch(@"(?m)^\s+at ", r.Err); // no stack trace
            Assert.False(File.Exists(output));
            Assert.Equal(ExitCodes.BadInput, CliRunner.Run("detect", Horses, "--device", "tpu").ExitCode);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Auto_edits_on_the_cpu_here_and_the_trace_names_the_provider_of_each_model_stage()
    {
        using var session = OnnxSessionFactory.Create(models.Store.RequirePath(InterCoG.Models.ModelCatalog.YoloxNano), new OnnxSessionOptions { Device = ExecutionDevice.Auto });
        Assert.Equal("cpu", session.Provider);
        string dir = TestPaths.TempDir("device-auto");
        try
        {
            var r = CliRunner.Run("edit", Horses, "make the horse on the right brown", "-o", Path.Combine(dir, "out.png"), "--device", "auto", "--json");
            Assert.Equal(0, r.ExitCode);
            var steps = JsonNode.Parse(r.Out)!["steps"]!.AsArray();
            foreach (string stage in new[] { "detect", "ground", "edit", "verify" })
            {
                var step = steps.First(s => (string)s!["stage"]! == stage)!;
                Assert.Equal("cpu", (string?)step["provider"]);
            }
            Assert.All(steps.Where(s => (string)s!["stage"]! is "reason" or "rewrite"), s => Assert.Null(s!["provider"]));
        }
        finally { Directory.Delete(dir, true); }
    }
}
