using Nona.Abstractions;
using Nona.Abstractions.Torch;
using Nona.Plugins.Audio.Modules;
using TorchSharp;
using static Nona.Abstractions.Torch.HeldScalars;
using static TorchSharp.torch;

namespace Nona.Plugins.Audio.Backbones;

/// <summary>How the <c>whisper</c> backbone pools the encoder's frames into one vector.</summary>
public enum WhisperPooling
{
    /// <summary>Mean over every frame (1500 for 30 s), padding included: what the encoder sees for the paper's 30 s clips.</summary>
    All,

    /// <summary>Mean over the frames that hold audio: the first ceil(samples / 320) (20 ms per frame), for short clips.</summary>
    Audio,
}

/// <summary>
/// Whisper's audio encoder as a feature extractor: 16 kHz mono waveforms (B, T) → padded or trimmed to 30 s →
/// log-mel (<see cref="LogMel"/>) → <see cref="WhisperEncoder"/> → (B, positions, width) → pooled to (B, width).
/// </summary>
public sealed class WhisperBackbone : FeatureExtractor
{
    /// <summary>Waveform samples per encoder frame: hop 160, then conv2's stride 2.</summary>
    public const int SamplesPerFrame = 2 * LogMel.HopLength;

    private readonly LogMel frontend;
    private readonly WhisperEncoder encoder;
    private readonly WhisperPooling pooling;

    /// <summary>Wraps <paramref name="encoder"/> (registered as <c>encoder</c>) behind Whisper's front end.</summary>
    /// <param name="encoder">The encoder, weights loaded.</param>
    /// <param name="pooling">How frames become one vector.</param>
    /// <param name="frozen">True for <c>trainable: false</c>.</param>
    /// <param name="fingerprint">Identifies the weights and options, for the feature cache.</param>
    public WhisperBackbone(WhisperEncoder encoder, WhisperPooling pooling, bool frozen, string? fingerprint)
        : base(nameof(WhisperBackbone))
    {
        ArgumentNullException.ThrowIfNull(encoder);
        this.encoder = encoder;
        this.pooling = pooling;
        frontend = new LogMel(encoder.Config.Mels, encoder.Config.Samples);
        OutputDim = encoder.Config.Width;
        Frozen = frozen;
        Fingerprint = fingerprint;
        RegisterComponents();
        if (frozen)
        {
            foreach (var parameter in encoder.parameters())
                parameter.requires_grad = false;
        }
    }

    /// <inheritdoc />
    public override long OutputDim { get; }

    /// <inheritdoc />
    public override string Modality => "audio";

    /// <inheritdoc />
    public override bool Frozen { get; }

    /// <inheritdoc />
    public override string? Fingerprint { get; }

    /// <summary>The encoder's sizes.</summary>
    public WhisperConfig Config => encoder.Config;

    /// <inheritdoc />
    public override Tensor forward(InputBatch input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = NewDisposeScope();
        var hidden = Encode(input.Values); // (B, P, W)
        if (pooling == WhisperPooling.All)
            return hidden.mean([1]).MoveToOuterDisposeScope();
        return HubertBackbone.Pool(hidden, AudioFrames(input, hidden.shape[1])).MoveToOuterDisposeScope();
    }

    /// <summary>The last hidden state (B, positions, width) of waveforms (B, T) at 16 kHz.</summary>
    public Tensor Encode(Tensor waveforms)
    {
        ArgumentNullException.ThrowIfNull(waveforms);
        if (waveforms.dim() != 2)
            throw new ArgumentException($"the whisper backbone reads waveforms (B, T), got shape [{string.Join(", ", waveforms.shape)}]", nameof(waveforms));
        using var scope = NewDisposeScope();
        return encoder.call(frontend.call(waveforms)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// (B, P) bool: true at the frames that hold audio, the first ceil(samples / 320) of each clip (at least one),
    /// samples from the batch's mask, or the clip length when there is none, capped at 30 s.
    /// </summary>
    private Tensor AudioFrames(InputBatch input, long positions)
    {
        var (batch, length) = (input.Values.shape[0], input.Values.shape[1]);
        using var clipLength = length.ToScalar();
        var samples = input.Mask is { } mask
            ? mask.to(ScalarType.Int64).sum(1)
            : full(batch, clipLength, dtype: ScalarType.Int64, device: input.Values.device);
        var frames = samples.clamp_max(Held(Config.Samples)).Plus(Held(SamplesPerFrame - 1L)).div(Held(SamplesPerFrame), rounding_mode: RoundingMode.floor).clamp_min(One);
        return HeldArithmetic.Arange(positions, device: input.Values.device).unsqueeze(0) < frames.unsqueeze(1);
    }

    /// <inheritdoc />
    public override void train(bool train = true) => base.train(train && !Frozen);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            frontend.Dispose();
            encoder.Dispose();
        }

        base.Dispose(disposing);
    }
}
