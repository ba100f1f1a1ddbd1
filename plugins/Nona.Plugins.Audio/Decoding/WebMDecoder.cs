namespace Nona.Plugins.Audio.Decoding;

/// <summary>
/// WebM/Matroska files: the first audio track, A_OPUS with Concentus or A_VORBIS with NVorbis, read by
/// <see cref="WebMReader"/>.
/// </summary>
internal static class WebMDecoder
{
    private const double NanosecondsPerSecond = 1e9;

    /// <summary>Decodes <paramref name="file"/>; throws <see cref="InvalidDataException"/> with the problem.</summary>
    public static DecodedAudio Decode(ReadOnlyMemory<byte> file)
    {
        var audio = WebMReader.Read(file);
        if (audio.Frames.Count == 0)
            throw new InvalidDataException($"the audio track ({audio.Track.CodecId}) has no blocks");
        return audio.Track.CodecId switch
        {
            "A_OPUS" => DecodeOpus(audio),
            "A_VORBIS" => DecodeVorbis(audio),
            var codec => throw new InvalidDataException($"audio codec {codec} is not supported (A_OPUS and A_VORBIS are)"),
        };
    }

    /// <summary>
    /// Opus in Matroska: CodecPrivate is the OpusHead; CodecDelay (ns), when present, is the pre-skip to drop, and a
    /// block's DiscardPadding (ns) is the padding to drop from the end of its output (the stream's last block).
    /// </summary>
    private static DecodedAudio DecodeOpus(WebMAudio audio)
    {
        var head = OpusHead.Parse(audio.Track.CodecPrivate);
        var preSkip = audio.Track.CodecDelayNanoseconds > 0 ? Samples(audio.Track.CodecDelayNanoseconds, OpusHead.SampleRate) : head.PreSkip;
        using var decoder = new OpusPacketDecoder(head);
        for (var i = 0; i < audio.Frames.Count; i++)
        {
            var frame = audio.Frames[i];
            var decoded = decoder.Decode(frame.Data.Span, i);
            if (frame.DiscardPaddingNanoseconds > 0)
                decoder.Output.Truncate(Math.Min(decoded, Samples(frame.DiscardPaddingNanoseconds, OpusHead.SampleRate)) * head.Channels);
        }

        var total = decoder.Output.Count / head.Channels;
        if (total <= preSkip)
            throw new InvalidDataException($"the Opus track holds no audio after its codec delay of {preSkip} samples");
        return new DecodedAudio(decoder.Output.ToArray(preSkip * head.Channels, total * head.Channels), OpusHead.SampleRate, head.Channels);
    }

    /// <summary>
    /// Vorbis in Matroska: CodecPrivate holds the three header packets, Xiph-laced; the blocks are the audio packets.
    /// Matroska has no granule positions, so only a DiscardPadding on the last block trims the end.
    /// </summary>
    private static DecodedAudio DecodeVorbis(WebMAudio audio)
    {
        var packets = XiphHeaders(audio.Track.CodecPrivate);
        packets.AddRange(audio.Frames.Select(f => new VorbisPacket(f.Data.ToArray(), -1)));
        var decoded = VorbisPacketDecoder.Decode(packets);
        var discard = Samples(audio.Frames[^1].DiscardPaddingNanoseconds, decoded.SampleRate) * decoded.Channels;
        return discard > 0 && discard < decoded.Samples.Length ? decoded with { Samples = decoded.Samples[..^discard] } : decoded;
    }

    /// <summary>CodecPrivate of A_VORBIS: a byte (packet count − 1), Xiph-laced sizes of all but the last, the packets.</summary>
    private static List<VorbisPacket> XiphHeaders(byte[] codecPrivate)
    {
        if (codecPrivate.Length < 1 || codecPrivate[0] != 2)
            throw new InvalidDataException("the Vorbis track's CodecPrivate does not hold the 3 Vorbis header packets");
        var sizes = new int[3];
        var position = 1;
        for (var i = 0; i < 2; i++)
        {
            int b;
            do
            {
                if (position >= codecPrivate.Length)
                    throw new InvalidDataException("the Vorbis track's CodecPrivate is cut off");
                b = codecPrivate[position++];
                sizes[i] += b;
            }
            while (b == 255);
        }

        sizes[2] = codecPrivate.Length - position - sizes[0] - sizes[1];
        if (sizes[2] < 0)
            throw new InvalidDataException("the Vorbis track's CodecPrivate is cut off");
        var packets = new List<VorbisPacket>();
        foreach (var size in sizes)
        {
            packets.Add(new VorbisPacket(codecPrivate[position..(position + size)], -1));
            position += size;
        }

        return packets;
    }

    private static int Samples(long nanoseconds, double rate) => (int)Math.Round(nanoseconds * rate / NanosecondsPerSecond);
}
