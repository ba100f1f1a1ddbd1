using System.Buffers.Binary;

namespace Nona.Plugins.Audio.Decoding;

/// <summary>
/// Where an MP3 file's audio frames start and, when the encoder wrote a Xing/Info frame with a LAME extension, how
/// many samples to trim: the encoder delay and padding (LAME technical spec, "Mp3 Info Tag rev 1"), plus the
/// decoder's own delay of 529 samples (the MPEG layer III synthesis; ffmpeg and mpg123 skip the same).
/// </summary>
/// <param name="AudioStart">The first byte after any ID3v2 tag and Xing/Info frame.</param>
/// <param name="Frames">Audio frames the Xing/Info frame counts (0 when unknown).</param>
/// <param name="SamplesPerFrame">Samples per channel in one frame (1152 for MPEG-1 layer III, 576 for MPEG-2/2.5).</param>
/// <param name="EncoderDelay">Samples the encoder put before the audio (-1 when there is no LAME extension).</param>
/// <param name="Padding">Samples the encoder appended after the audio.</param>
internal readonly record struct Mp3GaplessInfo(int AudioStart, int Frames, int SamplesPerFrame, int EncoderDelay, int Padding)
{
    /// <summary>The layer III decoder's delay: output sample 529 is the first one of the encoded input.</summary>
    public const int DecoderDelay = 529;

    private static readonly int[] Mpeg1Kbps = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
    private static readonly int[] Mpeg2Kbps = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
    private static readonly int[] Mpeg1Rates = [44_100, 48_000, 32_000];

    /// <summary>True when the encoder delay and padding are known, so the output can be trimmed sample-exactly.</summary>
    public bool IsGapless => EncoderDelay >= 0 && Frames > 0;

    /// <summary>The ID3v2 tag's length (header, body, footer) at the start of <paramref name="file"/>, or 0.</summary>
    public static int Id3Length(ReadOnlySpan<byte> file)
    {
        if (!file.StartsWith("ID3"u8) || file.Length < 10)
            return 0;
        // Tag size: a 28-bit "syncsafe" integer (7 bits per byte), plus a 10-byte footer when flag bit 4 is set.
        return 10 + ((file[6] & 0x7F) << 21) + ((file[7] & 0x7F) << 14) + ((file[8] & 0x7F) << 7) + (file[9] & 0x7F)
            + ((file[5] & 0x10) != 0 ? 10 : 0);
    }

    /// <summary>Reads the layout of <paramref name="file"/>; anything unexpected leaves the frames to the decoder untrimmed.</summary>
    public static Mp3GaplessInfo Read(ReadOnlySpan<byte> file)
    {
        var start = Math.Min(Id3Length(file), file.Length);
        var none = new Mp3GaplessInfo(start, 0, 0, -1, 0);
        var frame = file[start..];
        if (frame.Length < 4 || frame[0] != 0xFF || (frame[1] & 0xE0) != 0xE0 || ((frame[1] >> 1) & 3) != 1)
            return none; // not a layer III frame header: no Xing frame to look for
        var version = (frame[1] >> 3) & 3; // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
        var (bitrateIndex, rateIndex) = (frame[2] >> 4, (frame[2] >> 2) & 3);
        if (version == 1 || bitrateIndex is 0 or 15 || rateIndex == 3)
            return none;

        var mpeg1 = version == 3;
        var rate = Mpeg1Rates[rateIndex] >> (mpeg1 ? 0 : version == 2 ? 1 : 2);
        var kbps = (mpeg1 ? Mpeg1Kbps : Mpeg2Kbps)[bitrateIndex];
        var length = ((mpeg1 ? 144_000 : 72_000) * kbps / rate) + ((frame[2] >> 1) & 1);
        var mono = (frame[3] >> 6) == 3;
        var xing = 4 + (mpeg1 ? (mono ? 17 : 32) : (mono ? 9 : 17));
        if (length > frame.Length || xing + 8 > length
            || !(frame.Slice(xing, 4).SequenceEqual("Xing"u8) || frame.Slice(xing, 4).SequenceEqual("Info"u8)))
            return none;

        var flags = BinaryPrimitives.ReadUInt32BigEndian(frame[(xing + 4)..]);
        var position = xing + 8;
        var frames = 0;
        if ((flags & 1) != 0)
        {
            frames = BinaryPrimitives.ReadInt32BigEndian(frame[position..]);
            position += 4;
        }

        position += ((flags & 2) != 0 ? 4 : 0) + ((flags & 4) != 0 ? 100 : 0) + ((flags & 8) != 0 ? 4 : 0);
        var samplesPerFrame = mpeg1 ? 1152 : 576;
        var info = new Mp3GaplessInfo(start + length, Math.Max(frames, 0), samplesPerFrame, -1, 0);
        // The LAME extension: a 9-byte encoder name ("LAME3.100", or "Lavc59.37" from ffmpeg), then at byte 21
        // the delay and padding, 12 bits each.
        if (position + 24 > length || !char.IsAsciiLetter((char)frame[position]))
            return info;
        var delayPadding = (frame[position + 21] << 16) | (frame[position + 22] << 8) | frame[position + 23];
        return info with { EncoderDelay = delayPadding >> 12, Padding = delayPadding & 0xFFF };
    }
}
