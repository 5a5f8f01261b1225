using System.CommandLine;
using System.Text.Json;
using InterCoG.Chain;
using InterCoG.Models;
using InterCoG.Tracing;

namespace InterCoG.Cli.Commands;

/// <summary><c>models install [NAME…] [--from DIR]</c> and <c>models list [--json]</c>.</summary>
public static class ModelsCommand
{
    public static Command Build(CliContext ctx)
    {
        var from = new Option<string?>("--from") { Description = "Take model files from this folder (e.g. ../shared/models) before any download; any known export of a model is accepted." };
        var names = new Argument<string[]>("name")
        {
            Description = "Models to install by short name (e.g. yolox-nano, isnet, or an optional one); none: every model that is not optional.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var install = new Command("install", "Install the models into the models folder (INTERCOG_MODELS or ~/.cache/intercog/models), checking sha256.") { names, from };
        install.SetAction(pr =>
        {
            string? dir = pr.GetValue(from);
            if (dir is not null && !Directory.Exists(dir)) throw new InputException($"--from folder {dir} does not exist");
            var store = ModelStore.Default;
            Install(ctx, store, new InstallOptions { FromDir = dir, Names = pr.GetValue(names) ?? [] });
            foreach (var m in store.List().Where(m => !m.Optional || m.Present))
                ctx.Out.WriteLine($"{m.Name,-24} {(m.Present ? "ok" : "MISSING")}  {m.Path}");
            return 0;
        });
        var json = new Option<bool>("--json") { Description = "Print the list as JSON." };
        var list = new Command("list", "List the models, where they are, and whether they are installed and intact.") { json };
        list.SetAction(pr =>
        {
            var models = ModelStore.Default.List();
            if (pr.GetValue(json)) ctx.Out.WriteLine(JsonSerializer.Serialize(models, ChainTrace.JsonOptions));
            else
            {
                foreach (var m in models)
                {
                    ctx.Out.WriteLine($"{m.Name,-24} {(m.Present ? "installed" : m.Optional ? "optional" : "missing"),-9} {m.Licence,-10} {m.Path}"
                        + (m.Optional && !m.Present ? $"  (intercog models install {m.Key})" : ""));
                    ctx.Out.WriteLine($"{"",-24} {m.ExpectedBytes:N0} bytes, sha256 {m.Sha256}, from {m.Source}");
                }
                // user-supplied detectors (INTERCOG_DETECTORS): shown, never installed or checked against a catalogue
                foreach (var u in EngineFactory.DescribeUserDetectors())
                    ctx.Out.WriteLine($"{Path.GetFileName(u.Path),-24} {(u.Present ? "present" : "missing"),-9} {"user",-10} {u.Path}"
                        + (u.Present ? $"  {u.SizeBytes / 1048576.0:0.0} MiB sha256 {u.Sha256}" : $"  (from ${EngineFactory.DetectorsVariable})"));
            }
            return models.All(m => m.Present || m.Optional) ? 0 : ExitCodes.ModelMissing;
        });
        return new Command("models", "Install and list the models.") { install, list };
    }

    /// <summary>Run the installer with a progress bar per file on a terminal (plain lines otherwise).</summary>
    internal static IReadOnlyList<ModelInfo> Install(CliContext ctx, ModelStore store, InstallOptions options) =>
        TerminalProgress.Run(ctx, bar => new ModelInstaller(store).Install(
            options with
            {
                Transfer = new TerminalProgress.Immediate<ModelTransfer>(t =>
                {
                    bar.Set(t.Name, t.Done, t.Total);
                    if (t.Total is { } total && t.Done >= total) bar.Complete(t.Name);
                }),
            },
            new TerminalProgress.Immediate<string>(bar.Log)), bytes: true);
}
