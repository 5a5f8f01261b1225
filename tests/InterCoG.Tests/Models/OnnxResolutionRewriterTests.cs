using Xunit;
using System.Buffers.Binary;
using System.Text;
using InterCoG.Models.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InterCoG.Tests.Models;

/// <summary>The ONNX resolution rewrite on a tiny hand-built model: a 64×64 input, ceil-mode max-pooling to 32 and
/// 16, and two Resize nodes back up, one with an int64 initializer as sizes, one with a Concat of a computed
/// [N,C] and a Constant [H,W] (the two forms IS-Net's exports use).</summary>
public sealed class OnnxResolutionRewriterTests
{
    private static ProtoField Str(int n, string s) => ProtoField.OfBytes(n, Encoding.UTF8.GetBytes(s));

    private static ProtoField Msg(int n, params ProtoField[] fields)
    {
        var m = new ProtoMessage();
        m.Fields.AddRange(fields);
        return ProtoField.OfMessage(n, m);
    }

    private static ProtoField Int64Tensor(int field, string? name, params long[] values)
    {
        var raw = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(i * 8), values[i]);
        var fields = new List<ProtoField> { ProtoField.OfVarint(1, (ulong)values.Length), ProtoField.OfVarint(2, 7) };
        if (name != null) fields.Add(Str(8, name));
        fields.Add(ProtoField.OfBytes(9, raw));
        return Msg(field, [.. fields]);
    }

    private static ProtoField ValueInfo(int field, string name, params long[] dims) =>
        Msg(field, Str(1, name), Msg(2, Msg(1, ProtoField.OfVarint(1, 1), Msg(2, [.. dims.Select(d => Msg(1, ProtoField.OfVarint(1, (ulong)d)))]))));

    private static ProtoField Node(string op, string[] inputs, string[] outputs, params ProtoField[] attributes) =>
        Msg(1, [.. inputs.Select(i => Str(1, i)), .. outputs.Select(o => Str(2, o)), Str(4, op), .. attributes]);

    private static ProtoField IntAttr(string name, long value) => Msg(5, Str(1, name), ProtoField.OfVarint(3, (ulong)value), ProtoField.OfVarint(20, 2));

    private static ProtoField IntsAttr(string name, params long[] values) =>
        Msg(5, [Str(1, name), .. values.Select(v => ProtoField.OfVarint(8, (ulong)v)), ProtoField.OfVarint(20, 7)]);

    private static ProtoField StrAttr(string name, string value) => Msg(5, Str(1, name), Str(4, value), ProtoField.OfVarint(20, 3));

    internal static byte[] TinyModel()
    {
        var graph = new ProtoMessage();
        graph.Fields.AddRange(
        [
            Node("MaxPool", ["x"], ["p1"], IntsAttr("kernel_shape", 2, 2), IntsAttr("strides", 2, 2), IntAttr("ceil_mode", 1)),
            Node("MaxPool", ["p1"], ["p2"], IntsAttr("kernel_shape", 2, 2), IntsAttr("strides", 2, 2), IntAttr("ceil_mode", 1)),
            Node("Resize", ["p2", "", "", "sizes32"], ["u1"], StrAttr("mode", "linear")),
            Node("Add", ["u1", "p1"], ["s1"]),
            Node("Shape", ["s1"], ["shape"]),
            Node("Constant", [], ["starts"], Msg(5, Str(1, "value"), Int64Tensor(5, null, 0), ProtoField.OfVarint(20, 4))),
            Node("Constant", [], ["ends"], Msg(5, Str(1, "value"), Int64Tensor(5, null, 2), ProtoField.OfVarint(20, 4))),
            Node("Slice", ["shape", "starts", "ends"], ["nc"]),
            Node("Constant", [], ["hw"], Msg(5, Str(1, "value"), Int64Tensor(5, null, 64, 64), ProtoField.OfVarint(20, 4))),
            Node("Concat", ["nc", "hw"], ["sizes64"], IntAttr("axis", 0)),
            Node("Resize", ["s1", "", "", "sizes64"], ["y"], StrAttr("mode", "linear")),
            Str(2, "tiny"),
            Int64Tensor(5, "sizes32", 1, 3, 32, 32),
            ValueInfo(11, "x", 1, 3, 64, 64),
            ValueInfo(12, "y", 1, 3, 64, 64),
            ValueInfo(13, "p1", 1, 3, 32, 32),
        ]);
        var model = new ProtoMessage();
        model.Fields.AddRange(
        [
            ProtoField.OfVarint(1, 8),                      // ir_version
            Str(2, "intercog-test"),                        // producer_name
            ProtoField.OfMessage(7, graph),
            Msg(8, Str(1, ""), ProtoField.OfVarint(2, 15)), // opset_import
            Str(14, "metadata-stays"),                      // a field the rewriter does not know about
        ]);
        return model.ToBytes();
    }

    private static float[] Run(byte[] model, int size, out int[] outputDims)
    {
        using var session = new InferenceSession(model);
        Assert.Equal([1, 3, size, size], session.InputMetadata["x"].Dimensions);
        var input = new DenseTensor<float>([1, 3, size, size]);
        for (int i = 0; i < input.Length; i++) input.Buffer.Span[i] = i % 7;
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("x", input)]);
        var y = (DenseTensor<float>)results.First().Value;
        outputDims = y.Dimensions.ToArray();
        return y.Buffer.ToArray();
    }

    [Fact]
    public void Parse_and_write_round_trip_byte_for_byte()
    {
        byte[] model = TinyModel();
        Assert.Equal(model, ProtoMessage.Parse(model).ToBytes());
    }

    [Fact]
    public void The_tiny_model_runs_as_built()
    {
        Run(TinyModel(), 64, out int[] dims);
        Assert.Equal([1, 3, 64, 64], dims);
    }

    [Fact]
    public void Rewriting_to_32_changes_input_constants_and_outputs_and_the_model_runs_at_32()
    {
        var output = new MemoryStream();
        var result = OnnxResolutionRewriter.Rewrite(TinyModel(), 32, output);
        Assert.Equal(64, result.OriginalSize);
        Assert.Equal(2, result.RewrittenConstants);
        Assert.Equal(1, result.RewrittenOutputs);

        byte[] rewritten = output.ToArray();
        Run(rewritten, 32, out int[] dims);
        Assert.Equal([1, 3, 32, 32], dims);

        var model = ProtoMessage.Parse(rewritten);
        Assert.Equal("metadata-stays", model.GetString(14));
        var graph = model.Last(7)!.Value.AsMessage();
        Assert.Empty(graph.All(13)); // stale value_info dropped
        var sizes = graph.All(5).Single().AsMessage().Last(9)!.Value.Bytes.ToArray();
        Assert.Equal([1L, 3, 16, 16], Enumerable.Range(0, 4).Select(i => BinaryPrimitives.ReadInt64LittleEndian(sizes.AsSpan(i * 8))));
    }

    [Fact]
    public void Ceil_mode_sizes_follow_the_pooling_chain_for_sizes_not_divisible_by_every_stride()
    {
        var output = new MemoryStream();
        OnnxResolutionRewriter.Rewrite(TinyModel(), 96, output);
        Run(output.ToArray(), 96, out int[] dims);
        Assert.Equal([1, 3, 96, 96], dims);
        Assert.Equal(3, OnnxResolutionRewriter.Downscale(10, 2, ceil: true));
        Assert.Equal(2, OnnxResolutionRewriter.Downscale(10, 2, ceil: false));
    }

    [Fact]
    public void Rewriting_is_deterministic()
    {
        var a = new MemoryStream();
        var b = new MemoryStream();
        OnnxResolutionRewriter.Rewrite(TinyModel(), 32, a);
        OnnxResolutionRewriter.Rewrite(TinyModel(), 32, b);
        Assert.Equal(a.ToArray(), b.ToArray());
    }

    [Fact]
    public void A_model_without_a_square_image_input_is_refused()
    {
        var model = ProtoMessage.Parse(TinyModel());
        var graph = model.Last(7)!.Value.AsMessage();
        int i = graph.Fields.FindIndex(f => f.Number == 11);
        graph.Fields[i] = ValueInfo(11, "x", 1, 3, 64, 48);
        model.ReplaceMessage(model.Fields.FindIndex(f => f.Number == 7), graph);
        Assert.Throws<ModelFormatException>(() => OnnxResolutionRewriter.Rewrite(model.ToBytes(), 32, new MemoryStream()));
    }

    [Fact]
    public void Sizes_that_are_not_multiples_of_32_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => OnnxResolutionRewriter.Rewrite(TinyModel(), 100, new MemoryStream()));
    }
}
