using NLayer;

namespace Nona.Plugins.Audio.Decoding;

/// <summary>
/// MPEG audio (MP3, and layers I/II) with NLayer's managed decoder, trimmed to the encoder's real start and end when
/// a LAME/Info tag says where they are (<see cref="Mp3GaplessInfo"/>). NLayer gets only the audio frames: given
/// the tag itself, NLayer 3.0.1 trims the encoder delay but not its own 529-sample decoder delay (the output comes
/// 12 ms late), and it recognises the tag only when the encoder is named "LAME" (not ffmpeg's "Lavc").
/// </summary>
internal static class Mp3Decoder
{
    /// <summary>
    /// The load-time check on the file's first bytes: after an ID3v2 tag, if any, an MPEG audio frame header must
    /// follow. Returns the problem, or null. (When the tag is longer than <paramref name="head"/>, it is let through.)
    /// </summary>
    public static string? Identify(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith("ID3"u8) && head.Length < 10)
            return "MP3: the ID3 tag is cut off; the file is truncated";
        var offset = Mp3GaplessInfo.Id3Length(head);
        if (offset + 4 > head.Length)
            return null;

        var frame = head[offset..];
        var valid = frame.Length >= 4 && frame[0] == 0xFF && (frame[1] & 0xE0) == 0xE0 && (frame[1] & 0x06) != 0
            && (frame[2] >> 4) != 0xF && ((frame[2] >> 2) & 3) != 3;
        return valid ? null : $"MP3: no MPEG audio frame header at byte {offset}";
    }

    /// <summary>Decodes <paramref name="file"/>; throws <see cref="InvalidDataException"/> with the problem.</summary>
    public static DecodedAudio Decode(byte[] file)
    {
        try
        {
            var layout = Mp3GaplessInfo.Read(file);
            using var stream = new MemoryStream(file, layout.AudioStart, file.Length - layout.AudioStart, writable: false);
            using var mpeg = new MpegFile(stream);
            var channels = mpeg.Channels;
            var output = new SampleBuffer();
            var chunk = channels * 4_608;
            var buffer = new float[chunk];
            while (true)
            {
                var read = mpeg.ReadSamples(buffer, 0, chunk);
                if (read <= 0)
                    break;
                buffer.AsSpan(0, read).CopyTo(output.Reserve(read));
                output.Advance(read);
            }

            if (output.Count == 0)
                throw new InvalidDataException("no MPEG audio frames could be decoded");
            var (start, end) = (0, output.Count / channels);
            if (layout.IsGapless)
            {
                start = layout.EncoderDelay + Mp3GaplessInfo.DecoderDelay;
                end = Math.Min(end, (layout.Frames * layout.SamplesPerFrame) - layout.Padding + Mp3GaplessInfo.DecoderDelay);
            }

            return end <= start
                ? throw new InvalidDataException($"no audio after the encoder delay of {layout.EncoderDelay} samples")
                : new DecodedAudio(output.ToArray(start * channels, end * channels), mpeg.SampleRate, channels);
        }
        // NLayer reports damaged or cut-off frames with any of these (it was written for well-formed streams).
        catch (Exception e) when (e is EndOfStreamException or ArgumentException or InvalidOperationException or IndexOutOfRangeException or NullReferenceException)
        {
            throw new InvalidDataException($"not a readable MP3 file ({e.Message})", e);
        }
    }
}
