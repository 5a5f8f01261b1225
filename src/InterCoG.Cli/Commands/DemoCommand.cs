using System.CommandLine;
using System.Text.Json;
using InterCoG.Data;

namespace InterCoG.Cli.Commands;

/// <summary><c>demo</c>: the main job on the embedded default (a real photo and an instruction that needs spatial reasoning).</summary>
public static class DemoCommand
{
    public sealed record DemoSpec(string Photo, string Instruction);

    /// <summary>The embedded default, from samples/demo.json.</summary>
    public static DemoSpec Spec()
    {
        using var s = typeof(DemoCommand).Assembly.GetManifestResourceStream("demo.json")
            ?? throw new InvalidOperationException("demo.json is not embedded in the tool");
        return JsonSerializer.Deserialize<DemoSpec>(s, new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!;
    }

    public static Command Build(CliContext ctx)
    {
        var outDir = new Option<string>("--out") { Description = "Folder for the demo's output, trace, mask and report.", DefaultValueFactory = _ => "intercog-demo" };
        var cmd = new Command("demo", "Run the chain on a bundled sample photo and instruction, and say where the results are.") { outDir };
        cmd.SetAction(pr =>
        {
            var spec = Spec();
            string dir = Path.GetFullPath(pr.GetValue(outDir)!);
            string photo = SamplePhotos.Ensure(spec.Photo, new Progress<string>(ctx.Err.WriteLine));
            Directory.CreateDirectory(dir);
            ctx.Err.WriteLine($"Demo: \"{spec.Instruction}\" on {photo}");
            int code = ChainCommands.RunChain(ctx, new ChainCommands.ChainRequest(
                photo, spec.Instruction, GroundOnly: false,
                Output: Path.Combine(dir, "output.png"), Trace: Path.Combine(dir, "trace.json"),
                Report: Path.Combine(dir, "report"), MaskOut: Path.Combine(dir, "mask.png"),
                Choose: null, Json: false, Strict: false));
            if (code == 0) ctx.Out.WriteLine($"Open {Path.Combine(dir, "report", "index.html")} to see the chain of grounding.");
            return code;
        });
        return cmd;
    }
}
