using System.Diagnostics;
using System.Globalization;
using NAudio.Wave;
using NAudio.Wave.SampleProviders;
using Nona.Abstractions;
using Nona.Plugins.Audio.Decoding;

namespace Nona.Plugins.Audio.Pipeline;

/// <summary>
/// Turns an audio file into a clip: the container is recognised from its first bytes (never from the file name) and
/// handed to its decoder — WAV (NAudio), MP3 (NLayer), Ogg Opus/Vorbis and WebM/Matroska Opus/Vorbis (our Ogg and
/// EBML readers, Concentus, NVorbis), all managed code — then channels are averaged to mono, the rate is converted to
/// 16 kHz with NAudio's managed WDL resampler, and the clip is cropped or zero-padded to
/// <see cref="AudioOptions.Seconds"/>. FLAC, MP4/M4A and AAC are named and refused.
/// </summary>
public static class AudioDecoder
{
    private const string Fix = "; fix or remove the file, or set on_bad_audio: skip";

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

        var container = AudioContainers.Detect(bytes);
        if (Unsupported(container, bytes) is { } problem)
            throw Bad(path, problem);

        DecodedAudio audio;
        try
        {
            audio = container switch
            {
                AudioContainer.Wav => WavDecoder.Decode(bytes),
                AudioContainer.Mp3 => Mp3Decoder.Decode(bytes),
                AudioContainer.Ogg => OggDecoder.Decode(bytes),
                AudioContainer.WebM => WebMDecoder.Decode(bytes),
                _ => throw new UnreachableException($"{container} passed the supported-format check"),
            };
        }
        catch (InvalidDataException e)
        {
            throw Bad(path, $"{AudioContainers.Name(container)}: {e.Message}");
        }

        if (audio.Channels < 1 || audio.SampleRate < 1 || audio.Samples.Length < audio.Channels)
        {
            throw Bad(path, string.Create(CultureInfo.InvariantCulture,
                $"{AudioContainers.Name(container)}: no audio ({audio.Samples.Length} samples, {audio.Channels} channels at {audio.SampleRate} Hz)"));
        }

        return (Mix(audio.Samples, audio.Channels), audio.SampleRate);
    }

    /// <summary>
    /// Checks that <paramref name="path"/> exists and its header describes audio these decoders read, without
    /// decoding the samples (WAV: the format chunk; Ogg: the first page and codec header; WebM: the EBML header;
    /// MP3: the frame header after any ID3 tag). Returns false with the problem (no path) otherwise.
    /// </summary>
    public static bool TryIdentify(string path, out string? problem)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096);
            var head = new byte[Math.Min(stream.Length, OggPacketReader.MaxPageLength)];
            var length = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            var container = AudioContainers.Detect(head.AsSpan(0, length));
            problem = Unsupported(container, head.AsSpan(0, length));
            if (problem is null)
            {
                stream.Position = 0;
                problem = container switch
                {
                    AudioContainer.Wav => WavDecoder.Identify(stream),
                    AudioContainer.Ogg => OggDecoder.Identify(head.AsSpan(0, length)),
                    AudioContainer.WebM => WebMReader.Identify(head.AsSpan(0, length)),
                    AudioContainer.Mp3 => Mp3Decoder.Identify(head.AsSpan(0, length)),
                    _ => null,
                };
            }

            return problem is null;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            problem = "file not found";
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = $"cannot read the file ({e.Message})";
            return false;
        }
    }

    /// <summary>
    /// How many samples <see cref="ReadMono"/> then <see cref="Resample"/> give for <paramref name="path"/>: read from
    /// a WAV header without decoding, otherwise by decoding. Throws <see cref="DataFormatException"/> as
    /// <see cref="ReadMono"/> does.
    /// </summary>
    public static int ResampledLength(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096);
            var head = new byte[64];
            var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            stream.Position = 0;
            if (AudioContainers.Detect(head.AsSpan(0, read)) == AudioContainer.Wav && WavDecoder.Length(stream) is { } header)
                return ResampledLength(header.Samples, header.SampleRate);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // ReadMono below reports the file's problem with its path.
        }

        var (mono, rate) = ReadMono(path);
        return ResampledLength(mono.Length, rate);
    }

    private static int ResampledLength(long samples, int sampleRate) =>
        sampleRate == AudioOptions.SampleRate ? (int)samples : (int)Math.Round(samples * (double)AudioOptions.SampleRate / sampleRate);

    /// <summary>
    /// Converts mono <paramref name="samples"/> at <paramref name="sampleRate"/> to <see cref="AudioOptions.SampleRate"/>
    /// with NAudio's WDL resampler; the result has exactly round(length × 16000 / rate) samples.
    /// </summary>
    public static float[] Resample(float[] samples, int sampleRate)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (sampleRate == AudioOptions.SampleRate)
            return samples;

        var length = ResampledLength(samples.Length, sampleRate);
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

    /// <summary>Why a file with these first bytes cannot be decoded at all, or null when a decoder will try.</summary>
    private static string? Unsupported(AudioContainer container, ReadOnlySpan<byte> head)
    {
        if (head.Length == 0)
            return "the file is empty";
        if (container is AudioContainer.Wav or AudioContainer.Mp3 or AudioContainer.Ogg or AudioContainer.WebM)
            return null;
        if (container is not AudioContainer.Unknown)
        {
            return $"not supported yet: {AudioContainers.Name(container)} (WAV, MP3, Ogg and WebM with Opus or Vorbis decode; "
                + "convert it, e.g. ffmpeg -i IN -ar 16000 -ac 1 OUT.wav)";
        }

        var hex = Convert.ToHexString(head[..Math.Min(head.Length, 4)]);
        return head.StartsWith("RIFF"u8)
            ? "a RIFF file that is not WAVE audio"
            : $"not an audio file this decoder reads (unrecognised header 0x{hex}; WAV, MP3, Ogg and WebM are)";
    }

    private static DataFormatException Bad(string path, string problem) => new($"{path}: {problem}{Fix}");

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
