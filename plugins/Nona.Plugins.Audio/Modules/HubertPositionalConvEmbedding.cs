// transformers.models.hubert.modeling_hubert.HubertPositionalConvEmbedding (wav2vec 2.0's relative positions): a wide
// grouped conv over time, weight-normalised over the kernel axis (torch.nn.utils.weight_norm(conv, dim=2)).
using Nona.Abstractions.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static Nona.Abstractions.Torch.HeldScalars;
using static TorchSharp.torch;

namespace Nona.Plugins.Audio.Modules;

/// <summary>
/// A Conv1d whose weight is weight-normalised over dim 2 (the kernel axis): weight = g · v / ‖v‖, the norm taken over
/// every dim except 2, as <c>torch.nn.utils.weight_norm(conv, name="weight", dim=2)</c>.
/// </summary>
/// <remarks>
/// g (<c>weight_g</c>, (1, 1, K)) and v (<c>weight_v</c>, (out, in / groups, K)) stay the trainable parameters and
/// the weight is recomputed on every forward, as PyTorch does: fine-tuning then moves the direction and the per-tap
/// scale separately, with the same gradients as in Hugging Face, and a saved state dict keeps the checkpoint's
/// layout. Folding them into one weight at load would train a different parametrisation. Newer PyTorch spells the
/// pair <c>parametrizations.weight.original0</c> / <c>original1</c>; <see cref="HubertStateDict"/> maps that spelling
/// onto these names.
/// </remarks>
public sealed class WeightNormConv1d : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight_g;
    private readonly Parameter weight_v;
    private readonly Parameter bias;
    private readonly long padding;
    private readonly long groups;

    /// <summary>Builds a grouped conv with "same"-style padding kernel / 2, initialised as PyTorch's Conv1d + weight_norm.</summary>
    public WeightNormConv1d(long channels, long kernel, long groups)
        : base(nameof(WeightNormConv1d))
    {
        this.groups = groups;
        padding = kernel / 2;
        using var init = nn.Conv1d(channels, channels, kernel, padding: padding, groups: groups);
        using var noGrad = no_grad();
        var v = init.weight!.detach().clone();
        weight_g = new Parameter(Norm(v));
        weight_v = new Parameter(v);
        bias = new Parameter(init.bias!.detach().clone());
        RegisterComponents();
    }

    /// <summary>The effective weight g · v / ‖v‖ (out, in / groups, K).</summary>
    public Tensor Weight()
    {
        using var scope = NewDisposeScope();
        return (weight_v * (weight_g / Norm(weight_v))).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return nn.functional.conv1d(input, Weight(), bias, padding: padding, groups: groups).MoveToOuterDisposeScope();
    }

    // ‖v‖ over every dim except the kernel axis (torch's norm_except_dim(v, 2, dim=2)): (1, 1, K).
    private static Tensor Norm(Tensor v) => v.pow(Held(2L)).sum([0, 1], keepdim: true).sqrt();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            weight_g.Dispose();
            weight_v.Dispose();
            bias.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>
/// HF <c>HubertPositionalConvEmbedding</c>, (B, frames, hidden) → (B, frames, hidden): the weight-normalised grouped
/// conv (kernel <c>num_conv_pos_embeddings</c>, padding kernel / 2), the extra last frame of an even kernel dropped
/// (HF's <c>HubertSamePadLayer</c>), exact GELU. The caller adds the result to its input.
/// </summary>
public sealed class HubertPositionalConvEmbedding : nn.Module<Tensor, Tensor>
{
    private readonly WeightNormConv1d conv;
    private readonly bool dropLastFrame;

    /// <summary>Builds the position embedding of <paramref name="config"/>.</summary>
    public HubertPositionalConvEmbedding(HubertConfig config)
        : base(nameof(HubertPositionalConvEmbedding))
    {
        ArgumentNullException.ThrowIfNull(config);
        conv = new WeightNormConv1d(config.HiddenSize, config.NumConvPosEmbeddings, config.NumConvPosEmbeddingGroups);
        dropLastFrame = config.NumConvPosEmbeddings % 2 == 0;
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        var x = conv.call(hidden.transpose(1, 2)); // (B, hidden, frames + 1 for an even kernel)
        if (dropLastFrame)
            x = x.narrow(2, 0, x.shape[2] - 1);
        return nn.functional.gelu(x).transpose(1, 2).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
            conv.Dispose();
        base.Dispose(disposing);
    }
}
