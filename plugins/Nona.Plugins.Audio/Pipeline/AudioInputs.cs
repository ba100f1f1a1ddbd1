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
public sealed class AudioInputs : FileSampleSource
{
    // Bump when decoding changes what a file turns into: cached frozen-backbone features keyed on the old output
    // must not be reused.
    private const string PipelineVersion = "nona-audio-files-v2";

    private readonly AudioOptions options;

    /// <summary>The audio files at <paramref name="paths"/> (absolute), prepared as <paramref name="options"/> say.</summary>
    public AudioInputs(IReadOnlyList<string> paths, AudioOptions options)
        : base(paths, $"{PipelineVersion};{(options ?? throw new ArgumentNullException(nameof(options))).EvaluationKey()}")
    {
        this.options = options.Snapshot();
        SkipsBadSamples = options.OnBadAudio == BadRowPolicy.Skip; // a body that fails mid-run is dropped like a bad header at load
    }

    /// <inheritdoc />
    public override string Modality => "audio";

    /// <inheritdoc />
    public override SamplePreview Preview(int index) => AudioPreviews.Of(this, index);

    /// <inheritdoc />
    protected override LoadedSample LoadSample(int index, Random? augmentation)
    {
        var clip = AudioDecoder.DecodeClip(Paths[index], options);
        return new(torch.tensor(clip.Samples, [clip.Samples.Length], ScalarType.Float32), clip.Length); // (T)
    }
}

/// <summary>
/// In-memory clips (synthesised or already decoded) at 16 kHz as backbone input: the <c>audio</c> modality. Each
/// clip is cropped or zero-padded to <see cref="AudioOptions.Seconds"/> and normalised like a decoded file.
/// </summary>
public sealed class TensorAudioInputs : TensorSampleSource
{
    private const string PipelineVersion = "nona-audio-tensor-v2";

    private readonly AudioOptions options;

    /// <summary>
    /// Wraps <paramref name="clips"/>: a float32 CPU tensor (N, T) of mono waveforms at 16 kHz. The source keeps its
    /// own reference to the storage; the caller may dispose its tensor.
    /// </summary>
    public TensorAudioInputs(Tensor clips, AudioOptions options)
        : base(Checked(clips), $"{PipelineVersion};{(options ?? throw new ArgumentNullException(nameof(options))).EvaluationKey()}", nameof(clips))
    {
        this.options = options.Snapshot();
    }

    /// <inheritdoc />
    public override string Modality => "audio";

    /// <inheritdoc />
    public override SamplePreview Preview(int index) => AudioPreviews.Of(this, index);

    /// <inheritdoc />
    protected override LoadedSample LoadSample(int index, Random? augmentation)
    {
        using var row = Samples[index];
        var clip = AudioDecoder.PrepareClip(row.data<float>().ToArray(), options);
        return new(torch.tensor(clip.Samples, [clip.Samples.Length], ScalarType.Float32), clip.Length); // (T)
    }

    private static Tensor Checked(Tensor clips)
    {
        ArgumentNullException.ThrowIfNull(clips);
        return clips.dim() == 2 ? clips : throw new ArgumentException($"clips must be (N, T), got ({string.Join(", ", clips.shape)})", nameof(clips));
    }
}
