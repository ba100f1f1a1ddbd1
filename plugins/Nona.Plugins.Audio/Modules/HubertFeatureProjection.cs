// transformers.models.hubert.modeling_hubert.HubertFeatureProjection: conv features → the transformer's width.
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nona.Plugins.Audio.Modules;

/// <summary>
/// HF <c>HubertFeatureProjection</c>, (B, frames, conv_dim[-1]) → (B, frames, hidden): optional LayerNorm
/// (<c>feat_proj_layer_norm</c>), Linear, dropout.
/// </summary>
public sealed class HubertFeatureProjection : nn.Module<Tensor, Tensor>
{
    private readonly LayerNorm? layer_norm;
    private readonly Linear projection;
    private readonly Dropout dropout;

    /// <summary>Builds the projection of <paramref name="config"/>.</summary>
    public HubertFeatureProjection(HubertConfig config)
        : base(nameof(HubertFeatureProjection))
    {
        ArgumentNullException.ThrowIfNull(config);
        var features = config.ConvDim[^1];
        if (config.FeatProjLayerNorm)
            layer_norm = nn.LayerNorm(features, eps: config.LayerNormEps);
        projection = nn.Linear(features, config.HiddenSize);
        dropout = nn.Dropout(config.FeatProjDropout);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor features)
    {
        using var scope = NewDisposeScope();
        var x = layer_norm is null ? features : layer_norm.call(features);
        return dropout.call(projection.call(x)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            layer_norm?.Dispose();
            projection.Dispose();
            dropout.Dispose();
        }

        base.Dispose(disposing);
    }
}
