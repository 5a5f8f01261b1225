using System.Buffers.Binary;

namespace InterCoG.Models.Onnx;

/// <summary>Protocol-buffer wire types (the low three bits of a field key).</summary>
internal enum WireType
{
    Varint = 0,
    Fixed64 = 1,
    LengthDelimited = 2,
    Fixed32 = 5,
}

/// <summary>One field as it appears on the wire: number, wire type, and either the varint/fixed value or the
/// length-delimited payload (a slice of the original buffer, never copied).</summary>
internal readonly record struct ProtoField(int Number, WireType Type, ulong Value, ReadOnlyMemory<byte> Bytes)
{
    public static ProtoField OfVarint(int number, ulong value) => new(number, WireType.Varint, value, default);

    public static ProtoField OfBytes(int number, ReadOnlyMemory<byte> bytes) => new(number, WireType.LengthDelimited, 0, bytes);

    public static ProtoField OfMessage(int number, ProtoMessage message) => OfBytes(number, message.ToBytes());

    public string AsString() => System.Text.Encoding.UTF8.GetString(Bytes.Span);

    public ProtoMessage AsMessage() => ProtoMessage.Parse(Bytes);
}

/// <summary>A protocol-buffer message kept as its ordered list of wire fields, so that fields this code does not
/// know (or does not touch) are written back byte for byte. Used to edit ONNX models without generated classes.</summary>
internal sealed class ProtoMessage
{
    public List<ProtoField> Fields { get; } = [];

    /// <summary>Parse one message from <paramref name="data"/>; length-delimited payloads stay slices of it.</summary>
    public static ProtoMessage Parse(ReadOnlyMemory<byte> data)
    {
        var msg = new ProtoMessage();
        ReadOnlySpan<byte> span = data.Span;
        int pos = 0;
        while (pos < span.Length)
        {
            ulong key = ReadVarint(span, ref pos);
            int number = (int)(key >> 3);
            var type = (WireType)(key & 7);
            if (number <= 0) throw new FormatException($"protobuf: bad field number {number} at byte {pos}");
            switch (type)
            {
                case WireType.Varint:
                    msg.Fields.Add(new ProtoField(number, type, ReadVarint(span, ref pos), default));
                    break;
                case WireType.Fixed64:
                    Need(span, pos, 8);
                    msg.Fields.Add(new ProtoField(number, type, BinaryPrimitives.ReadUInt64LittleEndian(span[pos..]), default));
                    pos += 8;
                    break;
                case WireType.Fixed32:
                    Need(span, pos, 4);
                    msg.Fields.Add(new ProtoField(number, type, BinaryPrimitives.ReadUInt32LittleEndian(span[pos..]), default));
                    pos += 4;
                    break;
                case WireType.LengthDelimited:
                    ulong len = ReadVarint(span, ref pos);
                    if (len > (ulong)(span.Length - pos)) throw new FormatException($"protobuf: field {number} length {len} runs past the end");
                    msg.Fields.Add(new ProtoField(number, type, 0, data.Slice(pos, (int)len)));
                    pos += (int)len;
                    break;
                default:
                    throw new FormatException($"protobuf: unsupported wire type {(int)type} for field {number}");
            }
        }
        return msg;
    }

    /// <summary>All fields with <paramref name="number"/>, in wire order.</summary>
    public IEnumerable<ProtoField> All(int number) => Fields.Where(f => f.Number == number);

    /// <summary>The last field with <paramref name="number"/> (protobuf's "last one wins"), or null.</summary>
    public ProtoField? Last(int number)
    {
        for (int i = Fields.Count - 1; i >= 0; i--)
            if (Fields[i].Number == number) return Fields[i];
        return null;
    }

    public string? GetString(int number) => Last(number)?.AsString();

    public long? GetInt64(int number) => Last(number) is { } f ? (long)f.Value : null;

    /// <summary>Values of a repeated int64 field, accepting both packed and unpacked encodings.</summary>
    public List<long> GetRepeatedInt64(int number)
    {
        var values = new List<long>();
        foreach (var f in All(number))
        {
            if (f.Type == WireType.Varint) { values.Add((long)f.Value); continue; }
            ReadOnlySpan<byte> s = f.Bytes.Span;
            int p = 0;
            while (p < s.Length) values.Add((long)ReadVarint(s, ref p));
        }
        return values;
    }

    /// <summary>Replace every occurrence of a repeated int64 field by one packed field at the first occurrence's place.</summary>
    public void SetRepeatedInt64(int number, IReadOnlyList<long> values)
    {
        int at = Fields.FindIndex(f => f.Number == number);
        Fields.RemoveAll(f => f.Number == number);
        var buf = new MemoryStream();
        foreach (long v in values) WriteVarint(buf, (ulong)v);
        var field = ProtoField.OfBytes(number, buf.ToArray());
        Fields.Insert(at < 0 ? Fields.Count : Math.Min(at, Fields.Count), field);
    }

    /// <summary>Replace the field at <paramref name="index"/> with an edited sub-message.</summary>
    public void ReplaceMessage(int index, ProtoMessage message) => Fields[index] = ProtoField.OfMessage(Fields[index].Number, message);

    public void WriteTo(Stream s)
    {
        foreach (var f in Fields)
        {
            WriteVarint(s, ((ulong)f.Number << 3) | (ulong)f.Type);
            switch (f.Type)
            {
                case WireType.Varint: WriteVarint(s, f.Value); break;
                case WireType.Fixed64:
                    {
                        Span<byte> b = stackalloc byte[8];
                        BinaryPrimitives.WriteUInt64LittleEndian(b, f.Value);
                        s.Write(b);
                        break;
                    }
                case WireType.Fixed32:
                    {
                        Span<byte> b = stackalloc byte[4];
                        BinaryPrimitives.WriteUInt32LittleEndian(b, (uint)f.Value);
                        s.Write(b);
                        break;
                    }
                case WireType.LengthDelimited:
                    WriteVarint(s, (ulong)f.Bytes.Length);
                    s.Write(f.Bytes.Span);
                    break;
            }
        }
    }

    public byte[] ToBytes()
    {
        var ms = new MemoryStream();
        WriteTo(ms);
        return ms.ToArray();
    }

    internal static ulong ReadVarint(ReadOnlySpan<byte> s, ref int pos)
    {
        ulong result = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (pos >= s.Length) throw new FormatException("protobuf: truncated varint");
            byte b = s[pos++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return result;
        }
        throw new FormatException("protobuf: varint longer than 10 bytes");
    }

    internal static void WriteVarint(Stream s, ulong v)
    {
        while (v >= 0x80)
        {
            s.WriteByte((byte)(v | 0x80));
            v >>= 7;
        }
        s.WriteByte((byte)v);
    }

    private static void Need(ReadOnlySpan<byte> s, int pos, int n)
    {
        if (s.Length - pos < n) throw new FormatException("protobuf: truncated fixed-width field");
    }
}
