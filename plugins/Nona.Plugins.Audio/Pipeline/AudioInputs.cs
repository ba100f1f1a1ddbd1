using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Nona.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace Nona.Plugins.Audio.Pipeline;

/// <summary>
/// Audio files as backbone input: the <c>audio</c> modality. Each sample is decoded by <see cref="AudioDecoder"/>
/// when its batch is built (in parallel, see <see cref="SampleInputSource.Batches"/>) into a float32
/// waveform of <see cref="AudioOptions.ClipSamples"/> samples at 16 kHz; a clip shorter than that is zero-padded and
/// its batch carries a mask of the samples that hold audio.
/// </summary>
public sealed class AudioInputs : SampleInputSource
{
    // Bump when decoding changes what a file turns into: cached frozen-backbone features keyed on the old output
    // must not be reused.
    private const string PipelineVersion = "nona-audio-files-v2";

    private readonly string[] paths;
    private readonly AudioOptions options;
    private readonly Lazy<string> fingerprint;

    /// <summary>The audio files at <paramref name="paths"/> (absolute), prepared as <paramref name="options"/> say.</summary>
    public AudioInputs(IReadOnlyList<string> paths, AudioOptions options)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(options);
        this.paths = [.. paths];
        this.options = options.Snapshot();
        fingerprint = new Lazy<string>(ComputeFingerprint, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The audio files, in sample order.</summary>
    public IReadOnlyList<string> Paths => paths;

    /// <inheritdoc />
    public override int Count => paths.Length;

    /// <inheritdoc />
    public override string Modality => "audio";

    /// <inheritdoc />
    public override long VectorDim => 0;

    /// <summary>SHA-256 (hex) over the settings and every file's bytes in order; computed on first use and kept.</summary>
    public override string Fingerprint() => fingerprint.Value;

    /// <inheritdoc />
    protected override LoadedSample LoadSample(int index, Random? augmentation)
    {
        var clip = AudioDecoder.DecodeClip(paths[index], options);
        return new(torch.tensor(clip.Samples, [clip.Samples.Length], ScalarType.Float32), clip.Length); // (T)
    }

    private string ComputeFingerprint() =>
        FileSamples.Fingerprint(paths, $"{PipelineVersion};{options.EvaluationKey()}", DecodeThreads);
}

/// <summary>
/// In-memory clips (synthesised or already decoded) at 16 kHz as backbone input: the <c>audio</c> modality. Each
/// clip is cropped or zero-padded to <see cref="AudioOptions.Seconds"/> and normalised like a decoded file.
/// </summary>
public sealed class TensorAudioInputs : SampleInputSource
{
    private const string PipelineVersion = "nona-audio-tensor-v2";

    private readonly Tensor clips;
    private readonly AudioOptions options;
    private readonly Lazy<string> fingerprint;

    /// <summary>
    /// Wraps <paramref name="clips"/>: a float32 CPU tensor (N, T) of mono waveforms at 16 kHz. The source keeps its
    /// own reference to the storage; the caller may dispose its tensor.
    /// </summary>
    public TensorAudioInputs(Tensor clips, AudioOptions options)
    {
        ArgumentNullException.ThrowIfNull(clips);
        ArgumentNullException.ThrowIfNull(options);
        if (clips.dim() != 2)
            throw new ArgumentException($"clips must be (N, T), got ({string.Join(", ", clips.shape)})", nameof(clips));
        if (clips.dtype != ScalarType.Float32 || clips.device_type != DeviceType.CPU)
            throw new ArgumentException($"clips must be a float32 CPU tensor, got {clips.dtype} on {clips.device}", nameof(clips));

        // A handle of our own, outside any dispose scope the caller may be in.
        this.clips = clips.detach().contiguous().DetachFromDisposeScope();
        this.options = options.Snapshot();
        fingerprint = new Lazy<string>(ComputeFingerprint, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <inheritdoc />
    public override int Count => (int)clips.shape[0];

    /// <inheritdoc />
    public override string Modality => "audio";

    /// <inheritdoc />
    public override long VectorDim => 0;

    /// <summary>SHA-256 (hex) of the tensor's shape and bytes and the settings; computed once.</summary>
    public override string Fingerprint() => fingerprint.Value;

    /// <inheritdoc />
    protected override LoadedSample LoadSample(int index, Random? augmentation)
    {
        using var row = clips[index];
        var clip = AudioDecoder.PrepareClip(row.data<float>().ToArray(), options);
        return new(torch.tensor(clip.Samples, [clip.Samples.Length], ScalarType.Float32), clip.Length); // (T)
    }

    private string ComputeFingerprint()
    {
        var values = clips.data<float>().ToArray();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{PipelineVersion};{options.EvaluationKey()};shape={string.Join('x', clips.shape)}\n"));
        hash.AppendData(MemoryMarshal.AsBytes(values.AsSpan()));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
