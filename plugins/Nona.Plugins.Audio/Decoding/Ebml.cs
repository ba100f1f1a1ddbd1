using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace Nona.Plugins.Audio.Decoding;

/// <summary>
/// The head of one EBML element: its <paramref name="Id"/> (marker bits kept, as the Matroska spec writes IDs),
/// the <paramref name="Size"/> of its body (<see cref="Ebml.UnknownSize"/> when every value bit of the size is one)
/// and where the body starts.
/// </summary>
internal readonly record struct EbmlElement(uint Id, long Size, int DataStart, int Start)
{
    /// <summary>True when the size field is the "unknown" marker: the body ends where its parent's context says.</summary>
    public bool IsUnknownSize => Size == Ebml.UnknownSize;

    /// <summary>The byte after the body (known sizes only).</summary>
    public int End => checked((int)(DataStart + Size));
}

/// <summary>
/// EBML primitives (RFC 8794): variable-size integers, element heads, and the unsigned, signed, float and string
/// element bodies. Problems are thrown as <see cref="InvalidDataException"/>.
/// </summary>
internal static class Ebml
{
    /// <summary>The size of an element whose size field has all value bits set (e.g. 01 FF FF FF FF FF FF FF).</summary>
    public const long UnknownSize = -1;

    /// <summary>
    /// Reads the element head at <paramref name="position"/>; the head (not the body) must end before
    /// <paramref name="limit"/>, and a known-size body must too, else the file is truncated.
    /// </summary>
    public static EbmlElement ReadElement(ReadOnlySpan<byte> data, int position, int limit)
    {
        var id = ReadId(data, position, limit, out var idWidth);
        var size = ReadVint(data, position + idWidth, limit, out var sizeWidth, out var allOnes);
        var start = position + idWidth + sizeWidth;
        if (allOnes)
            return new EbmlElement(id, UnknownSize, start, position);
        if ((long)size > limit - start)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"element {id:X} at byte {position} claims {size} bytes but only {limit - start} remain; the file is truncated"));
        }

        return new EbmlElement(id, (long)size, start, position);
    }

    /// <summary>The element ID at <paramref name="position"/> (1–4 bytes, marker bits kept).</summary>
    public static uint ReadId(ReadOnlySpan<byte> data, int position, int limit, out int width)
    {
        if (position >= limit)
            throw new InvalidDataException(At(position, "an element is cut off; the file is truncated"));
        width = Width(data[position]);
        if (width > 4)
            throw new InvalidDataException(At(position, $"invalid element ID (first byte 0x{data[position]:X2}); the file is damaged"));
        if (position + width > limit)
            throw new InvalidDataException(At(position, "an element ID is cut off; the file is truncated"));
        var id = 0u;
        foreach (var b in data.Slice(position, width))
            id = (id << 8) | b;
        return id;
    }

    /// <summary>
    /// The variable-size integer at <paramref name="position"/> with its length marker removed;
    /// <paramref name="allOnes"/> tells whether every value bit is set (the "unknown size" marker).
    /// </summary>
    public static ulong ReadVint(ReadOnlySpan<byte> data, int position, int limit, out int width, out bool allOnes)
    {
        if (position >= limit)
            throw new InvalidDataException(At(position, "a size field is cut off; the file is truncated"));
        width = Width(data[position]);
        if (width > 8)
            throw new InvalidDataException(At(position, "invalid size field (first byte 0x00); the file is damaged"));
        if (position + width > limit)
            throw new InvalidDataException(At(position, "a size field is cut off; the file is truncated"));
        var value = (ulong)(data[position] & (0xFF >> width));
        foreach (var b in data.Slice(position + 1, width - 1))
            value = (value << 8) | b;
        allOnes = value == (1UL << (7 * width)) - 1;
        return value;
    }

    /// <summary>An unsigned integer element body (0–8 bytes, big-endian).</summary>
    public static ulong UInt(ReadOnlySpan<byte> body)
    {
        if (body.Length > 8)
            throw new InvalidDataException($"an unsigned integer element of {body.Length} bytes (at most 8)");
        var value = 0UL;
        foreach (var b in body)
            value = (value << 8) | b;
        return value;
    }

    /// <summary>A signed integer element body (0–8 bytes, big-endian two's complement).</summary>
    public static long Int(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
            return 0;
        var shift = 64 - (8 * body.Length);
        return (long)(UInt(body) << shift) >> shift;
    }

    /// <summary>A float element body (0, 4 or 8 bytes, big-endian IEEE 754).</summary>
    public static double Float(ReadOnlySpan<byte> body) => body.Length switch
    {
        0 => 0,
        4 => BinaryPrimitives.ReadSingleBigEndian(body),
        8 => BinaryPrimitives.ReadDoubleBigEndian(body),
        _ => throw new InvalidDataException($"a float element of {body.Length} bytes (4 or 8 expected)"),
    };

    /// <summary>A string element body (ASCII or UTF-8, zero padding removed).</summary>
    public static string String(ReadOnlySpan<byte> body) => Encoding.UTF8.GetString(body).TrimEnd('\0');

    // Leading zero bits of the first byte + 1: the field's width in bytes (9 for a zero byte).
    private static int Width(byte first) => BitOperations.LeadingZeroCount((uint)first) - 23;

    private static string At(int position, string problem) =>
        string.Create(CultureInfo.InvariantCulture, $"byte {position}: {problem}");
}
