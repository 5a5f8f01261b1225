using System.Buffers.Binary;

namespace InterCoG.Models.Onnx;

/// <summary>Rewrites a fully convolutional ONNX model exported at a fixed square input size (e.g. IS-Net at
/// 1×3×1024×1024) to another fixed size S×S: the graph input's H and W, every constant spatial size that feeds a
/// Resize (directly, or as the constant tail of a Concat) or a Reshape (where flattened sizes H·W, or sums of several
/// levels' H·W, are mapped too, as a detection head flattens its levels), and the graph outputs' H and W (or flattened
/// anchor counts, e.g. YOLOX's 1×N×85). Stale
/// value_info entries are dropped (ONNX Runtime infers them again). Every other byte is copied through unchanged,
/// so the same input gives the same output bytes.</summary>
public static class OnnxResolutionRewriter
{
    // onnx.proto field numbers (checked against onnx-ml.proto).
    private const int ModelGraph = 7;
    private const int GraphNode = 1, GraphInitializer = 5, GraphInput = 11, GraphOutput = 12, GraphValueInfo = 13;
    private const int NodeInput = 1, NodeOutput = 2, NodeOpType = 4, NodeAttribute = 5;
    private const int AttrName = 1, AttrI = 3, AttrT = 5;
    private const int TensorDims = 1, TensorDataType = 2, TensorInt64Data = 7, TensorName = 8, TensorRawData = 9;
    private const int ValueInfoName = 1, ValueInfoType = 2, TypeTensor = 1, TypeTensorShape = 2, ShapeDim = 1, DimValue = 1;
    private const int DataTypeInt64 = 7;

    /// <summary>Describes a rewrite: the original and new input side, how many constant tensors changed value, and how
    /// many graph outputs had their H and W rewritten.</summary>
    public sealed record Result(int OriginalSize, int NewSize, int RewrittenConstants, int RewrittenOutputs);

    /// <summary>Rewrite <paramref name="model"/> (serialized ModelProto) for an S×S input and write it to
    /// <paramref name="output"/>. Throws <see cref="ModelFormatException"/> when the model does not have one
    /// square NCHW image input or holds a spatial constant that is not the input size divided by a power of two.</summary>
    public static Result Rewrite(ReadOnlyMemory<byte> model, int newSize, Stream output)
    {
        if (newSize < 32 || newSize % 32 != 0)
            throw new ArgumentOutOfRangeException(nameof(newSize), newSize, "the new input size must be a positive multiple of 32");
        ProtoMessage modelMsg;
        try { modelMsg = ProtoMessage.Parse(model); }
        catch (FormatException e) { throw new ModelFormatException($"ONNX rewrite: not a protobuf model ({e.Message})", e); }
        int graphIndex = modelMsg.Fields.FindLastIndex(f => f.Number == ModelGraph);
        if (graphIndex < 0) throw new ModelFormatException("ONNX rewrite: the model has no graph");
        var graph = modelMsg.Fields[graphIndex].AsMessage();
        var rewriter = new GraphRewrite(graph, newSize);
        var result = rewriter.Run();
        modelMsg.ReplaceMessage(graphIndex, graph);
        modelMsg.WriteTo(output);
        return result;
    }

    /// <summary>Convenience overload: rewrite the file at <paramref name="sourcePath"/> into <paramref name="targetPath"/>.</summary>
    public static Result RewriteFile(string sourcePath, string targetPath, int newSize)
    {
        byte[] bytes = File.ReadAllBytes(sourcePath);
        using var fs = new FileStream(targetPath, FileMode.Create, FileAccess.Write, FileShare.None);
        return Rewrite(bytes, newSize, fs);
    }

    /// <summary>Size of a feature map <paramref name="level"/> stride-2 steps below an input of <paramref name="size"/>,
    /// rounding up (ceil_mode pooling, padded stride-2 convolution) or down.</summary>
    internal static long Downscale(long size, int level, bool ceil)
    {
        for (int i = 0; i < level; i++) size = ceil ? (size + 1) / 2 : size / 2;
        return size;
    }

    private sealed class GraphRewrite(ProtoMessage graph, int newSize)
    {
        private readonly Dictionary<string, int> _initializerIndex = [];
        private readonly Dictionary<string, int> _producerIndex = [];
        private readonly Dictionary<int, ProtoMessage> _nodes = [];
        private readonly HashSet<string> _rewritten = [];
        private long _originalSize;
        private bool _ceil;

        public Result Run()
        {
            for (int i = 0; i < graph.Fields.Count; i++)
            {
                var f = graph.Fields[i];
                if (f.Number == GraphInitializer)
                {
                    string? name = f.AsMessage().GetString(TensorName);
                    if (name != null) _initializerIndex[name] = i;
                }
                else if (f.Number == GraphNode)
                {
                    var node = f.AsMessage();
                    _nodes[i] = node;
                    foreach (var o in node.All(NodeOutput)) _producerIndex[o.AsString()] = i;
                }
            }

            RewriteInput();
            _ceil = ReadCeilMode();

            int constants = 0;
            foreach (var node in _nodes.Values.ToArray())
            {
                string op = node.GetString(NodeOpType) ?? "";
                var inputs = node.All(NodeInput).Select(x => x.AsString()).ToList();
                if (op == "Resize" && inputs.Count >= 4 && inputs[3].Length > 0)
                    constants += RewriteSpatialTail(inputs[3], 2);
                else if (op == "Reshape" && inputs.Count >= 2)
                    constants += RewriteSpatialTail(inputs[1], 2, flat: true);
            }

            int outputs = 0;
            for (int i = 0; i < graph.Fields.Count; i++)
                if (graph.Fields[i].Number == GraphOutput && (RewriteValueInfoDims(i, null) || RewriteFlatOutputDims(i))) outputs++;
            graph.Fields.RemoveAll(f => f.Number == GraphValueInfo);
            foreach (var (index, node) in _nodes) graph.ReplaceMessage(index, node);
            return new Result((int)_originalSize, newSize, constants, outputs);
        }

        private void RewriteInput()
        {
            var candidates = new List<int>();
            for (int i = 0; i < graph.Fields.Count; i++)
            {
                var f = graph.Fields[i];
                if (f.Number != GraphInput) continue;
                string name = f.AsMessage().GetString(ValueInfoName) ?? "";
                if (!_initializerIndex.ContainsKey(name)) candidates.Add(i);
            }
            if (candidates.Count != 1)
                throw new ModelFormatException($"ONNX rewrite: expected one image input, found {candidates.Count}");
            var dims = ReadDims(graph.Fields[candidates[0]].AsMessage());
            if (dims is not { Count: 4 } || dims[2] <= 0 || dims[2] != dims[3])
                throw new ModelFormatException($"ONNX rewrite: expected a square N×C×H×W input, found [{string.Join(",", dims ?? [])}]");
            _originalSize = dims[2];
            RewriteValueInfoDims(candidates[0], newSize);
        }

        private bool ReadCeilMode()
        {
            var modes = new HashSet<long>();
            foreach (var node in _nodes.Values)
            {
                if (node.GetString(NodeOpType) is not ("MaxPool" or "AveragePool")) continue;
                long mode = 0;
                foreach (var a in node.All(NodeAttribute).Select(a => a.AsMessage()))
                    if (a.GetString(AttrName) == "ceil_mode") mode = a.GetInt64(AttrI) ?? 0;
                modes.Add(mode);
            }
            if (modes.Count > 1) throw new ModelFormatException("ONNX rewrite: pooling layers mix ceil_mode 0 and 1");
            return modes.Count == 0 || modes.Contains(1);
        }

        /// <summary>Map one spatial size of the original graph to the new one.</summary>
        private long MapSize(long v) =>
            TryMapSize(v) ?? throw new ModelFormatException($"ONNX rewrite: spatial constant {v} is not {_originalSize} divided by a power of two");

        /// <summary>The new size of a spatial size (the input divided by a power of two), v itself for v ≤ 0, else null.</summary>
        private long? TryMapSize(long v)
        {
            if (v <= 0) return v;
            for (int level = 0; (_originalSize >> level) >= 1; level++)
                if (_originalSize >> level == v && (_originalSize >> level) << level == _originalSize)
                    return Downscale(newSize, level, _ceil);
            return null;
        }

        /// <summary>Map a size of a flattened feature map: the area of one pyramid level (H·W with H = W = the input
        /// divided by a power of two) or the sum of several distinct levels' areas (the anchors of a detection head that
        /// concatenates its levels, e.g. YOLOX-nano's 3549 = 52² + 26² + 13² at 416); null when it is neither.</summary>
        private long? MapFlat(long v)
        {
            if (v <= 1) return null;
            var levels = new List<(long Area, long Mapped)>();
            for (int level = 0; _originalSize >> level >= 2 && levels.Count < 12; level++)
                if ((_originalSize >> level) << level == _originalSize)
                {
                    long side = _originalSize >> level, mapped = Downscale(newSize, level, _ceil);
                    levels.Add((side * side, mapped * mapped));
                }
            for (int mask = 1; mask < 1 << levels.Count; mask++)
            {
                long sum = 0, mappedSum = 0;
                for (int k = 0; k < levels.Count; k++)
                    if ((mask & (1 << k)) != 0) { sum += levels[k].Area; mappedSum += levels[k].Mapped; }
                if (sum == v) return mappedSum;
            }
            return null;
        }

        /// <summary>A graph output that is not N×C×H×W (a detection head's 1×anchors×85): dims after the first that are
        /// flattened feature-map sizes (<see cref="MapFlat"/>) are mapped, the rest kept. Returns whether any changed.</summary>
        private bool RewriteFlatOutputDims(int fieldIndex) => RewriteShape(fieldIndex, (shape, dimIdx) =>
        {
            bool changed = false;
            for (int d = 1; d < dimIdx.Count; d++)
            {
                var dim = shape.Fields[dimIdx[d]].AsMessage();
                int vIdx = dim.Fields.FindLastIndex(f => f.Number == DimValue);
                if (vIdx < 0 || MapFlat((long)dim.Fields[vIdx].Value) is not long mapped) continue;
                dim.Fields[vIdx] = ProtoField.OfVarint(DimValue, (ulong)mapped);
                shape.ReplaceMessage(dimIdx[d], dim);
                changed = true;
            }
            return changed;
        });

        /// <summary>Rewrite the last <paramref name="count"/> elements of the int64 vector named <paramref name="name"/>
        /// when it is constant; follows Concat into its constant tail. Returns how many tensors changed. With
        /// <paramref name="flat"/> (a Reshape's target shape) an element may also be a flattened feature-map size
        /// (<see cref="MapFlat"/>), and an element that is neither (a channel count) is kept.</summary>
        private int RewriteSpatialTail(string name, int count, bool flat = false)
        {
            if (count <= 0 || _rewritten.Contains(name)) return 0;
            if (_initializerIndex.TryGetValue(name, out int initIndex))
            {
                var tensor = graph.Fields[initIndex].AsMessage();
                if (!RewriteTensorTail(tensor, count, flat)) return 0;
                graph.ReplaceMessage(initIndex, tensor);
                _rewritten.Add(name);
                return 1;
            }
            if (!_producerIndex.TryGetValue(name, out int nodeIndex)) return 0;
            var node = _nodes[nodeIndex];
            string op = node.GetString(NodeOpType) ?? "";
            if (op == "Constant")
            {
                for (int i = 0; i < node.Fields.Count; i++)
                {
                    if (node.Fields[i].Number != NodeAttribute) continue;
                    var attr = node.Fields[i].AsMessage();
                    int tIndex = attr.Fields.FindLastIndex(f => f.Number == AttrT);
                    if (attr.GetString(AttrName) != "value" || tIndex < 0) continue;
                    var tensor = attr.Fields[tIndex].AsMessage();
                    if (!RewriteTensorTail(tensor, count, flat)) return 0;
                    attr.ReplaceMessage(tIndex, tensor);
                    node.ReplaceMessage(i, attr);
                    _rewritten.Add(name);
                    return 1;
                }
                return 0;
            }
            if (op == "Concat")
            {
                int changed = 0, remaining = count;
                var inputs = node.All(NodeInput).Select(x => x.AsString()).Reverse();
                foreach (string input in inputs)
                {
                    long length = ConstantLength(input);
                    if (length < 0) break; // a computed part (e.g. Slice of Shape) adapts by itself
                    changed += RewriteSpatialTail(input, (int)Math.Min(remaining, length), flat);
                    remaining -= (int)length;
                    if (remaining <= 0) break;
                }
                return changed;
            }
            return 0;
        }

        /// <summary>Element count of a constant rank-1 tensor, or −1 when it is computed at run time.</summary>
        private long ConstantLength(string name)
        {
            ProtoMessage? tensor = null;
            if (_initializerIndex.TryGetValue(name, out int i)) tensor = graph.Fields[i].AsMessage();
            else if (_producerIndex.TryGetValue(name, out int n) && _nodes[n].GetString(NodeOpType) == "Constant")
                tensor = _nodes[n].All(NodeAttribute).Select(a => a.AsMessage()).Where(a => a.GetString(AttrName) == "value")
                    .Select(a => a.Last(AttrT)?.AsMessage()).FirstOrDefault();
            if (tensor == null) return -1;
            var dims = tensor.GetRepeatedInt64(TensorDims);
            return dims.Count == 1 ? dims[0] : -1;
        }

        private bool RewriteTensorTail(ProtoMessage tensor, int count, bool flat)
        {
            long Map(long v) => !flat ? MapSize(v) : TryMapSize(v) ?? MapFlat(v) ?? v;
            if (tensor.GetInt64(TensorDataType) != DataTypeInt64) return false;
            var dims = tensor.GetRepeatedInt64(TensorDims);
            if (dims.Count != 1) return false;
            if (tensor.Last(TensorRawData) is { } raw)
            {
                byte[] bytes = raw.Bytes.ToArray();
                int n = bytes.Length / 8;
                bool changed = false;
                for (int k = Math.Max(0, n - count); k < n; k++)
                {
                    long v = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(k * 8));
                    long mapped = Map(v);
                    changed |= mapped != v;
                    BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(k * 8), mapped);
                }
                if (!changed) return false;
                int idx = tensor.Fields.FindLastIndex(f => f.Number == TensorRawData);
                tensor.Fields[idx] = ProtoField.OfBytes(TensorRawData, bytes);
            }
            else
            {
                var values = tensor.GetRepeatedInt64(TensorInt64Data);
                bool changed = false;
                for (int k = Math.Max(0, values.Count - count); k < values.Count; k++)
                {
                    long mapped = Map(values[k]);
                    changed |= mapped != values[k];
                    values[k] = mapped;
                }
                if (!changed) return false;
                tensor.SetRepeatedInt64(TensorInt64Data, values);
            }
            return true;
        }

        /// <summary>Set H and W (dims 2 and 3) of the ValueInfo at <paramref name="fieldIndex"/> to
        /// <paramref name="fixedSize"/>, or map them when null. Returns false when the shape is not rank 4.</summary>
        private bool RewriteValueInfoDims(int fieldIndex, long? fixedSize) => RewriteShape(fieldIndex, (shape, dimIdx) =>
        {
            if (dimIdx.Count != 4) return false;
            for (int d = 2; d < 4; d++)
            {
                var dim = shape.Fields[dimIdx[d]].AsMessage();
                int vIdx = dim.Fields.FindLastIndex(f => f.Number == DimValue);
                if (vIdx < 0) continue; // symbolic dimension: leave it
                long v = (long)dim.Fields[vIdx].Value;
                dim.Fields[vIdx] = ProtoField.OfVarint(DimValue, (ulong)(fixedSize ?? MapSize(v)));
                shape.ReplaceMessage(dimIdx[d], dim);
            }
            return true;
        });

        /// <summary>The tensor shape of the ValueInfo at <paramref name="fieldIndex"/> handed to <paramref name="edit"/>
        /// (the shape message and the field indexes of its dims); when edit returns true the edited shape is written back
        /// through the type into the graph. Returns false when the ValueInfo has no tensor shape or edit returns false.</summary>
        private bool RewriteShape(int fieldIndex, Func<ProtoMessage, List<int>, bool> edit)
        {
            var vi = graph.Fields[fieldIndex].AsMessage();
            int typeIdx = vi.Fields.FindLastIndex(f => f.Number == ValueInfoType);
            if (typeIdx < 0) return false;
            var type = vi.Fields[typeIdx].AsMessage();
            int ttIdx = type.Fields.FindLastIndex(f => f.Number == TypeTensor);
            if (ttIdx < 0) return false;
            var tt = type.Fields[ttIdx].AsMessage();
            int shapeIdx = tt.Fields.FindLastIndex(f => f.Number == TypeTensorShape);
            if (shapeIdx < 0) return false;
            var shape = tt.Fields[shapeIdx].AsMessage();
            var dimIdx = Enumerable.Range(0, shape.Fields.Count).Where(k => shape.Fields[k].Number == ShapeDim).ToList();
            if (!edit(shape, dimIdx)) return false;
            tt.ReplaceMessage(shapeIdx, shape);
            type.ReplaceMessage(ttIdx, tt);
            vi.ReplaceMessage(typeIdx, type);
            graph.ReplaceMessage(fieldIndex, vi);
            return true;
        }

        private static List<long>? ReadDims(ProtoMessage valueInfo)
        {
            var shape = valueInfo.Last(ValueInfoType)?.AsMessage().Last(TypeTensor)?.AsMessage().Last(TypeTensorShape)?.AsMessage();
            if (shape == null) return null;
            return shape.All(ShapeDim).Select(d => d.AsMessage().GetInt64(DimValue) ?? -1).ToList();
        }
    }
}
