using System.CommandLine;
using InterCoG.Editing;

namespace InterCoG.Cli.Commands;

/// <summary><c>--fill migan|telea|patch|shiftmap|fsr</c>, shared by edit and bench edit: how a removal fills its hole.
/// Absent, the library's default applies (MI-GAN when installed, else Telea).</summary>
internal static class FillOption
{
    public static Option<string?> Create(string what)
    {
        var option = new Option<string?>("--fill") { Description = $"{what}: {string.Join(", ", FillMethods.Names)} (default: migan when installed, else telea)." };
        option.AcceptOnlyFromAmong([.. FillMethods.Names]);
        return option;
    }

    /// <summary>The fill given, or null when the option was not used.</summary>
    public static FillMethod? Read(ParseResult pr, Option<string?> option) =>
        pr.GetValue(option) is { } name ? FillMethods.Parse(name) : null;
}
