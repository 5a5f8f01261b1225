using System.CommandLine;
using InterCoG.Chain;

namespace InterCoG.Cli.Commands;

/// <summary><c>--detector-model ONNX</c> (repeatable), shared by detect, edit, ground and serve: user-supplied Ultralytics
/// YOLOv8/YOLO11 exports run beside YOLOX-nano. Given, it replaces INTERCOG_DETECTORS; absent, the variable applies.</summary>
internal static class DetectorModelOption
{
    public static Option<string[]> AddTo(Command cmd)
    {
        var option = new Option<string[]>("--detector-model")
        {
            Description = $"A user-supplied Ultralytics YOLOv8/YOLO11 ONNX export to run beside YOLOX-nano (repeatable; replaces ${EngineFactory.DetectorsVariable}; see docs/detectors.md).",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        cmd.Options.Add(option);
        return option;
    }

    /// <summary>The paths given, or null when the option was not used (the engine then reads the environment).</summary>
    public static IReadOnlyList<string>? Read(ParseResult pr, Option<string[]> option) =>
        pr.GetResult(option) is null ? null : pr.GetValue(option) ?? [];
}
