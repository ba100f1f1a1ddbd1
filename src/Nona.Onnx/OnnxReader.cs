// Reads the parts of an ONNX model that weight import needs, straight from the protobuf wire format
// (https://protobuf.dev/programming-guides/encoding/). Field numbers follow onnx/onnx.proto; everything else
// (doc strings, value_info, training info, sparse tensors, ...) is skipped. Our own reader rather than
// Google.Protobuf + generated code: five messages and a handful of fields do not justify a code generator.
using System.Buffers.Binary;
using System.Text;

namespace Nona.Onnx;

/// <summary>An ONNX <c>ModelProto</c>: the header fields and its main graph.</summary>
public sealed record OnnxModel(long IrVersion, string ProducerName, IReadOnlyDictionary<string, long> Opsets, OnnxGraph Graph)
{
    /// <summary>Reads a <c>.onnx</c> file (weights stored inside it; external data is not supported).</summary>
    public static OnnxModel Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"ONNX model not found: {path}", path);
        try
        {
            return Parse(File.ReadAllBytes(path));
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: not a readable ONNX model ({e.Message})", e);
        }
    }

    /// <summary>Parses the bytes of a serialized <c>ModelProto</c>.</summary>
    public static OnnxModel Parse(ReadOnlyMemory<byte> bytes)
    {
        long irVersion = 0;
        var producer = "";
        var opsets = new Dictionary<string, long>();
        OnnxGraph? graph = null;
        var reader = new ProtoReader(bytes);
        while (reader.Next(out var field, out var wire))
        {
            switch (field)
            {
                case 1: irVersion = (long)reader.Varint(wire); break;
                case 2: producer = reader.String(wire); break;
                case 7: graph = OnnxGraph.Parse(reader.Bytes(wire)); break;
                case 8:
                    var opset = new ProtoReader(reader.Bytes(wire));
                    string domain = "";
                    long version = 0;
                    while (opset.Next(out var f, out var w))
                    {
                        if (f == 1) domain = opset.String(w);
                        else if (f == 2) version = (long)opset.Varint(w);
                        else opset.Skip(w);
                    }

                    opsets[domain] = version;
                    break;
                default: reader.Skip(wire); break;
            }
        }

        return new OnnxModel(irVersion, producer, opsets, graph ?? throw new InvalidDataException("the model has no graph"));
    }
}

/// <summary>An ONNX <c>GraphProto</c>: nodes in the file's (topological) order, initializers, inputs and outputs.</summary>
public sealed record OnnxGraph(
    IReadOnlyList<OnnxNode> Nodes,
    IReadOnlyDictionary<string, OnnxTensor> Initializers,
    IReadOnlyList<OnnxValueInfo> Inputs,
    IReadOnlyList<OnnxValueInfo> Outputs)
{
    internal static OnnxGraph Parse(ReadOnlyMemory<byte> bytes)
    {
        var nodes = new List<OnnxNode>();
        var initializers = new Dictionary<string, OnnxTensor>();
        var inputs = new List<OnnxValueInfo>();
        var outputs = new List<OnnxValueInfo>();
        var reader = new ProtoReader(bytes);
        while (reader.Next(out var field, out var wire))
        {
            switch (field)
            {
                case 1: nodes.Add(OnnxNode.Parse(reader.Bytes(wire))); break;
                case 5:
                    var tensor = OnnxTensor.Parse(reader.Bytes(wire));
                    initializers[tensor.Name] = tensor;
                    break;
                case 11: inputs.Add(OnnxValueInfo.Parse(reader.Bytes(wire))); break;
                case 12: outputs.Add(OnnxValueInfo.Parse(reader.Bytes(wire))); break;
                default: reader.Skip(wire); break;
            }
        }

        return new OnnxGraph(nodes, initializers, inputs, outputs);
    }
}

/// <summary>A graph input or output: its name and its tensor shape (-1 for a symbolic dimension).</summary>
public sealed record OnnxValueInfo(string Name, IReadOnlyList<long> Shape)
{
    internal static OnnxValueInfo Parse(ReadOnlyMemory<byte> bytes)
    {
        var name = "";
        var shape = new List<long>();
        var reader = new ProtoReader(bytes);
        while (reader.Next(out var field, out var wire))
        {
            if (field == 1)
                name = reader.String(wire);
            else if (field == 2)
                ReadShape(reader.Bytes(wire), shape); // TypeProto
            else
                reader.Skip(wire);
        }

        return new OnnxValueInfo(name, shape);
    }

    // TypeProto.tensor_type (1) → Tensor.shape (2) → TensorShapeProto.dim (1) → dim_value (1) | dim_param (2).
    private static void ReadShape(ReadOnlyMemory<byte> typeProto, List<long> shape)
    {
        var dims = ProtoReader.Messages(typeProto, 1)
            .SelectMany(tensorType => ProtoReader.Messages(tensorType, 2))
            .SelectMany(shapeProto => ProtoReader.Messages(shapeProto, 1));
        foreach (var dim in dims)
        {
            long value = -1;
            var reader = new ProtoReader(dim);
            while (reader.Next(out var field, out var wire))
            {
                if (field == 1) value = (long)reader.Varint(wire);
                else reader.Skip(wire);
            }

            shape.Add(value);
        }
    }
}

/// <summary>An ONNX <c>NodeProto</c>.</summary>
public sealed record OnnxNode(
    string Name,
    string OpType,
    IReadOnlyList<string> Inputs,
    IReadOnlyList<string> Outputs,
    IReadOnlyDictionary<string, OnnxAttribute> Attributes)
{
    internal static OnnxNode Parse(ReadOnlyMemory<byte> bytes)
    {
        var name = "";
        var opType = "";
        var inputs = new List<string>();
        var outputs = new List<string>();
        var attributes = new Dictionary<string, OnnxAttribute>();
        var reader = new ProtoReader(bytes);
        while (reader.Next(out var field, out var wire))
        {
            switch (field)
            {
                case 1: inputs.Add(reader.String(wire)); break;
                case 2: outputs.Add(reader.String(wire)); break;
                case 3: name = reader.String(wire); break;
                case 4: opType = reader.String(wire); break;
                case 5:
                    var attribute = OnnxAttribute.Parse(reader.Bytes(wire));
                    attributes[attribute.Name] = attribute;
                    break;
                default: reader.Skip(wire); break;
            }
        }

        return new OnnxNode(name, opType, inputs, outputs, attributes);
    }

    /// <summary>An integer attribute, or <paramref name="fallback"/> when the node does not set it.</summary>
    public long Int(string name, long fallback) => Attributes.TryGetValue(name, out var a) ? a.I : fallback;

    /// <summary>A float attribute, or <paramref name="fallback"/> when the node does not set it.</summary>
    public float Float(string name, float fallback) => Attributes.TryGetValue(name, out var a) ? a.F : fallback;

    /// <summary>An integer-list attribute, or <paramref name="fallback"/> when the node does not set it.</summary>
    public IReadOnlyList<long> Ints(string name, IReadOnlyList<long> fallback) =>
        Attributes.TryGetValue(name, out var a) ? a.Ints : fallback;
}

/// <summary>An ONNX <c>AttributeProto</c>: its float, int, string, floats and ints forms (tensors and graphs are skipped).</summary>
public sealed record OnnxAttribute(string Name, float F, long I, string S, IReadOnlyList<float> Floats, IReadOnlyList<long> Ints)
{
    internal static OnnxAttribute Parse(ReadOnlyMemory<byte> bytes)
    {
        var name = "";
        float f = 0;
        long i = 0;
        var s = "";
        var floats = new List<float>();
        var ints = new List<long>();
        var reader = new ProtoReader(bytes);
        while (reader.Next(out var field, out var wire))
        {
            switch (field)
            {
                case 1: name = reader.String(wire); break;
                case 2: f = reader.Float(wire); break;
                case 3: i = (long)reader.Varint(wire); break;
                case 4: s = reader.String(wire); break;
                case 7: reader.Floats(wire, floats); break;
                case 8: reader.Varints(wire, ints); break;
                default: reader.Skip(wire); break;
            }
        }

        return new OnnxAttribute(name, f, i, s, floats, ints);
    }
}

/// <summary>An ONNX <c>TensorProto</c>; only float32 data (in <c>float_data</c> or <c>raw_data</c>) can be read back.</summary>
public sealed class OnnxTensor(string name, IReadOnlyList<long> dims, int dataType, IReadOnlyList<float> floatData, ReadOnlyMemory<byte> rawData)
{
    private const int FloatType = 1;

    /// <summary>The tensor's name (the initializer name the graph's nodes refer to).</summary>
    public string Name { get; } = name;

    /// <summary>The shape, row-major.</summary>
    public IReadOnlyList<long> Dims { get; } = dims;

    /// <summary>ONNX <c>TensorProto.DataType</c> (1 = float32).</summary>
    public int DataType { get; } = dataType;

    /// <summary>The number of elements the shape holds.</summary>
    public long ElementCount => Dims.Aggregate(1L, (n, d) => n * d);

    /// <summary>The values as float32, row-major.</summary>
    public float[] ToFloats()
    {
        if (DataType != FloatType)
            throw new InvalidDataException($"tensor '{Name}' has ONNX data type {DataType}; only float32 (1) is supported");
        var values = rawData.IsEmpty ? [.. floatData] : ReadRawFloats(rawData.Span);
        if (values.Length != ElementCount)
            throw new InvalidDataException($"tensor '{Name}' of shape [{string.Join(", ", Dims)}] holds {values.Length} values, not {ElementCount}");
        return values;
    }

    // raw_data is little-endian IEEE 754 whatever the machine's byte order.
    private static float[] ReadRawFloats(ReadOnlySpan<byte> raw)
    {
        var values = new float[raw.Length / sizeof(float)];
        for (var k = 0; k < values.Length; k++)
            values[k] = BinaryPrimitives.ReadSingleLittleEndian(raw[(k * sizeof(float))..]);
        return values;
    }

    internal static OnnxTensor Parse(ReadOnlyMemory<byte> bytes)
    {
        var name = "";
        var dims = new List<long>();
        var dataType = 0;
        var floats = new List<float>();
        ReadOnlyMemory<byte> raw = default;
        var reader = new ProtoReader(bytes);
        while (reader.Next(out var field, out var wire))
        {
            switch (field)
            {
                case 1: reader.Varints(wire, dims); break;
                case 2: dataType = (int)reader.Varint(wire); break;
                case 4: reader.Floats(wire, floats); break;
                case 8: name = reader.String(wire); break;
                case 9: raw = reader.Bytes(wire); break;
                case 14:
                    if (reader.Varint(wire) != 0)
                        throw new InvalidDataException($"tensor '{name}' keeps its data in an external file, which is not supported");
                    break;
                default: reader.Skip(wire); break;
            }
        }

        return new OnnxTensor(name, [.. dims], dataType, floats, raw);
    }
}

/// <summary>A cursor over one protobuf message: tags, varints, fixed32/64 and length-delimited fields.</summary>
internal struct ProtoReader(ReadOnlyMemory<byte> message)
{
    private const int VarintWire = 0, Fixed64Wire = 1, LengthWire = 2, Fixed32Wire = 5;
    private readonly ReadOnlyMemory<byte> message = message;
    private int position;

    private readonly bool AtEnd => position >= message.Length;

    /// <summary>Reads the next tag; false at the end of the message.</summary>
    public bool Next(out int field, out int wire)
    {
        if (AtEnd)
        {
            field = wire = 0;
            return false;
        }

        var tag = ReadVarint();
        field = (int)(tag >> 3);
        wire = (int)(tag & 7);
        return true;
    }

    public ulong Varint(int wire)
    {
        Expect(wire, VarintWire);
        return ReadVarint();
    }

    public ReadOnlyMemory<byte> Bytes(int wire)
    {
        Expect(wire, LengthWire);
        var length = ReadVarint();
        if (length > (ulong)(message.Length - position))
            throw new InvalidDataException($"a field of {length} bytes runs past the end of its message at byte {position}");
        var bytes = message.Slice(position, (int)length);
        position += (int)length;
        return bytes;
    }

    public string String(int wire) => Encoding.UTF8.GetString(Bytes(wire).Span);

    public float Float(int wire)
    {
        Expect(wire, Fixed32Wire);
        return BinaryPrimitives.ReadSingleLittleEndian(Take(4));
    }

    /// <summary>A repeated float: packed (one length-delimited run) or one fixed32 element per tag.</summary>
    public void Floats(int wire, List<float> into)
    {
        if (wire == Fixed32Wire)
        {
            into.Add(Float(wire));
            return;
        }

        var packed = Bytes(wire).Span;
        if (packed.Length % 4 != 0)
            throw new InvalidDataException($"a packed float field of {packed.Length} bytes ends before byte {position}");
        for (var k = 0; k < packed.Length; k += 4)
            into.Add(BinaryPrimitives.ReadSingleLittleEndian(packed[k..]));
    }

    /// <summary>A repeated int64: packed or one varint per tag.</summary>
    public void Varints(int wire, List<long> into)
    {
        if (wire == VarintWire)
        {
            into.Add((long)ReadVarint());
            return;
        }

        var packed = new ProtoReader(Bytes(wire));
        while (!packed.AtEnd)
            into.Add((long)packed.ReadVarint());
    }

    public void Skip(int wire)
    {
        switch (wire)
        {
            case VarintWire: ReadVarint(); break;
            case Fixed64Wire: Take(8); break;
            case LengthWire: Bytes(wire); break;
            case Fixed32Wire: Take(4); break;
            default: throw new InvalidDataException($"unsupported protobuf wire type {wire} at byte {position}");
        }
    }

    /// <summary>Every length-delimited field numbered <paramref name="field"/> in <paramref name="message"/>.</summary>
    public static IEnumerable<ReadOnlyMemory<byte>> Messages(ReadOnlyMemory<byte> message, int field)
    {
        var reader = new ProtoReader(message);
        while (reader.Next(out var f, out var wire))
        {
            if (f == field && wire == LengthWire) yield return reader.Bytes(wire);
            else reader.Skip(wire);
        }
    }

    private ulong ReadVarint()
    {
        ulong value = 0;
        var span = message.Span;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= span.Length)
                throw new InvalidDataException("a varint runs past the end of its message");
            var b = span[position++];
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
                return value;
        }

        throw new InvalidDataException($"a varint longer than 10 bytes at byte {position}");
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > message.Length - position)
            throw new InvalidDataException($"a fixed-width field runs past the end of its message at byte {position}");
        var span = message.Span.Slice(position, count);
        position += count;
        return span;
    }

    private readonly void Expect(int wire, int expected)
    {
        if (wire != expected)
            throw new InvalidDataException($"wire type {wire} where {expected} was expected at byte {position}");
    }
}
