namespace Nona.Plugins.Audio.Decoding;

/// <summary>
/// Matroska Block bodies (SimpleBlock or BlockGroup/Block): track number (EBML vint), 16-bit relative timecode,
/// flags, then one frame or several laced ones. Lacing (flags bits 1–2): 0 none, 1 Xiph (sizes as runs of 255 plus
/// a last byte), 2 fixed (equal sizes), 3 EBML (first size a vint, then signed vint differences); the last frame
/// takes what remains.
/// </summary>
internal static class Lacing
{
    private const int TimecodeAndFlags = 3;

    /// <summary>The block's track number.</summary>
    public static ulong TrackNumber(ReadOnlySpan<byte> block) => Ebml.ReadVint(block, 0, block.Length, out _, out _);

    /// <summary>Appends the block's frames to <paramref name="frames"/>; the last carries <paramref name="discardPadding"/>.</summary>
    public static void Split(ReadOnlyMemory<byte> block, long discardPadding, List<WebMFrame> frames)
    {
        var span = block.Span;
        Ebml.ReadVint(span, 0, span.Length, out var width, out _);
        var position = width + TimecodeAndFlags;
        if (position > span.Length)
            throw new InvalidDataException("a block header is cut off");
        var lacing = (span[width + 2] >> 1) & 3;
        if (lacing == 0)
        {
            frames.Add(new WebMFrame(block[position..], discardPadding));
            return;
        }

        if (position >= span.Length)
            throw new InvalidDataException("a laced block has no frame count");
        var count = span[position++] + 1;
        var sizes = new long[count];
        switch (lacing)
        {
            case 1:
                for (var i = 0; i < count - 1; i++)
                {
                    int b;
                    do
                    {
                        if (position >= span.Length)
                            throw new InvalidDataException("a Xiph lacing size is cut off");
                        b = span[position++];
                        sizes[i] += b;
                    }
                    while (b == 255);
                }

                break;
            case 3:
                sizes[0] = (long)Ebml.ReadVint(span, position, span.Length, out width, out _);
                position += width;
                for (var i = 1; i < count - 1; i++)
                {
                    var raw = (long)Ebml.ReadVint(span, position, span.Length, out width, out _);
                    // Signed vint: the raw value minus half the range (2^(7·width − 1) − 1).
                    sizes[i] = sizes[i - 1] + raw - ((1L << ((7 * width) - 1)) - 1);
                    position += width;
                }

                break;
            default:
                if ((span.Length - position) % count != 0)
                    throw new InvalidDataException(Problem($"{span.Length - position} bytes cannot be split into {count} equal laced frames"));
                Array.Fill(sizes, (span.Length - position) / count, 0, count - 1);
                break;
        }

        var laced = 0L;
        for (var i = 0; i < count - 1; i++)
        {
            if (sizes[i] < 0)
                throw new InvalidDataException(Problem($"laced frame {i} has a negative size"));
            laced += sizes[i];
        }

        if (laced > span.Length - position)
            throw new InvalidDataException(Problem($"laced frames of {laced} bytes do not fit in a block of {span.Length - position}"));
        sizes[count - 1] = span.Length - position - laced;
        for (var i = 0; i < count; i++)
        {
            frames.Add(new WebMFrame(block.Slice(position, (int)sizes[i]), i == count - 1 ? discardPadding : 0));
            position += (int)sizes[i];
        }
    }

    private static string Problem(string problem) => "a laced block is damaged: " + problem;
}
