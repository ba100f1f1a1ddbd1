// transformers.models.hubert.modeling_hubert: HubertAttention (eager path), HubertFeedForward, HubertEncoderLayer
// (post-LN, base models) and HubertEncoderLayerStableLayerNorm (pre-LN, do_stable_layer_norm: large models).
using Nona.Abstractions.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static Nona.Abstractions.Torch.HeldScalars;
using static TorchSharp.torch;

namespace Nona.Plugins.Audio.Modules;

/// <summary>HF <c>HubertAttention</c>: multi-head self-attention, (B, L, H) + optional additive key mask (B, 1, 1, L) → (B, L, H).</summary>
public sealed class HubertAttention : nn.Module<Tensor, Tensor?, Tensor>
{
    private readonly Linear k_proj;
    private readonly Linear v_proj;
    private readonly Linear q_proj;
    private readonly Linear out_proj;
    private readonly Dropout dropout;
    private readonly long heads;
    private readonly long headDim;

    /// <summary>Builds the projections of <paramref name="config"/>.</summary>
    public HubertAttention(HubertConfig config)
        : base(nameof(HubertAttention))
    {
        ArgumentNullException.ThrowIfNull(config);
        heads = config.NumAttentionHeads;
        headDim = config.HeadDim;
        k_proj = nn.Linear(config.HiddenSize, config.HiddenSize);
        v_proj = nn.Linear(config.HiddenSize, config.HiddenSize);
        q_proj = nn.Linear(config.HiddenSize, config.HiddenSize);
        out_proj = nn.Linear(config.HiddenSize, config.HiddenSize);
        dropout = nn.Dropout(config.AttentionDropout);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor hidden, Tensor? additiveMask)
    {
        using var scope = NewDisposeScope();
        var (b, l) = (hidden.shape[0], hidden.shape[1]);
        Tensor Heads(Tensor x) => x.view(b, l, heads, headDim).transpose(1, 2); // (B, heads, L, d)
        var q = Heads(q_proj.call(hidden) * Held(Math.Pow(headDim, -0.5))); // HF scales q before the product
        var k = Heads(k_proj.call(hidden));
        var v = Heads(v_proj.call(hidden));
        var scores = matmul(q, k.transpose(-1, -2)); // (B, heads, L, L)
        if (additiveMask is not null)
            scores = scores.Plus(additiveMask);
        var probs = dropout.call(scores.softmax(-1));
        var context = matmul(probs, v).transpose(1, 2).reshape(b, l, heads * headDim);
        return out_proj.call(context).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            k_proj.Dispose();
            v_proj.Dispose();
            q_proj.Dispose();
            out_proj.Dispose();
            dropout.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>HF <c>HubertFeedForward</c>: dropout(output_dense(dropout(gelu(intermediate_dense(x))))).</summary>
public sealed class HubertFeedForward : nn.Module<Tensor, Tensor>
{
    private readonly Dropout intermediate_dropout;
    private readonly Linear intermediate_dense;
    private readonly Linear output_dense;
    private readonly Dropout output_dropout;

    /// <summary>Builds the feed-forward block of <paramref name="config"/>.</summary>
    public HubertFeedForward(HubertConfig config)
        : base(nameof(HubertFeedForward))
    {
        ArgumentNullException.ThrowIfNull(config);
        intermediate_dropout = nn.Dropout(config.ActivationDropout);
        intermediate_dense = nn.Linear(config.HiddenSize, config.IntermediateSize);
        output_dense = nn.Linear(config.IntermediateSize, config.HiddenSize);
        output_dropout = nn.Dropout(config.HiddenDropout);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        var x = intermediate_dropout.call(nn.functional.gelu(intermediate_dense.call(hidden)));
        return output_dropout.call(output_dense.call(x)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            intermediate_dropout.Dispose();
            intermediate_dense.Dispose();
            output_dense.Dispose();
            output_dropout.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>
/// One encoder layer, (B, L, H) + optional additive key mask → (B, L, H). Post-LN (base):
/// x = layer_norm(x + attn(x)); x = final_layer_norm(x + ff(x)). Pre-LN (<c>do_stable_layer_norm</c>):
/// x = x + attn(layer_norm(x)); x = x + ff(final_layer_norm(x)).
/// </summary>
public sealed class HubertEncoderLayer : nn.Module<Tensor, Tensor?, Tensor>
{
    private readonly HubertAttention attention;
    private readonly Dropout dropout;
    private readonly LayerNorm layer_norm;
    private readonly HubertFeedForward feed_forward;
    private readonly LayerNorm final_layer_norm;
    private readonly bool preNorm;

    /// <summary>Builds one layer of <paramref name="config"/>.</summary>
    public HubertEncoderLayer(HubertConfig config)
        : base(nameof(HubertEncoderLayer))
    {
        ArgumentNullException.ThrowIfNull(config);
        attention = new HubertAttention(config);
        dropout = nn.Dropout(config.HiddenDropout);
        layer_norm = nn.LayerNorm(config.HiddenSize, eps: config.LayerNormEps);
        feed_forward = new HubertFeedForward(config);
        final_layer_norm = nn.LayerNorm(config.HiddenSize, eps: config.LayerNormEps);
        preNorm = config.DoStableLayerNorm;
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor hidden, Tensor? additiveMask)
    {
        using var scope = NewDisposeScope();
        Tensor x;
        if (preNorm)
        {
            x = hidden.Plus(dropout.call(attention.call(layer_norm.call(hidden), additiveMask)));
            x = x.Plus(feed_forward.call(final_layer_norm.call(x)));
        }
        else
        {
            x = layer_norm.call(hidden.Plus(dropout.call(attention.call(hidden, additiveMask))));
            x = final_layer_norm.call(x.Plus(feed_forward.call(x)));
        }

        return x.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            attention.Dispose();
            dropout.Dispose();
            layer_norm.Dispose();
            feed_forward.Dispose();
            final_layer_norm.Dispose();
        }

        base.Dispose(disposing);
    }
}
