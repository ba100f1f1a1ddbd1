// transformers.models.hubert.modeling_hubert.HubertEncoder (post-LN, base models) and HubertEncoderStableLayerNorm
// (pre-LN, do_stable_layer_norm: large models), in one class: they differ only in where encoder.layer_norm sits.
using Nona.Abstractions.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static Nona.Abstractions.Torch.HeldScalars;
using static TorchSharp.torch;

namespace Nona.Plugins.Audio.Modules;

/// <summary>
/// HF <c>HubertEncoder</c>, (B, frames, hidden) + optional frame mask (B, frames) → last hidden state: positions added
/// by the convolutional embedding, <c>layer_norm</c> before the layers (post-LN) or after them (stable layer norm),
/// <c>layerdrop</c> in training.
/// </summary>
public sealed class HubertEncoder : nn.Module<Tensor, Tensor?, Tensor>
{
    private readonly HubertPositionalConvEmbedding pos_conv_embed;
    private readonly LayerNorm layer_norm;
    private readonly Dropout dropout;
    private readonly ModuleList<HubertEncoderLayer> layers;
    private readonly bool stableLayerNorm;
    private readonly double layerDrop;

    /// <summary>Builds the encoder of <paramref name="config"/>.</summary>
    public HubertEncoder(HubertConfig config)
        : base(nameof(HubertEncoder))
    {
        ArgumentNullException.ThrowIfNull(config);
        pos_conv_embed = new HubertPositionalConvEmbedding(config);
        layer_norm = nn.LayerNorm(config.HiddenSize, eps: config.LayerNormEps);
        dropout = nn.Dropout(config.HiddenDropout);
        layers = nn.ModuleList(Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new HubertEncoderLayer(config)).ToArray());
        stableLayerNorm = config.DoStableLayerNorm;
        layerDrop = config.LayerDrop;
        RegisterComponents();
    }

    /// <summary>Runs the encoder.</summary>
    /// <param name="hidden">Projected features (B, frames, hidden).</param>
    /// <param name="frameMask">
    /// Null: every frame attends to every frame (HF without an attention mask). Otherwise a bool (B, frames), true on
    /// valid frames: padded frames are zeroed before the position conv and masked as attention keys, as HF does when
    /// given an attention mask.
    /// </param>
    public override Tensor forward(Tensor hidden, Tensor? frameMask)
    {
        using var scope = NewDisposeScope();
        Tensor? additiveMask = null;
        var x = hidden;
        if (frameMask is not null)
        {
            x = x.masked_fill(frameMask.logical_not().unsqueeze(-1), Held(0L));
            var minimum = x.dtype == ScalarType.Float64 ? double.MinValue : float.MinValue; // HF: torch.finfo(dtype).min
            additiveMask = frameMask.logical_not().to(x.dtype).mul(Held(minimum)).view(x.shape[0], 1, 1, x.shape[1]); // (B, 1, 1, frames)
        }

        x = x.Plus(pos_conv_embed.call(x));
        if (!stableLayerNorm)
            x = layer_norm.call(x);
        x = dropout.call(x);
        foreach (var layer in layers)
        {
            // HF draws one number per layer and skips the layer below layerdrop, in training only.
            if (training && layerDrop > 0 && rand(1).item<float>() < layerDrop)
                continue;
            x = layer.call(x, additiveMask);
        }

        if (stableLayerNorm)
            x = layer_norm.call(x);
        return x.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            pos_conv_embed.Dispose();
            layer_norm.Dispose();
            dropout.Dispose();
            layers.Dispose();
        }

        base.Dispose(disposing);
    }
}
