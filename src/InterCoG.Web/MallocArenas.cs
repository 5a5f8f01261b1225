using System.Runtime.InteropServices;

namespace InterCoG.Web;

/// <summary>Caps glibc's malloc arenas for a long-running server. Each thread that allocates native memory (OpenCV,
/// ONNX Runtime) may otherwise get an arena of its own, and freed blocks scattered over many arenas are rarely given
/// back: the resident size creeps up request after request (bench/LOAD.md measured +6 % over 4 minutes with the
/// default, flat with 2 arenas). Linux with glibc only; elsewhere nothing happens.</summary>
public static class MallocArenas
{
    private const int MArenaMax = -8; // M_ARENA_MAX in glibc's malloc.h

    /// <summary>Arenas for a serving process: 2 kept the resident size flat in bench/load.sh.</summary>
    public const int ServerCount = 2;

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int MallOpt(int param, int value);

    /// <summary>Limit new arenas to <paramref name="count"/> (≥ 1); returns true when glibc accepted it. Arenas that
    /// already exist stay; call it first thing at start-up (`intercog serve` does), before request threads allocate.</summary>
    public static bool Limit(int count)
    {
        if (count < 1 || !OperatingSystem.IsLinux()) return false;
        try { return MallOpt(MArenaMax, count) == 1; }
        catch (DllNotFoundException) { return false; }   // not glibc (e.g. musl)
        catch (EntryPointNotFoundException) { return false; }
    }
}
