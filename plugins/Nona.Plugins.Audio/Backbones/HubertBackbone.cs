using Nona.Abstractions;
using Nona.Abstractions.Torch;
using Nona.Plugins.Audio.Modules;
using TorchSharp;
using static Nona.Abstractions.Torch.HeldScalars;
using static TorchSharp.torch;

namespace Nona.Plugins.Audio.Backbones;

/// <summary>
/// HuBERT as a backbone: 16 kHz waveforms (B, T) → last hidden state → mean over the frames that hold audio →
/// (B, hidden). The model is registered as <c>hubert</c>, so the backbone's parameter names are those of Hugging
/// Face's task models (<c>hubert.encoder.layers.0...</c>).
/// </summary>
public sealed class HubertBackbone : FeatureExtractor
{
    private readonly HubertModel hubert;
    private readonly bool maskAttention;

    /// <summary>Wraps <paramref name="model"/> (weights already loaded).</summary>
    /// <param name="model">The encoder.</param>
    /// <param name="frozen">True for <c>trainable: false</c>: nothing trains, features are cached.</param>
    /// <param name="freezeFeatureEncoder">Keep the CNN feature encoder fixed while the rest fine-tunes.</param>
    /// <param name="fingerprint">Identifies the weights and options, for the frozen-feature cache.</param>
    public HubertBackbone(HubertModel model, bool frozen, bool freezeFeatureEncoder, string? fingerprint)
        : base(nameof(HubertBackbone))
    {
        ArgumentNullException.ThrowIfNull(model);
        hubert = model;
        Frozen = frozen;
        Fingerprint = fingerprint;
        OutputDim = model.Config.HiddenSize;
        // Hugging Face's feature extractor returns an attention mask only for the layer-normed (large) checkpoints;
        // group-norm models such as hubert-base were trained and are used on zero-padded clips without one, the
        // padding taking part in layer 0's group-norm statistics and in attention. Masking attention for them would
        // feed the model something it never saw; only the pooling skips the padded frames.
        maskAttention = model.Config.FeatExtractNorm == "layer";
        RegisterComponents();
        var fixedParameters = frozen ? hubert.parameters() : freezeFeatureEncoder ? hubert.FeatureEncoder.parameters() : [];
        foreach (var parameter in fixedParameters)
            parameter.requires_grad = false;
    }

    /// <summary>The encoder.</summary>
    public HubertModel Model => hubert;

    /// <inheritdoc />
    public override long OutputDim { get; }

    /// <inheritdoc />
    public override string Modality => "audio";

    /// <inheritdoc />
    public override bool Frozen { get; }

    /// <inheritdoc />
    public override string? Fingerprint { get; }

    /// <inheritdoc />
    public override Tensor forward(InputBatch input)
    {
        using var scope = NewDisposeScope();
        var (hidden, frameMask) = Encode(input);
        return Pool(hidden, frameMask).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The mean of <paramref name="hidden"/> (B, frames, H) over the frames where <paramref name="frameMask"/> (B, frames)
    /// is true: (B, H). Whisper's <c>pool: audio</c> pools the same way.
    /// </summary>
    public static Tensor Pool(Tensor hidden, Tensor frameMask)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        ArgumentNullException.ThrowIfNull(frameMask);
        using var scope = NewDisposeScope();
        var weights = frameMask.to(hidden.dtype).unsqueeze(-1);                // (B, frames, 1)
        var counts = weights.sum(1).clamp_min(One);                             // (B, 1): a clip with no full frame pools to 0
        return ((hidden * weights).sum(1) / counts).MoveToOuterDisposeScope(); // (B, H)
    }

    /// <summary>
    /// The last hidden state (B, frames, H) of a batch and its valid frames (B, frames) bool, which
    /// <see cref="forward"/> averages over.
    /// </summary>
    public (Tensor Hidden, Tensor FrameMask) Encode(InputBatch input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = NewDisposeScope();
        var waveforms = input.Values; // (B, T)
        var frames = hubert.Config.Frames(waveforms.shape[1]);
        var frameMask = FrameMask(input.Mask, waveforms.shape[0], frames, waveforms.device);
        var hidden = hubert.call(waveforms, maskAttention ? frameMask : null);
        return (hidden.MoveToOuterDisposeScope(), frameMask.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// True on the frames whose receptive field lies inside the audio: the conv length formula on each clip's valid
    /// sample count (the mask's row sum), as HF's <c>_get_feat_extract_output_lengths</c>. Every frame without a mask.
    /// </summary>
    private Tensor FrameMask(Tensor? sampleMask, long batch, long frames, Device device)
    {
        if (sampleMask is null)
            return ones(batch, frames, ScalarType.Bool, device);
        var lengths = sampleMask.to(ScalarType.Int64).sum(1); // (B)
        var config = hubert.Config;
        for (var i = 0; i < config.ConvKernel.Count; i++)
            lengths = (lengths - Held(config.ConvKernel[i])).div(Held(config.ConvStride[i]), RoundingMode.floor).Plus(One).clamp_min(Held(0L));
        return HeldArithmetic.Arange(frames, dtype: ScalarType.Int64, device: device).unsqueeze(0).lt(lengths.unsqueeze(1));
    }

    /// <inheritdoc />
    public override void train(bool train = true) => base.train(train && !Frozen); // frozen: dropout stays off

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
            hubert.Dispose();
        base.Dispose(disposing);
    }
}
