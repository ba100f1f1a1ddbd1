using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Nona.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace Nona.Plugins.Audio.Pipeline;

/// <summary>
/// One sample cut from a recording: the recording (absolute path), optionally only some stretches of it joined end to
/// end (e.g. the participant's turns), and either one clip of the result cropped as <see cref="AudioOptions.Crop"/>
/// says (<paramref name="WindowStart"/> &lt; 0) or the window of <see cref="AudioOptions.Seconds"/> starting at
/// <paramref name="WindowStart"/>.
/// </summary>
/// <param name="Path">The audio file.</param>
/// <param name="Keep">Stretches to keep, as [start, end) sample offsets at 16 kHz; null keeps everything.</param>
/// <param name="WindowStart">Offset of the window in the kept audio at 16 kHz, or −1 to crop.</param>
public sealed record RecordingPart(string Path, IReadOnlyList<(int Start, int End)>? Keep, int WindowStart);

/// <summary>
/// Long recordings as backbone input (the <c>audio</c> modality): each sample is a <see cref="RecordingPart"/>. A
/// recording is decoded, resampled, denoised (before anything is cut, so its pauses measure the noise) and trimmed to
/// its kept stretches once, then held in a bounded cache, so the many windows of one recording do not each decode it.
/// </summary>
public sealed class RecordingInputs : SampleInputSource
{
    private const string PipelineVersion = "nona-audio-recordings-v1";

    // About 128 MB of float samples: a few dozen minutes of 16 kHz audio.
    private const long CacheSamples = 32L << 20;

    private readonly RecordingPart[] parts;
    private readonly AudioOptions options;
    private readonly AudioOptions clipOptions;
    private readonly Lazy<string> fingerprint;
    private readonly object gate = new();
    private readonly LinkedList<(string Key, float[] Audio)> recent = new();
    private long cached;

    /// <summary>The samples <paramref name="parts"/>, prepared as <paramref name="options"/> say.</summary>
    public RecordingInputs(IReadOnlyList<RecordingPart> parts, AudioOptions options)
    {
        ArgumentNullException.ThrowIfNull(parts);
        ArgumentNullException.ThrowIfNull(options);
        this.parts = [.. parts];
        this.options = options.Snapshot();
        clipOptions = options.Snapshot();
        clipOptions.Denoise = AudioDenoise.None; // already applied to the whole recording
        fingerprint = new Lazy<string>(ComputeFingerprint, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The samples, in order.</summary>
    public IReadOnlyList<RecordingPart> Parts => parts;

    /// <inheritdoc />
    public override int Count => parts.Length;

    /// <inheritdoc />
    public override string Modality => "audio";

    /// <inheritdoc />
    public override SamplePreview Preview(int index) => AudioPreviews.Of(this, index);

    /// <inheritdoc />
    public override long VectorDim => 0;

    /// <summary>SHA-256 over the settings, every sample's cut and every distinct file's bytes.</summary>
    public override string Fingerprint() => fingerprint.Value;

    /// <summary>
    /// How many samples <see cref="Kept"/> gives, without decoding a WAV file (the windows of a recording are counted
    /// at load time; the audio itself is decoded when its batches are built).
    /// </summary>
    public static int KeptLength(string path, IReadOnlyList<(int Start, int End)>? keep)
    {
        var length = AudioDecoder.ResampledLength(path);
        return keep is null ? length : keep.Sum(k => Math.Max(0, Math.Clamp(k.End, 0, length) - Math.Clamp(k.Start, 0, length)));
    }

    /// <summary>
    /// The audio a recording keeps at 16 kHz (decoded, resampled, denoised, trimmed to <paramref name="keep"/>).
    /// Throws <see cref="DataFormatException"/> naming the file.
    /// </summary>
    public static float[] Kept(string path, IReadOnlyList<(int Start, int End)>? keep, AudioDenoise denoise)
    {
        var (mono, rate) = AudioDecoder.ReadMono(path);
        var audio = AudioDecoder.Resample(mono, rate);
        if (denoise == AudioDenoise.SpectralGate)
            audio = SpectralGate.Apply(audio);
        if (keep is null)
            return audio;
        var joined = new List<float>();
        foreach (var (start, end) in keep)
        {
            var (from, to) = (Math.Clamp(start, 0, audio.Length), Math.Clamp(end, 0, audio.Length));
            if (to > from)
                joined.AddRange(audio.AsSpan(from, to - from));
        }

        return [.. joined];
    }

    /// <inheritdoc />
    protected override LoadedSample LoadSample(int index, Random? augmentation)
    {
        var part = parts[index];
        var audio = Recording(part);
        ReadOnlySpan<float> kept = audio;
        if (part.WindowStart >= 0)
        {
            var start = Math.Min(part.WindowStart, audio.Length);
            kept = kept.Slice(start, Math.Min(clipOptions.ClipSamples, audio.Length - start)); // never longer: no crop
        }

        var clip = AudioDecoder.PrepareClip(kept, clipOptions);
        return new(torch.tensor(clip.Samples, [clip.Samples.Length], ScalarType.Float32), clip.Length); // (T)
    }

    private float[] Recording(RecordingPart part)
    {
        var key = Describe(part.Path, part.Keep);
        lock (gate)
        {
            for (var node = recent.First; node is not null; node = node.Next)
            {
                if (node.Value.Key == key)
                {
                    recent.Remove(node);
                    recent.AddFirst(node);
                    return node.Value.Audio;
                }
            }
        }

        // Decoded outside the lock: the batch decodes its samples in parallel. Two threads may decode one recording
        // at once; both get the same audio and the cache keeps one.
        var audio = Kept(part.Path, part.Keep, options.Denoise);
        lock (gate)
        {
            if (recent.All(entry => entry.Key != key))
            {
                recent.AddFirst((key, audio));
                cached += audio.Length;
                while (cached > CacheSamples && recent.Count > 1)
                {
                    cached -= recent.Last!.Value.Audio.Length;
                    recent.RemoveLast();
                }
            }
        }

        return audio;
    }

    private static string Describe(string path, IReadOnlyList<(int Start, int End)>? keep) =>
        keep is null ? path : path + "|" + string.Join(';', keep.Select(k => string.Create(CultureInfo.InvariantCulture, $"{k.Start}-{k.End}")));

    private string ComputeFingerprint()
    {
        // Each file is hashed once however many windows it gives; the cuts go into the settings.
        var paths = parts.Select(p => p.Path).Distinct(StringComparer.Ordinal).ToArray();
        using var cuts = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var part in parts)
            cuts.AppendData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{Describe(part.Path, part.Keep)}@{part.WindowStart}\n")));
        var settings = $"{PipelineVersion};{options.EvaluationKey()};cuts={Convert.ToHexStringLower(cuts.GetHashAndReset())}";
        return FileSamples.Fingerprint(paths, settings, DecodeThreads);
    }
}
