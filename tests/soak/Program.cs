using System.Globalization;

namespace InterCoG.Soak;

/// <summary><c>InterCoG.Soak [--seconds N] [--clients N] [--seed N] [--rss-bound-mb N] [--cli PATH] [-- SERVE_ARGS…]</c>:
/// runs <see cref="SoakRun"/> and prints its summary; exit 0 when it passed, 1 when not, 2 for bad arguments.</summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var o = new SoakOptions { Log = Console.Out };
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                switch (args[i])
                {
                    case "--seconds": o = o with { Duration = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)) }; break;
                    case "--clients": o = o with { Clients = int.Parse(Next(), CultureInfo.InvariantCulture) }; break;
                    case "--seed": o = o with { Seed = int.Parse(Next(), CultureInfo.InvariantCulture) }; break;
                    case "--rss-bound-mb": o = o with { RssBoundBytes = (long)(double.Parse(Next(), CultureInfo.InvariantCulture) * 1024 * 1024) }; break;
                    case "--cli": o = o with { CliDll = Next() }; break;
                    case "--": o = o with { ServeArgs = args[(i + 1)..] }; i = args.Length; break;
                    default: throw new ArgumentException($"unknown argument {args[i]}");
                }
            }
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
        {
            Console.Error.WriteLine($"soak: {e.Message}");
            return 2;
        }
        var report = await SoakRun.RunAsync(o);
        Console.WriteLine(report.Format());
        return report.Passed ? 0 : 1;
    }
}
