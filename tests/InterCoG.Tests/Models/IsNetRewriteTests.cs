using InterCoG.Tests.TestSupport;
using System.Security.Cryptography;
using InterCoG.Models;
using InterCoG.Models.Onnx;
using Microsoft.ML.OnnxRuntime;
using Xunit;

namespace InterCoG.Tests.Models;

/// <summary>The resolution rewrite on the real IS-Net: the same bytes as the catalogue's derived file, and a
/// model ONNX Runtime loads with the new input and output shapes.</summary>
[Collection(ModelCollection.Name)]
public sealed class IsNetRewriteTests(ModelFixture models)
{
    [Fact]
    public void Rewriting_IsNet_to_320_reproduces_the_catalogued_file_and_loads_at_320()
    {
        byte[] original = File.ReadAllBytes(models.Store.RequirePath(ModelCatalog.IsNet));
        var output = new MemoryStream();
        var result = OnnxResolutionRewriter.Rewrite(original, 320, output);
        Assert.Equal(1024, result.OriginalSize);
        Assert.Equal(39, result.RewrittenConstants); // one sizes constant per Resize node
        Assert.Equal(12, result.RewrittenOutputs);

        byte[] rewritten = output.ToArray();
        var spec = ModelCatalog.Get(ModelCatalog.IsNetAt(320));
        Assert.Equal(spec.SizeBytes, rewritten.Length);
        Assert.Equal(spec.Sha256, Convert.ToHexStringLower(SHA256.HashData(rewritten)));

        using var session = new InferenceSession(rewritten);
        Assert.Equal([1, 3, 320, 320], session.InputMetadata.First().Value.Dimensions);
        Assert.Equal([1, 1, 320, 320], session.OutputMetadata.First().Value.Dimensions);
    }

    [Fact]
    public void The_fixture_installed_every_catalogued_model_but_the_optional_ones()
    {
        Assert.All(models.Store.List().Where(m => !m.Optional), m => Assert.Equal(ModelState.Ok, m.State));
        Assert.Contains(models.Store.List(), m => m.Optional);
    }
}
