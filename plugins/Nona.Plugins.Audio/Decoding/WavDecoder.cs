using System.Globalization;
using NAudio.Wave;

namespace Nona.Plugins.Audio.Decoding;

/// <summary>WAV (PCM 8/16/24/32-bit, IEEE float 32/64, extensible headers) with NAudio.</summary>
internal static class WavDecoder
{
    // WAVE_FORMAT_EXTENSIBLE sub-formats (KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT).
    private static readonly Guid PcmSubFormat = new("00000001-0000-0010-8000-00aa00389b71");
    private static readonly Guid FloatSubFormat = new("00000003-0000-0010-8000-00aa00389b71");

    /// <summary>Decodes <paramref name="file"/>; throws <see cref="InvalidDataException"/> with the problem.</summary>
    public static DecodedAudio Decode(byte[] file)
    {
        try
        {
            using var stream = new MemoryStream(file, writable: false);
            using var reader = new WaveFileReader(stream);
            if (Check(reader, stream) is { } invalid)
                throw new InvalidDataException(invalid);

            var channels = reader.WaveFormat.Channels;
            var interleaved = new float[reader.SampleCount * channels];
            var samples = Samples(reader);
            var chunk = channels * 4096;
            var filled = 0;
            while (filled < interleaved.Length)
            {
                var read = samples.Read(interleaved, filled, Math.Min(chunk, interleaved.Length - filled));
                if (read <= 0)
                    break;
                filled += read;
            }

            return filled < interleaved.Length
                ? throw new InvalidDataException($"the data chunk holds {interleaved.Length} samples but only {filled} could be read; the file is truncated")
                : new DecodedAudio(interleaved, reader.WaveFormat.SampleRate, channels);
        }
        catch (Exception e) when (e is FormatException or EndOfStreamException or InvalidOperationException or ArgumentException or IOException)
        {
            throw new InvalidDataException($"not a readable WAV file ({e.Message})", e);
        }
    }

    /// <summary>Reads the WAV header of <paramref name="stream"/>: the problem that makes it unusable, or null.</summary>
    public static string? Identify(Stream stream)
    {
        try
        {
            using var reader = new WaveFileReader(stream);
            return Check(reader, stream);
        }
        catch (Exception e) when (e is FormatException or EndOfStreamException or InvalidOperationException or ArgumentException or IOException)
        {
            return $"not a readable WAV file ({e.Message})";
        }
    }

    /// <summary>Samples per channel and the rate, from the header alone; null when the header is not usable.</summary>
    public static (long Samples, int SampleRate)? Length(Stream stream)
    {
        try
        {
            using var reader = new WaveFileReader(stream);
            return Check(reader, stream) is null ? (reader.SampleCount, reader.WaveFormat.SampleRate) : null;
        }
        catch (Exception e) when (e is FormatException or EndOfStreamException or InvalidOperationException or ArgumentException or IOException)
        {
            return null;
        }
    }

    /// <summary>What makes an opened WAV unusable (encoding, empty, truncated), or null.</summary>
    private static string? Check(WaveFileReader reader, Stream stream)
    {
        var format = Effective(reader.WaveFormat);
        var supported = (format.Encoding == WaveFormatEncoding.Pcm && format.BitsPerSample is 8 or 16 or 24 or 32)
            || (format.Encoding == WaveFormatEncoding.IeeeFloat && format.BitsPerSample is 32 or 64);
        if (!supported)
            return $"unsupported WAV encoding {format.Encoding} ({format.BitsPerSample}-bit); convert it to 16-bit PCM";
        if (format.Channels < 1 || format.SampleRate < 1)
            return string.Create(CultureInfo.InvariantCulture, $"invalid WAV header ({format.Channels} channels at {format.SampleRate} Hz)");
        if (reader.SampleCount == 0)
            return "the file holds no audio samples";
        if ((long)int.MaxValue / format.Channels < reader.SampleCount)
            return $"too long ({reader.SampleCount} samples per channel)";

        // The reader stands at the start of the data chunk: a chunk that claims more bytes than remain was cut off.
        var remaining = stream.Length - stream.Position;
        return reader.Length > remaining
            ? $"the data chunk claims {reader.Length} bytes but the file ends after {remaining}; the file is truncated"
            : null;
    }

    private static ISampleProvider Samples(WaveFileReader reader)
    {
        var format = Effective(reader.WaveFormat);
        return ReferenceEquals(format, reader.WaveFormat) ? reader.ToSampleProvider() : new Retagged(reader, format).ToSampleProvider();
    }

    /// <summary>WAVE_FORMAT_EXTENSIBLE spelled as the plain PCM or float format NAudio's converters accept.</summary>
    private static WaveFormat Effective(WaveFormat format)
    {
        if (format is not WaveFormatExtensible extensible)
            return format;
        if (extensible.SubFormat == PcmSubFormat)
            return new WaveFormat(format.SampleRate, format.BitsPerSample, format.Channels);
        if (extensible.SubFormat == FloatSubFormat)
        {
            return WaveFormat.CreateCustomFormat(
                WaveFormatEncoding.IeeeFloat, format.SampleRate, format.Channels, format.AverageBytesPerSecond, format.BlockAlign, format.BitsPerSample);
        }

        return format;
    }

    /// <summary>The same bytes under another format tag.</summary>
    private sealed class Retagged(IWaveProvider inner, WaveFormat format) : IWaveProvider
    {
        public WaveFormat WaveFormat => format;

        public int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
    }
}
