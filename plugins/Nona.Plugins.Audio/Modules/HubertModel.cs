// transformers.models.hubert.modeling_hubert.HubertModel without SpecAugment (masked_spec_embed): the bare encoder a
// downstream head fine-tunes. Parameter names are HF's, so a HubertModel state dict loads key by key.
using TorchSharp;
using static TorchSharp.torch;

namespace Nona.Plugins.Audio.Modules;

/// <summary>
/// HuBERT (Hsu et al., "HuBERT: Self-Supervised Speech Representation Learning by Masked Prediction of Hidden Units",
/// 2021): 16 kHz waveforms (B, T) → last hidden state (B, frames, hidden), one frame per 20 ms
/// (<see cref="HubertConfig.Frames"/>: 16,000 samples → 49 frames).
/// </summary>
public sealed class HubertModel : nn.Module<Tensor, Tensor?, Tensor>
{
    private readonly HubertFeatureEncoder feature_extractor;
    private readonly HubertFeatureProjection feature_projection;
    private readonly HubertEncoder encoder;

    /// <summary>Builds the model with PyTorch's default initialisation; load weights with the weight store.</summary>
    public HubertModel(HubertConfig config)
        : base(nameof(HubertModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        feature_extractor = new HubertFeatureEncoder(config);
        feature_projection = new HubertFeatureProjection(config);
        encoder = new HubertEncoder(config);
        RegisterComponents();
    }

    /// <summary>The sizes the model was built with.</summary>
    public HubertConfig Config { get; }

    /// <summary>The CNN feature encoder (<c>feature_extractor.*</c>), which fine-tuning recipes usually freeze.</summary>
    public nn.Module FeatureEncoder => feature_extractor;

    /// <summary>Runs the model.</summary>
    /// <param name="waveforms">Float waveforms (B, T) at 16 kHz.</param>
    /// <param name="frameMask">Null, or a bool (B, frames) of valid frames for attention (see <see cref="HubertEncoder.forward"/>).</param>
    public override Tensor forward(Tensor waveforms, Tensor? frameMask)
    {
        ArgumentNullException.ThrowIfNull(waveforms);
        if (waveforms.dim() != 2)
            throw new ArgumentException($"HuBERT expects waveforms (B, T), got shape [{string.Join(", ", waveforms.shape)}]", nameof(waveforms));
        if (Config.Frames(waveforms.shape[1]) < 1)
            throw new ArgumentException($"HuBERT needs clips long enough for one frame of its feature encoder; got {waveforms.shape[1]} samples", nameof(waveforms));
        using var scope = NewDisposeScope();
        var features = feature_extractor.call(waveforms).transpose(1, 2); // (B, frames, conv_dim[-1])
        var hidden = feature_projection.call(features);                   // (B, frames, hidden)
        return encoder.call(hidden, frameMask).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            feature_extractor.Dispose();
            feature_projection.Dispose();
            encoder.Dispose();
        }

        base.Dispose(disposing);
    }
}
