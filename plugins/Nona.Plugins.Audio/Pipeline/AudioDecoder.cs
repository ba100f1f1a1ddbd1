using System.Globalization;
using NAudio.Wave;
using NAudio.Wave.SampleProviders;
using Nona.Abstractions;

namespace Nona.Plugins.Audio.Pipeline;

/// <summary>
/// Turns an audio file into a clip: the container is recognised from its first bytes (never from the file name),
/// WAV (PCM 8/16/24/32-bit, IEEE float) is decoded with NAudio, channels are averaged to mono, the rate is converted
/// to 16 kHz with NAudio's managed WDL resampler, and the clip is cropped or zero-padded to
/// <see cref="AudioOptions.Seconds"/>. Other containers (Ogg, WebM, MP3, FLAC) are named and refused: their decoders
/// are not cross-platform in NAudio.
/// </summary>
public static class AudioDecoder
{
    private const string Fix = "; fix or remove the file, or set on_bad_audio: skip";

    // WAVE_FORMAT_EXTENSIBLE sub-formats (KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT).
    private static readonly Guid PcmSubFormat = new("00000001-0000-0010-8000-00aa00389b71");
    private static readonly Guid FloatSubFormat = new("00000003-0000-0010-8000-00aa00389b71");

    /// <summary>
    /// Decodes <paramref name="path"/> into a mono 16 kHz clip of <see cref="AudioOptions.ClipSamples"/> samples.
    /// Throws <see cref="DataFormatException"/> naming the file when it cannot be read.
    /// </summary>
    public static float[] Decode(string path, AudioOptions options) => DecodeClip(path, options).Samples;

    /// <summary>
    /// As <see cref="Decode"/>, with the number of leading samples that hold audio (the rest is zero padding).
    /// </summary>
    public static AudioClip DecodeClip(string path, AudioOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (mono, rate) = ReadMono(path);
        return PrepareClip(Resample(mono, rate), options);
    }

    /// <summary>Reads the whole file as mono samples at the file's own rate. Throws <see cref="DataFormatException"/>.</summary>
    public static (float[] Samples, int SampleRate) ReadMono(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Bad(path, e is FileNotFoundException or DirectoryNotFoundException ? "file not found" : $"cannot read the file ({e.Message})");
        }

        if (Unsupported(bytes) is { } problem)
            throw Bad(path, problem);

        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            using var reader = new WaveFileReader(stream);
            if (Check(reader, stream) is { } invalid)
                throw Bad(path, invalid);

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

            if (filled < interleaved.Length)
                throw Bad(path, $"the data chunk holds {interleaved.Length} samples but only {filled} could be read; the file is truncated");

            return (Mix(interleaved, channels), reader.WaveFormat.SampleRate);
        }
        catch (Exception e) when (e is FormatException or EndOfStreamException or InvalidOperationException or ArgumentException or IOException)
        {
            throw Bad(path, $"not a readable WAV file ({e.Message})");
        }
    }

    /// <summary>
    /// Checks that <paramref name="path"/> exists and its header describes WAV audio this decoder reads, without
    /// decoding the samples. Returns false with the problem (no path) otherwise.
    /// </summary>
    public static bool TryIdentify(string path, out string? problem)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096);
            var head = new byte[12];
            var length = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            problem = Unsupported(head.AsSpan(0, length));
            if (problem is not null)
                return false;

            stream.Position = 0;
            using var reader = new WaveFileReader(stream);
            problem = Check(reader, stream);
            return problem is null;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            problem = "file not found";
            return false;
        }
        catch (Exception e) when (e is FormatException or EndOfStreamException or InvalidOperationException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            problem = $"not a readable WAV file ({e.Message})";
            return false;
        }
    }

    /// <summary>
    /// Converts mono <paramref name="samples"/> at <paramref name="sampleRate"/> to <see cref="AudioOptions.SampleRate"/>
    /// with NAudio's WDL resampler; the result has exactly round(length × 16000 / rate) samples.
    /// </summary>
    public static float[] Resample(float[] samples, int sampleRate)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (sampleRate == AudioOptions.SampleRate)
            return samples;

        var length = (int)Math.Round(samples.Length * (double)AudioOptions.SampleRate / sampleRate);
        // Trailing silence flushes the resampler's filters, so the last input samples reach the output.
        var resampler = new WdlResamplingSampleProvider(new ArraySampleProvider(samples, sampleRate, sampleRate / 10), AudioOptions.SampleRate);
        var output = new float[length];
        var filled = 0;
        while (filled < length)
        {
            var read = resampler.Read(output, filled, Math.Min(8192, length - filled));
            if (read <= 0)
                break;
            filled += read;
        }

        return output;
    }

    /// <summary>
    /// Denoises when <see cref="AudioOptions.Denoise"/> says so, then crops (by <see cref="AudioOptions.Crop"/>) or zero-pads at the end a 16 kHz clip to
    /// <see cref="AudioOptions.ClipSamples"/>, then normalises it when <see cref="AudioOptions.Normalize"/> is set.
    /// </summary>
    public static float[] Prepare(ReadOnlySpan<float> clip, AudioOptions options) => PrepareClip(clip, options).Samples;

    /// <summary>
    /// As <see cref="Prepare"/>, with the number of leading samples that hold audio. Normalisation uses those samples
    /// only, and the padding stays zero.
    /// </summary>
    public static AudioClip PrepareClip(ReadOnlySpan<float> clip, AudioOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Denoise == AudioDenoise.SpectralGate)
            clip = SpectralGate.Apply(clip); // the whole recording: its quiet stretches give the noise floor
        var length = options.ClipSamples;
        var result = new float[length];
        if (clip.Length <= length)
            clip.CopyTo(result);
        else
            clip.Slice(CropStart(clip, length, options.Crop), length).CopyTo(result);

        var valid = Math.Min(clip.Length, length);
        if (options.Normalize)
            Standardize(result.AsSpan(0, valid));
        return new AudioClip(result, valid);
    }

    /// <summary>Where the kept window of <paramref name="length"/> samples starts in a longer clip.</summary>
    public static int CropStart(ReadOnlySpan<float> clip, int length, AudioCrop crop)
    {
        var last = clip.Length - length;
        switch (crop)
        {
            case AudioCrop.Start:
                return 0;
            case AudioCrop.Center:
                return last / 2;
            default:
                // Energy of each window from prefix sums of squares: one pass, however many candidates.
                var prefix = new double[clip.Length + 1];
                for (var i = 0; i < clip.Length; i++)
                    prefix[i + 1] = prefix[i] + ((double)clip[i] * clip[i]);
                var (best, bestEnergy) = (0, double.NegativeInfinity);
                for (var start = 0; ; start = Math.Min(start + AudioOptions.LoudestHop, last))
                {
                    var energy = prefix[start + length] - prefix[start];
                    if (energy > bestEnergy)
                        (best, bestEnergy) = (start, energy);
                    if (start == last)
                        return best;
                }
        }
    }

    private static void Standardize(Span<float> clip)
    {
        if (clip.IsEmpty)
            return;
        double sum = 0, squares = 0;
        foreach (var x in clip)
            sum += x;
        var mean = sum / clip.Length;
        foreach (var x in clip)
            squares += (x - mean) * (x - mean);
        var std = Math.Sqrt(squares / clip.Length);
        // Silence stays silence: dividing by a zero deviation would only amplify rounding noise.
        var scale = std > 1e-7 ? 1 / std : 1;
        for (var i = 0; i < clip.Length; i++)
            clip[i] = (float)((clip[i] - mean) * scale);
    }

    private static float[] Mix(float[] interleaved, int channels)
    {
        if (channels == 1)
            return interleaved;
        var mono = new float[interleaved.Length / channels];
        for (var i = 0; i < mono.Length; i++)
        {
            var sum = 0f;
            for (var c = 0; c < channels; c++)
                sum += interleaved[(i * channels) + c];
            mono[i] = sum / channels;
        }

        return mono;
    }

    /// <summary>The container named from the first bytes, when it is not WAV; null for RIFF/WAVE.</summary>
    private static string? Unsupported(ReadOnlySpan<byte> head)
    {
        if (head.Length == 0)
            return "the file is empty";
        if (head.Length >= 12 && head.StartsWith("RIFF"u8) && head.Slice(8, 4).SequenceEqual("WAVE"u8))
            return null;

        string? format = null;
        if (head.StartsWith("OggS"u8))
            format = "Ogg (Vorbis/Opus)";
        else if (head.StartsWith((ReadOnlySpan<byte>)[0x1A, 0x45, 0xDF, 0xA3]))
            format = "WebM/Matroska";
        else if (head.StartsWith("fLaC"u8))
            format = "FLAC";
        else if (head.StartsWith("ID3"u8) || (head.Length >= 2 && head[0] == 0xFF && (head[1] & 0xE0) == 0xE0))
            format = "MP3";
        if (format is not null)
            return $"not supported yet: {format} (only WAV decodes for now; convert it, e.g. ffmpeg -i IN -ar 16000 -ac 1 OUT.wav)";

        var hex = Convert.ToHexString(head[..Math.Min(head.Length, 4)]);
        return head.StartsWith("RIFF"u8)
            ? "a RIFF file that is not WAVE audio"
            : $"not a WAV file (unrecognised header 0x{hex})";
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

    private static DataFormatException Bad(string path, string problem) => new($"{path}: {problem}{Fix}");

    /// <summary>The same bytes under another format tag.</summary>
    private sealed class Retagged(IWaveProvider inner, WaveFormat format) : IWaveProvider
    {
        public WaveFormat WaveFormat => format;

        public int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
    }

    /// <summary>Mono samples in memory, followed by <c>padding</c> zeros.</summary>
    private sealed class ArraySampleProvider(float[] samples, int sampleRate, int padding) : ISampleProvider
    {
        private int position;

        public WaveFormat WaveFormat { get; } = WaveFormat.CreateIeeeFloatWaveFormat(sampleRate, 1);

        public int Read(float[] buffer, int offset, int count)
        {
            var available = Math.Min(count, samples.Length + padding - position);
            if (available <= 0)
                return 0;
            var copied = Math.Clamp(samples.Length - position, 0, available);
            if (copied > 0)
                Array.Copy(samples, position, buffer, offset, copied);
            Array.Clear(buffer, offset + copied, available - copied);
            position += available;
            return available;
        }
    }
}

/// <summary>A prepared clip: <see cref="AudioOptions.ClipSamples"/> samples, the first <paramref name="Length"/> of them audio.</summary>
/// <param name="Samples">The clip at 16 kHz, zero-padded at the end.</param>
/// <param name="Length">How many leading samples hold audio (the clip length when nothing was padded).</param>
#pragma warning disable CA1819 // A clip is an array of samples by nature; callers hand it straight to a tensor.
public sealed record AudioClip(float[] Samples, int Length);
#pragma warning restore CA1819
