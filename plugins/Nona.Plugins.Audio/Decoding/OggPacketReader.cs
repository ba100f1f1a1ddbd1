using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;

namespace Nona.Plugins.Audio.Decoding;

/// <summary>
/// One packet of an Ogg logical stream. <paramref name="GranulePosition"/> is the granule position of the page the
/// packet completes on when it is the last packet completed there (RFC 3533 §6: a page's granule position belongs to
/// its last completed packet), otherwise -1. <paramref name="EndOfStream"/> marks the stream's final packet.
/// </summary>
internal readonly record struct OggPacket(byte[] Data, long GranulePosition, bool EndOfStream);

/// <summary>
/// Splits a whole Ogg file (RFC 3533) into the packets of each logical stream: checks every page's capture pattern,
/// version, length and CRC, follows the segment table's lacing, and joins packets that continue over pages.
/// Problems are thrown as <see cref="InvalidDataException"/> whose message is the problem alone.
/// </summary>
internal static class OggPacketReader
{
    /// <summary>The longest possible page: header, 255 lacing values, 255 segments of 255 bytes.</summary>
    public const int MaxPageLength = HeaderLength + 255 + (255 * 255);

    private const int HeaderLength = 27;
    private const byte Continued = 0x01;
    private const byte EndOfStreamFlag = 0x04;

    /// <summary>The logical streams of <paramref name="file"/>, in the order their first pages appear.</summary>
    public static IReadOnlyList<IReadOnlyList<OggPacket>> ReadStreams(ReadOnlySpan<byte> file)
    {
        var streams = new Dictionary<uint, LogicalStream>();
        var order = new List<LogicalStream>();
        var position = 0;
        while (position < file.Length)
        {
            var page = ReadPage(file, position);
            if (!streams.TryGetValue(page.Serial, out var stream))
            {
                stream = new LogicalStream(page.Sequence);
                streams.Add(page.Serial, stream);
                order.Add(stream);
            }

            stream.Add(page, file.Slice(page.BodyStart, page.BodyLength), position);
            position = page.BodyStart + page.BodyLength;
        }

        if (order.Count == 0)
            throw new InvalidDataException("the file holds no Ogg pages");
        return [.. order.Select(s => s.Finish())];
    }

    /// <summary>
    /// The first packet of the file's first page, for a cheap format check: Opus and Vorbis put their identification
    /// header alone on the first page. Null when it does not complete there.
    /// </summary>
    public static byte[]? FirstPacket(ReadOnlySpan<byte> head)
    {
        var page = ReadPage(head, 0);
        var length = 0;
        foreach (var lacing in page.Lacing)
        {
            length += lacing;
            if (lacing < 255)
                return (page.Flags & Continued) == 0 ? head.Slice(page.BodyStart, length).ToArray() : null;
        }

        return null;
    }

    private static Page ReadPage(ReadOnlySpan<byte> file, int position)
    {
        var rest = file[position..];
        if (!rest.StartsWith("OggS"u8))
            throw new InvalidDataException(At(position, "no Ogg page starts here (the file is damaged)"));
        if (rest.Length < HeaderLength || rest.Length < HeaderLength + rest[26])
            throw new InvalidDataException(At(position, "the page header is cut off; the file is truncated"));
        if (rest[4] != 0)
            throw new InvalidDataException(At(position, $"unknown Ogg version {rest[4]}"));

        var segments = rest.Slice(HeaderLength, rest[26]);
        var bodyLength = 0;
        foreach (var lacing in segments)
            bodyLength += lacing;
        var pageLength = HeaderLength + segments.Length + bodyLength;
        if (rest.Length < pageLength)
        {
            throw new InvalidDataException(At(position,
                $"the page claims {pageLength} bytes but the file ends after {rest.Length}; the file is truncated"));
        }

        var stored = BinaryPrimitives.ReadUInt32LittleEndian(rest[22..]);
        var crc = OggCrc.Update(0, rest[..22]);
        crc = OggCrc.Update(crc, [0, 0, 0, 0]);
        crc = OggCrc.Update(crc, rest[26..pageLength]);
        if (crc != stored)
            throw new InvalidDataException(At(position, "the page checksum does not match (the file is damaged)"));

        return new Page(
            Flags: rest[5],
            Granule: BinaryPrimitives.ReadInt64LittleEndian(rest[6..]),
            Serial: BinaryPrimitives.ReadUInt32LittleEndian(rest[14..]),
            Sequence: BinaryPrimitives.ReadUInt32LittleEndian(rest[18..]),
            Lacing: segments.ToArray(),
            BodyStart: position + HeaderLength + segments.Length,
            BodyLength: bodyLength);
    }

    private static string At(int position, string problem) =>
        string.Create(CultureInfo.InvariantCulture, $"page at byte {position}: {problem}");

    private readonly record struct Page(byte Flags, long Granule, uint Serial, uint Sequence, byte[] Lacing, int BodyStart, int BodyLength);

    /// <summary>The packets of one logical stream, with the one still being joined over pages.</summary>
    private sealed class LogicalStream(uint firstSequence)
    {
        private readonly List<OggPacket> packets = [];
        private readonly ArrayBufferWriter<byte> partial = new();
        private uint expectedSequence = firstSequence;
        private bool hasPartial;
        private bool ended;

        public void Add(Page page, ReadOnlySpan<byte> body, int position)
        {
            if (ended)
                throw new InvalidDataException(At(position, "a page follows its stream's last page"));
            if (page.Sequence != expectedSequence)
            {
                throw new InvalidDataException(At(position,
                    $"page number {page.Sequence} follows {expectedSequence - 1}: pages are missing (the file is damaged)"));
            }

            expectedSequence++;
            var continued = (page.Flags & Continued) != 0;
            if (hasPartial && !continued)
                throw new InvalidDataException(At(position, "a packet is cut off: the next page does not continue it"));

            // A stream's first page may continue a packet that began before the file (a cut live stream): that
            // fragment cannot be decoded and is dropped.
            var dropping = continued && !hasPartial;
            var offset = 0;
            var lastCompleted = -1;
            var completed = new List<byte[]>();
            for (var s = 0; s < page.Lacing.Length; s++)
            {
                var lacing = page.Lacing[s];
                if (!dropping)
                    partial.Write(body.Slice(offset, lacing));
                offset += lacing;
                if (lacing < 255)
                {
                    if (!dropping)
                        completed.Add(partial.WrittenSpan.ToArray());
                    partial.ResetWrittenCount();
                    dropping = false;
                    lastCompleted = completed.Count - 1;
                }
            }

            hasPartial = partial.WrittenCount > 0 || (page.Lacing.Length > 0 && page.Lacing[^1] == 255 && !dropping);
            ended = (page.Flags & EndOfStreamFlag) != 0;
            for (var i = 0; i < completed.Count; i++)
            {
                var last = i == lastCompleted;
                packets.Add(new OggPacket(completed[i], last ? page.Granule : -1, last && ended && !hasPartial));
            }
        }

        public IReadOnlyList<OggPacket> Finish()
        {
            if (hasPartial)
                throw new InvalidDataException("the last Ogg packet is cut off; the file is truncated");
            if (packets.Count > 0 && !packets[^1].EndOfStream)
                packets[^1] = packets[^1] with { EndOfStream = true };
            return packets;
        }
    }
}
