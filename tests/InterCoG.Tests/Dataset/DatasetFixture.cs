using InterCoG.Data;
using InterCoG.Dataset;
using InterCoG.Tests.TestSupport;

namespace InterCoG.Tests.Dataset;

/// <summary>One annotation source of the tests: its instances file and images folder.</summary>
public sealed record DatasetSource(string Name, string Instances, string Images)
{
    public static DatasetSource Kitchen { get; } = new("kitchen", Path.Combine(TestPaths.RefCoco3ds, "kitchen", "instances.json"), Path.Combine(TestPaths.RefCoco3ds, "kitchen", "images"));
    public static DatasetSource Livingroom { get; } = new("livingroom", Path.Combine(TestPaths.RefCoco3ds, "livingroom", "instances.json"), Path.Combine(TestPaths.RefCoco3ds, "livingroom", "images"));
    public static DatasetSource Voc { get; } = new("voc", Path.Combine(TestPaths.VocInstances, "coco", "annotations.json"), Path.Combine(TestPaths.VocInstances, "coco"));
    public static DatasetSource[] All { get; } = [Kitchen, Livingroom, Voc];
}

/// <summary>Builds the expression-and-annotation datasets (no edited images) of the three sources once for a test class.</summary>
public sealed class DatasetFixture : IDisposable
{
    public string Root { get; } = TestPaths.TempDir("dataset");
    public Dictionary<string, (CocoDataset Coco, string Dir, List<DatasetSample> Samples)> Built { get; } = [];

    public DatasetFixture()
    {
        foreach (var src in DatasetSource.All)
        {
            var coco = CocoDataset.Load(src.Instances);
            string dir = Path.Combine(Root, src.Name);
            DatasetBuilder.Build(coco, src.Images, dir, new DatasetOptions { Edits = false, Seed = 7 });
            Built[src.Name] = (coco, dir, DatasetInspector.ReadManifest(dir));
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
