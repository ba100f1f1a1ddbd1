namespace Nona.Plugins.Audio.Decoding;

/// <summary>
/// Ogg files: the first logical stream whose first packet is an Opus ("OpusHead") or Vorbis ("\x01vorbis")
/// identification header is decoded, Opus with Concentus (RFC 7845), Vorbis with NVorbis.
/// </summary>
internal static class OggDecoder
{
    /// <summary>Decodes <paramref name="file"/>; throws <see cref="InvalidDataException"/> with the problem.</summary>
    public static DecodedAudio Decode(ReadOnlySpan<byte> file)
    {
        var streams = OggPacketReader.ReadStreams(file);
        foreach (var packets in streams)
        {
            if (packets.Count == 0)
                continue;
            if (OpusHead.IsHead(packets[0].Data))
                return DecodeOpus(packets);
            if (IsVorbis(packets[0].Data))
                return VorbisPacketDecoder.Decode([.. packets.Select(p => new VorbisPacket(p.Data, p.GranulePosition))]);
        }

        var first = streams[0].Count > 0 ? streams[0][0].Data : [];
        return first.AsSpan().StartsWith("\u007fFLAC"u8)
            ? throw new InvalidDataException("Ogg FLAC is not supported (Opus and Vorbis are)")
            : throw new InvalidDataException("the Ogg file holds no Opus or Vorbis stream (other codecs are not supported)");
    }

    /// <summary>
    /// The load-time check: the file's first page is sound and starts an Opus (family 0) or Vorbis stream. Returns
    /// the problem, or null.
    /// </summary>
    public static string? Identify(ReadOnlySpan<byte> head)
    {
        try
        {
            var packet = OggPacketReader.FirstPacket(head);
            if (packet is not null && OpusHead.IsHead(packet))
                OpusHead.Parse(packet);
            else if (packet is null || !IsVorbis(packet))
                return "Ogg: the first page holds no Opus or Vorbis header (other codecs are not supported)";
            return null;
        }
        catch (InvalidDataException e)
        {
            return "Ogg: " + e.Message;
        }
    }

    /// <summary>True when <paramref name="packet"/> is a Vorbis identification header.</summary>
    public static bool IsVorbis(ReadOnlySpan<byte> packet) => packet.StartsWith("\u0001vorbis"u8);

    /// <summary>
    /// Opus in Ogg (RFC 7845 §4): packet 0 is OpusHead, packet 1 OpusTags, the rest audio at 48 kHz. Granule
    /// positions count 48 kHz samples from the stream's start, pre-skip included: the first <c>pre-skip</c> decoded
    /// samples are dropped, and the output ends where the last page's granule position says (end trimming).
    /// </summary>
    private static DecodedAudio DecodeOpus(IReadOnlyList<OggPacket> packets)
    {
        var head = OpusHead.Parse(packets[0].Data);
        if (packets.Count < 3)
            throw new InvalidDataException("the Ogg Opus stream holds no audio packets");
        using var decoder = new OpusPacketDecoder(head);
        long decoded = 0, start = -1, end = -1;
        for (var i = 2; i < packets.Count; i++)
        {
            decoded += decoder.Decode(packets[i].Data, i);
            var granule = packets[i].GranulePosition;
            if (granule < 0)
                continue;
            // The first granule position fixes where the stream starts (non-zero for a stream cut from a live one):
            // it is the position after every sample decoded so far.
            if (start < 0)
                start = packets[i].EndOfStream ? 0 : Math.Max(0, granule - decoded);
            end = granule - start;
        }

        var total = (int)Math.Min(decoder.Output.Count / head.Channels, end >= 0 ? end : long.MaxValue);
        if (total <= head.PreSkip)
            throw new InvalidDataException($"the Ogg Opus stream holds no audio after its pre-skip of {head.PreSkip} samples");
        return new DecodedAudio(decoder.Output.ToArray(head.PreSkip * head.Channels, total * head.Channels), OpusHead.SampleRate, head.Channels);
    }
}
