// NumPy's .npy / .npz formats, read without NumPy: the layout follows numpy/lib/format.py (format versions 1.0–3.0).
// An .npz is a ZIP archive (stored or deflated, as np.savez / np.savez_compressed write it) of one .npy per array.
using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using Nona.Abstractions;

namespace Nona.Plugins.Vision.Datasets;

/// <summary>An open .npz archive: its array names and a reader for each array.</summary>
public sealed class NpzArchive : IDisposable
{
    private readonly ZipArchive zip;

    /// <summary>Opens <paramref name="path"/>; throws <see cref="DataFormatException"/> when it is not a ZIP archive.</summary>
    public NpzArchive(string path)
    {
        Path = path;
        try
        {
            zip = ZipFile.OpenRead(path);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException($"{path}: not an .npz file (a ZIP archive of .npy arrays): {e.Message}");
        }
    }

    /// <summary>The archive's path, for messages.</summary>
    public string Path { get; }

    /// <summary>The array names (entry names without <c>.npy</c>), in archive order.</summary>
    public IReadOnlyList<string> Keys => [.. zip.Entries.Where(e => e.FullName.EndsWith(".npy", StringComparison.Ordinal)).Select(e => e.FullName[..^4])];

    /// <summary>Whether the archive holds array <paramref name="key"/>.</summary>
    public bool Contains(string key) => zip.GetEntry(key + ".npy") is not null;

    /// <summary>Reads array <paramref name="key"/> as float32 values in C (row-major) order.</summary>
    public NpyArray Read(string key)
    {
        var entry = zip.GetEntry(key + ".npy")
            ?? throw new DataFormatException($"{Path}: no array '{key}'; the arrays are: {string.Join(", ", Keys)}");
        using var stream = entry.Open();
        return Npy.Read(stream, $"{Path}:{key}");
    }

    /// <inheritdoc />
    public void Dispose() => zip.Dispose();
}

/// <summary>One array: its header and its values converted to float32, in C order.</summary>
/// <param name="Header">The .npy header.</param>
/// <param name="Values">The values, row-major whatever the file's order.</param>
public sealed record NpyArray(NpyHeader Header, float[] Values)
{
    /// <summary>The array's shape.</summary>
    public long[] Shape => Header.Shape;
}

/// <summary>The header of an .npy array.</summary>
/// <param name="Descr">The NumPy type string, e.g. <c>|u1</c>, <c>&lt;f4</c>, <c>|b1</c>.</param>
/// <param name="FortranOrder">True when the data is stored column-major.</param>
/// <param name="Shape">The array's shape (empty for a scalar).</param>
public sealed partial record NpyHeader(string Descr, bool FortranOrder, long[] Shape)
{
    /// <summary>Number of elements.</summary>
    public long Count => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>The type kind: <c>b</c> (bool), <c>u</c>, <c>i</c> or <c>f</c>.</summary>
    public char Kind => Descr[1];

    /// <summary>Bytes per element.</summary>
    public int ItemSize => int.Parse(Descr.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture);

    /// <summary>True for big-endian data (<c>&gt;</c>); '|' (single byte), '&lt;' and '=' read little-endian.</summary>
    public bool BigEndian => Descr[0] == '>';

    /// <summary>
    /// Parses the header's Python dict literal, e.g. <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (3, 4), }</c>.
    /// </summary>
    public static NpyHeader Parse(string dict, string source)
    {
        var descr = DescrPattern().Match(dict);
        var order = OrderPattern().Match(dict);
        var shape = ShapePattern().Match(dict);
        if (!descr.Success || !order.Success || !shape.Success)
            throw new DataFormatException($"{source}: unreadable .npy header {dict.Trim()}; expected 'descr', 'fortran_order' and 'shape'");
        var type = descr.Groups[1].Value;
        if (!TypePattern().IsMatch(type))
            throw new DataFormatException($"{source}: unsupported .npy type '{type}'; supported: bool, (u)int8-64, float16/32/64");
        var dims = shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var sizes = new long[dims.Length];
        for (var i = 0; i < dims.Length; i++)
        {
            // Python 2 wrote long dimensions as "3L".
            if (!long.TryParse(dims[i].TrimEnd('L'), NumberStyles.None, CultureInfo.InvariantCulture, out sizes[i]))
                throw new DataFormatException($"{source}: unreadable shape ({shape.Groups[1].Value}) in the .npy header");
        }

        return new NpyHeader(type, order.Groups[1].Value == "True", sizes);
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex OrderPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();

    [GeneratedRegex(@"^[|<>=](b1|[ui][1248]|f[248])$")]
    private static partial Regex TypePattern();
}

/// <summary>Reads one .npy stream: magic, version, header length, header dict, then the raw data.</summary>
public static class Npy
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Reads the header and the values; <paramref name="source"/> names the array in messages.</summary>
    public static NpyArray Read(Stream stream, string source)
    {
        var header = ReadHeader(stream, source);
        if (header.Count > Array.MaxLength)
            throw new DataFormatException($"{source}: {header.Count} values are more than one array can hold; use a smaller file (e.g. the 256-pixel one)");
        var values = new float[header.Count];
        ReadValues(stream, header, values, source);
        if (header.FortranOrder && header.Shape.Length > 1)
            values = ToRowMajor(values, header.Shape);
        return new NpyArray(header, values);
    }

    /// <summary>Reads the preamble and the header dict, leaving the stream at the first data byte.</summary>
    public static NpyHeader ReadHeader(Stream stream, string source)
    {
        var preamble = new byte[8];
        if (!TryReadExactly(stream, preamble) || !preamble.AsSpan(0, 6).SequenceEqual(Magic))
            throw new DataFormatException($"{source}: not an .npy array (the file does not start with \\x93NUMPY)");
        var major = preamble[6];
        int length;
        if (major == 1)
        {
            var size = new byte[2];
            if (!TryReadExactly(stream, size))
                throw new DataFormatException($"{source}: the .npy header is cut short");
            length = BinaryPrimitives.ReadUInt16LittleEndian(size);
        }
        else if (major is 2 or 3)
        {
            var size = new byte[4];
            if (!TryReadExactly(stream, size))
                throw new DataFormatException($"{source}: the .npy header is cut short");
            var wide = BinaryPrimitives.ReadUInt32LittleEndian(size);
            if (wide > 1 << 24)
                throw new DataFormatException($"{source}: implausible .npy header length {wide}");
            length = (int)wide;
        }
        else
        {
            throw new DataFormatException($"{source}: .npy format version {major}.{preamble[7]} is not supported (1.0–3.0 are)");
        }

        var text = new byte[length];
        if (!TryReadExactly(stream, text))
            throw new DataFormatException($"{source}: the .npy header is cut short");
        // Version 3 allows UTF-8 in the header (structured field names); 1 and 2 are Latin-1.
        var dict = major == 3 ? Encoding.UTF8.GetString(text) : Encoding.Latin1.GetString(text);
        return NpyHeader.Parse(dict, source);
    }

    private static void ReadValues(Stream stream, NpyHeader header, float[] values, string source)
    {
        var size = header.ItemSize;
        var chunk = new byte[size * 65_536];
        long done = 0;
        while (done < values.Length)
        {
            var want = (int)Math.Min(values.Length - done, chunk.Length / size);
            if (!TryReadExactly(stream, chunk.AsSpan(0, want * size)))
                throw new DataFormatException($"{source}: the data ends early: the header promises {values.Length} values of {header.Descr}; the file is truncated");
            Convert(chunk.AsSpan(0, want * size), values.AsSpan((int)done, want), header);
            done += want;
        }
    }

    private static void Convert(ReadOnlySpan<byte> raw, Span<float> values, NpyHeader header)
    {
        var big = header.BigEndian;
        var size = header.ItemSize;
        for (var i = 0; i < values.Length; i++)
        {
            var b = raw.Slice(i * size, size);
            values[i] = (header.Kind, size) switch
            {
                ('b', 1) => b[0] == 0 ? 0f : 1f,
                ('u', 1) => b[0],
                ('i', 1) => (sbyte)b[0],
                ('u', 2) => big ? BinaryPrimitives.ReadUInt16BigEndian(b) : BinaryPrimitives.ReadUInt16LittleEndian(b),
                ('i', 2) => big ? BinaryPrimitives.ReadInt16BigEndian(b) : BinaryPrimitives.ReadInt16LittleEndian(b),
                ('u', 4) => big ? BinaryPrimitives.ReadUInt32BigEndian(b) : BinaryPrimitives.ReadUInt32LittleEndian(b),
                ('i', 4) => big ? BinaryPrimitives.ReadInt32BigEndian(b) : BinaryPrimitives.ReadInt32LittleEndian(b),
                ('u', 8) => big ? BinaryPrimitives.ReadUInt64BigEndian(b) : BinaryPrimitives.ReadUInt64LittleEndian(b),
                ('i', 8) => big ? BinaryPrimitives.ReadInt64BigEndian(b) : BinaryPrimitives.ReadInt64LittleEndian(b),
                ('f', 2) => (float)(big ? BinaryPrimitives.ReadHalfBigEndian(b) : BinaryPrimitives.ReadHalfLittleEndian(b)),
                ('f', 4) => big ? BinaryPrimitives.ReadSingleBigEndian(b) : BinaryPrimitives.ReadSingleLittleEndian(b),
                ('f', 8) => (float)(big ? BinaryPrimitives.ReadDoubleBigEndian(b) : BinaryPrimitives.ReadDoubleLittleEndian(b)),
                _ => throw new InvalidOperationException($"unchecked .npy type {header.Descr}"),
            };
        }
    }

    // Column-major element (i0, i1, …) sits at i0 + d0·(i1 + d1·(…)); walk the row-major indices with an odometer.
    private static float[] ToRowMajor(float[] values, long[] shape)
    {
        var rank = shape.Length;
        var strides = new long[rank];
        strides[0] = 1;
        for (var k = 1; k < rank; k++)
            strides[k] = strides[k - 1] * shape[k - 1];
        var result = new float[values.Length];
        var index = new long[rank];
        long source = 0;
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = values[source];
            for (var k = rank - 1; k >= 0; k--)
            {
                index[k]++;
                source += strides[k];
                if (index[k] < shape[k])
                    break;
                source -= strides[k] * shape[k];
                index[k] = 0;
            }
        }

        return result;
    }

    private static bool TryReadExactly(Stream stream, Span<byte> buffer)
    {
        var read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        return read == buffer.Length;
    }
}
