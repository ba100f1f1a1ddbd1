// transformers.models.hubert.modeling_hubert.HubertFeatureEncoder and its conv layers (Hsu et al., "HuBERT", 2021;
// the wav2vec 2.0 feature encoder of Baevski et al., 2020): seven strided 1-D convs over the raw 16 kHz waveform,
// 25 ms receptive field, 20 ms hop. HF spells the three layer kinds as separate classes
// (HubertGroupNormConvLayer, HubertLayerNormConvLayer, HubertNoLayerNormConvLayer); they differ only in the norm, so
// one class with an optional norm carries all three under the same parameter names.
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nona.Plugins.Audio.Modules;

/// <summary>One feature-encoder layer, (B, C_in, L) → (B, C_out, L'): conv, optional norm, exact GELU.</summary>
public sealed class HubertConvLayer : nn.Module<Tensor, Tensor>
{
    // HF's norms here use PyTorch's default eps, not config.layer_norm_eps.
    private const double NormEps = 1e-5;

    private readonly Conv1d conv;
    private readonly nn.Module<Tensor, Tensor>? layer_norm;
    private readonly bool normOverChannelsLast;

    /// <summary>Builds layer <paramref name="index"/> of <paramref name="config"/>'s feature encoder.</summary>
    public HubertConvLayer(HubertConfig config, int index)
        : base(nameof(HubertConvLayer))
    {
        ArgumentNullException.ThrowIfNull(config);
        var inChannels = index == 0 ? 1 : config.ConvDim[index - 1];
        var outChannels = config.ConvDim[index];
        conv = nn.Conv1d(inChannels, outChannels, config.ConvKernel[index], stride: config.ConvStride[index], bias: config.ConvBias);
        if (config.FeatExtractNorm == "layer")
        {
            layer_norm = nn.LayerNorm(outChannels, eps: NormEps); // over channels: (B, L, C)
            normOverChannelsLast = true;
        }
        else if (index == 0)
        {
            layer_norm = nn.GroupNorm(outChannels, outChannels, eps: NormEps); // one group per channel: per-channel stats over time
        }

        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = conv.call(input); // (B, C, L')
        if (layer_norm is not null)
            x = normOverChannelsLast ? layer_norm.call(x.transpose(1, 2)).transpose(1, 2) : layer_norm.call(x);
        return nn.functional.gelu(x).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            conv.Dispose();
            layer_norm?.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>HF <c>HubertFeatureEncoder</c>: waveforms (B, T) → conv features (B, conv_dim[-1], frames).</summary>
public sealed class HubertFeatureEncoder : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<HubertConvLayer> conv_layers;

    /// <summary>Builds the conv stack of <paramref name="config"/>.</summary>
    public HubertFeatureEncoder(HubertConfig config)
        : base(nameof(HubertFeatureEncoder))
    {
        ArgumentNullException.ThrowIfNull(config);
        conv_layers = nn.ModuleList(Enumerable.Range(0, config.ConvDim.Count).Select(i => new HubertConvLayer(config, i)).ToArray());
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor waveforms)
    {
        using var scope = NewDisposeScope();
        var x = waveforms.unsqueeze(1); // (B, 1, T)
        foreach (var layer in conv_layers)
            x = layer.call(x);
        return x.MoveToOuterDisposeScope(); // (B, C, frames)
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
            conv_layers.Dispose();
        base.Dispose(disposing);
    }
}
