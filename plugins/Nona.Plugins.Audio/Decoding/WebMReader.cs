using System.Globalization;

namespace Nona.Plugins.Audio.Decoding;

/// <summary>The audio track a WebM/Matroska file is decoded from.</summary>
internal sealed record WebMTrack(
    ulong Number, string CodecId, byte[] CodecPrivate, long CodecDelayNanoseconds, double SamplingFrequency, int Channels, bool IsAudio);

/// <summary>
/// One frame of the track (a block holds one, or several when laced). <paramref name="DiscardPaddingNanoseconds"/>
/// is the block's DiscardPadding (audio to drop from the end of its decoded output), on its last frame only.
/// </summary>
internal readonly record struct WebMFrame(ReadOnlyMemory<byte> Data, long DiscardPaddingNanoseconds);

/// <summary>What <see cref="WebMReader.Read"/> found: the first audio track, its frames, and counts for checking.</summary>
internal sealed record WebMAudio(WebMTrack Track, IReadOnlyList<WebMFrame> Frames, int Blocks, int Clusters, int UnknownSizeClusters);

/// <summary>
/// A small Matroska/WebM demuxer for one audio track. It reads what browsers' MediaRecorder writes ("live" WebM: a
/// Segment and Clusters of unknown size, no Cues), which NEbml cannot: an unknown-size Segment runs to the end of
/// the file, an unknown-size Cluster ends at the next top-level element or at the end of the file. Blocks
/// (SimpleBlock, BlockGroup/Block) are split by their lacing (none, Xiph, fixed, EBML). Every other element is
/// skipped by its size. Problems are thrown as <see cref="InvalidDataException"/>.
/// </summary>
internal static class WebMReader
{
    private const uint EbmlHeaderId = 0x1A45DFA3, DocTypeId = 0x4282, SegmentId = 0x18538067;
    private const uint ClusterId = 0x1F43B675, TracksId = 0x1654AE6B, TrackEntryId = 0xAE;
    private const uint TrackNumberId = 0xD7, TrackTypeId = 0x83, CodecIdId = 0x86, CodecPrivateId = 0x63A2;
    private const uint CodecDelayId = 0x56AA, AudioId = 0xE1, SamplingFrequencyId = 0xB5, ChannelsId = 0x9F;
    private const uint ContentEncodingsId = 0x6D80, SimpleBlockId = 0xA3, BlockGroupId = 0xA0, BlockId = 0xA1;
    private const uint DiscardPaddingId = 0x75A2;
    private const int AudioTrackType = 2;

    // Segment children that end an unknown-size Cluster (a Cluster cannot contain them), and what ends the Segment.
    private static readonly HashSet<uint> TopLevelIds =
    [
        ClusterId, 0x1C53BB6B /* Cues */, 0x1254C367 /* Tags */, 0x1043A770 /* Chapters */, 0x1941A469 /* Attachments */,
        0x114D9B74 /* SeekHead */, 0x1549A966 /* Info */, TracksId, EbmlHeaderId, SegmentId,
    ];

    /// <summary>Reads the first audio track of <paramref name="file"/> and its frames.</summary>
    public static WebMAudio Read(ReadOnlyMemory<byte> file)
    {
        var data = file.Span;
        var header = Ebml.ReadElement(data, 0, data.Length);
        if (header.Id != EbmlHeaderId || header.IsUnknownSize)
            throw new InvalidDataException("not an EBML file (no EBML header)");
        CheckDocType(data.Slice(header.DataStart, (int)header.Size));

        var position = header.End;
        EbmlElement segment;
        while (true)
        {
            if (position >= data.Length)
                throw new InvalidDataException("the file holds no Segment; it is truncated");
            segment = Ebml.ReadElement(data, position, data.Length);
            if (segment.Id == SegmentId)
                break;
            position = Skip(segment);
        }

        var segmentEnd = segment.IsUnknownSize ? data.Length : segment.End;
        var tracks = new List<WebMTrack>();
        var blocks = new List<(ReadOnlyMemory<byte> Block, long Discard)>();
        var (clusters, unknownClusters) = (0, 0);
        position = segment.DataStart;
        while (position < segmentEnd)
        {
            var element = Ebml.ReadElement(data, position, segmentEnd);
            if (segment.IsUnknownSize && element.Id is EbmlHeaderId or SegmentId)
                break; // a second Segment (chained file): the first one is the clip
            switch (element.Id)
            {
                case ClusterId:
                    clusters++;
                    unknownClusters += element.IsUnknownSize ? 1 : 0;
                    position = ReadCluster(file, element, segmentEnd, blocks);
                    continue;
                case TracksId:
                    ReadTracks(data.Slice(element.DataStart, (int)Known(element).Size), element.DataStart, tracks);
                    break;
            }

            position = Skip(element);
        }

        var track = tracks.Find(t => t.IsAudio)
            ?? throw new InvalidDataException(tracks.Count == 0 ? "the file has no Tracks element" : "the file has no audio track");
        var frames = new List<WebMFrame>();
        var count = 0;
        foreach (var (block, discard) in blocks)
        {
            if (Lacing.TrackNumber(block.Span) != track.Number)
                continue;
            count++;
            Lacing.Split(block, discard, frames);
        }

        return new WebMAudio(track, frames, count, clusters, unknownClusters);
    }

    /// <summary>The load-time check: an EBML header of DocType webm or matroska. Returns the problem, or null.</summary>
    public static string? Identify(ReadOnlySpan<byte> head)
    {
        try
        {
            var header = Ebml.ReadElement(head, 0, head.Length);
            if (header.Id != EbmlHeaderId || header.IsUnknownSize)
                return "WebM/Matroska: no EBML header";
            CheckDocType(head.Slice(header.DataStart, (int)header.Size));
            return null;
        }
        catch (InvalidDataException e)
        {
            return "WebM/Matroska: " + e.Message;
        }
    }

    /// <summary>Collects the cluster's blocks; returns where the next Segment child starts.</summary>
    private static int ReadCluster(ReadOnlyMemory<byte> file, EbmlElement cluster, int segmentEnd, List<(ReadOnlyMemory<byte>, long)> blocks)
    {
        var data = file.Span;
        var end = cluster.IsUnknownSize ? segmentEnd : cluster.End;
        var position = cluster.DataStart;
        while (position < end)
        {
            if (cluster.IsUnknownSize && TopLevelIds.Contains(Ebml.ReadId(data, position, end, out _)))
                return position;
            var child = Known(Ebml.ReadElement(data, position, end));
            if (child.Id == SimpleBlockId)
            {
                blocks.Add((file.Slice(child.DataStart, (int)child.Size), 0));
            }
            else if (child.Id == BlockGroupId)
            {
                var (block, discard) = ReadBlockGroup(file, child);
                if (!block.IsEmpty)
                    blocks.Add((block, discard));
            }

            position = child.End;
        }

        return end;
    }

    private static (ReadOnlyMemory<byte> Block, long Discard) ReadBlockGroup(ReadOnlyMemory<byte> file, EbmlElement group)
    {
        var (block, discard) = (ReadOnlyMemory<byte>.Empty, 0L);
        for (var position = group.DataStart; position < group.End;)
        {
            var child = Known(Ebml.ReadElement(file.Span, position, group.End));
            if (child.Id == BlockId)
                block = file.Slice(child.DataStart, (int)child.Size);
            else if (child.Id == DiscardPaddingId)
                discard = Ebml.Int(file.Span.Slice(child.DataStart, (int)child.Size));
            position = child.End;
        }

        return (block, discard);
    }

    private static void ReadTracks(ReadOnlySpan<byte> body, int offset, List<WebMTrack> tracks)
    {
        foreach (var entry in Children(body, offset))
        {
            if (entry.Id != TrackEntryId)
                continue;
            var (number, type, codec, codecPrivate, delay, rate, channels) = (0UL, 0UL, "", Array.Empty<byte>(), 0L, 8000.0, 1);
            foreach (var field in Children(body.Slice(entry.DataStart - offset, (int)entry.Size), entry.DataStart))
            {
                var value = body.Slice(field.DataStart - offset, (int)field.Size);
                switch (field.Id)
                {
                    case TrackNumberId: number = Ebml.UInt(value); break;
                    case TrackTypeId: type = Ebml.UInt(value); break;
                    case CodecIdId: codec = Ebml.String(value); break;
                    case CodecPrivateId: codecPrivate = value.ToArray(); break;
                    case CodecDelayId: delay = (long)Ebml.UInt(value); break;
                    case ContentEncodingsId:
                        throw new InvalidDataException($"track {number} is compressed or encrypted (ContentEncodings), which is not supported");
                    case AudioId:
                        foreach (var audio in Children(value, field.DataStart))
                        {
                            var setting = body.Slice(audio.DataStart - offset, (int)audio.Size);
                            if (audio.Id == SamplingFrequencyId)
                                rate = Ebml.Float(setting);
                            else if (audio.Id == ChannelsId)
                                channels = (int)Math.Min(Ebml.UInt(setting), int.MaxValue);
                        }

                        break;
                }
            }

            // A missing TrackType still counts as audio when the codec ID is an audio one.
            tracks.Add(new WebMTrack(number, codec, codecPrivate, delay, rate, channels,
                IsAudio: type == AudioTrackType || codec.StartsWith("A_", StringComparison.Ordinal)));
        }
    }

    /// <summary>The known-size children of a master element's <paramref name="body"/> found at <paramref name="offset"/>.</summary>
    private static List<EbmlElement> Children(ReadOnlySpan<byte> body, int offset)
    {
        var children = new List<EbmlElement>();
        for (var position = 0; position < body.Length;)
        {
            var child = Known(Ebml.ReadElement(body, position, body.Length));
            children.Add(child with { DataStart = child.DataStart + offset, Start = child.Start + offset });
            position = child.End;
        }

        return children;
    }

    private static void CheckDocType(ReadOnlySpan<byte> body)
    {
        var docType = Children(body, 0).Find(c => c.Id == DocTypeId) is { Size: > 0 } field
            ? Ebml.String(body.Slice(field.DataStart, (int)field.Size))
            : throw new InvalidDataException("the EBML header names no DocType");
        if (docType is not ("webm" or "matroska"))
            throw new InvalidDataException($"an EBML file of DocType '{docType}', not WebM or Matroska");
    }

    private static int Skip(EbmlElement element) => Known(element).End;

    private static EbmlElement Known(EbmlElement element) => element.IsUnknownSize
        ? throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
            $"element {element.Id:X} at byte {element.Start} has an unknown size, which only a Segment or Cluster may have"))
        : element;
}
