// The transformer block of Sanh et al., "DistilBERT" (arXiv:1910.01108), as Hugging Face's modeling_distilbert.py
// (v4.x) builds it: MultiHeadSelfAttention, FFN, TransformerBlock and Transformer, post-LN, with HF's attribute names.
using Nona.Abstractions.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static Nona.Abstractions.Torch.HeldScalars;
using static TorchSharp.torch;

namespace Nona.Plugins.Text.Modules;

/// <summary>
/// HF <c>MultiHeadSelfAttention</c>: q/k/v/out projections, q scaled by 1/√head_dim before q·kᵀ, padded keys filled
/// with the dtype's minimum (not −inf, so a row whose keys are all padding gives uniform weights instead of NaN).
/// </summary>
public sealed class DistilBertSelfAttention : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Linear q_lin;
    private readonly Linear k_lin;
    private readonly Linear v_lin;
    private readonly Dropout dropout;
    private readonly Linear out_lin;
    private readonly int heads;
    private readonly long headDim;

    public DistilBertSelfAttention(BertConfig config)
        : base(nameof(DistilBertSelfAttention))
    {
        heads = config.NumAttentionHeads;
        headDim = config.HeadDim;
        q_lin = nn.Linear(config.HiddenSize, config.HiddenSize);
        k_lin = nn.Linear(config.HiddenSize, config.HiddenSize);
        v_lin = nn.Linear(config.HiddenSize, config.HiddenSize);
        dropout = nn.Dropout(config.AttentionProbsDropoutProb);
        out_lin = nn.Linear(config.HiddenSize, config.HiddenSize);
        RegisterComponents();
    }

    /// <summary>Self-attention of <paramref name="x"/> (B, L, dim); <paramref name="padded"/> (B, 1, 1, L) is true at padding keys.</summary>
    public override Tensor forward(Tensor x, Tensor padded)
    {
        using var scope = NewDisposeScope();
        var (batch, length) = (x.shape[0], x.shape[1]);
        Tensor Split(Tensor t) => t.view(batch, length, heads, headDim).transpose(1, 2); // (B, H, L, head_dim)

        var q = Split(q_lin.call(x)) / Held(Math.Sqrt(headDim));
        var k = Split(k_lin.call(x));
        var v = Split(v_lin.call(x));
        var scores = q.matmul(k.transpose(2, 3));                              // (B, H, L, L)
        scores = scores.masked_fill(padded, Held(torch.finfo(scores.dtype).min));
        var weights = dropout.call(scores.softmax(-1));
        var context = weights.matmul(v).transpose(1, 2).contiguous().view(batch, length, heads * headDim); // (B, L, dim)
        return out_lin.call(context).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            q_lin.Dispose();
            k_lin.Dispose();
            v_lin.Dispose();
            dropout.Dispose();
            out_lin.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>HF <c>FFN</c>: lin1 → exact (erf) GELU → lin2 → dropout.</summary>
public sealed class DistilBertFfn : nn.Module<Tensor, Tensor>
{
    private readonly Linear lin1;
    private readonly GELU activation;
    private readonly Linear lin2;
    private readonly Dropout dropout;

    public DistilBertFfn(BertConfig config)
        : base(nameof(DistilBertFfn))
    {
        lin1 = nn.Linear(config.HiddenSize, config.IntermediateSize);
        activation = nn.GELU();
        lin2 = nn.Linear(config.IntermediateSize, config.HiddenSize);
        dropout = nn.Dropout(config.HiddenDropoutProb);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = activation.call(lin1.call(input)); // (B, L, hidden_dim)
        return dropout.call(lin2.call(x)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lin1.Dispose();
            activation.Dispose();
            lin2.Dispose();
            dropout.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>HF <c>TransformerBlock</c>, post-LN: x ← LN(x + attn(x)); x ← LN(x + ffn(x)).</summary>
public sealed class DistilBertBlock : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly DistilBertSelfAttention attention;
    private readonly LayerNorm sa_layer_norm;
    private readonly DistilBertFfn ffn;
    private readonly LayerNorm output_layer_norm;

    public DistilBertBlock(BertConfig config)
        : base(nameof(DistilBertBlock))
    {
        attention = new DistilBertSelfAttention(config);
        sa_layer_norm = nn.LayerNorm(config.HiddenSize, eps: config.LayerNormEps);
        ffn = new DistilBertFfn(config);
        output_layer_norm = nn.LayerNorm(config.HiddenSize, eps: config.LayerNormEps);
        RegisterComponents();
    }

    /// <summary>One block over <paramref name="x"/> (B, L, dim); <paramref name="padded"/> (B, 1, 1, L) marks padding keys.</summary>
    public override Tensor forward(Tensor x, Tensor padded)
    {
        using var scope = NewDisposeScope();
        var attended = sa_layer_norm.call(attention.call(x, padded).Plus(x));        // (B, L, dim)
        return output_layer_norm.call(ffn.call(attended).Plus(attended)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            attention.Dispose();
            sa_layer_norm.Dispose();
            ffn.Dispose();
            output_layer_norm.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>HF <c>Transformer</c>: the blocks in order, as <c>transformer.layer.{n}</c>.</summary>
public sealed class DistilBertTransformer : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly ModuleList<DistilBertBlock> layer;

    public DistilBertTransformer(BertConfig config)
        : base(nameof(DistilBertTransformer))
    {
        layer = nn.ModuleList(Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new DistilBertBlock(config)).ToArray());
        RegisterComponents();
    }

    /// <summary>Every block over <paramref name="x"/> (B, L, dim); <paramref name="padded"/> (B, 1, 1, L) marks padding keys.</summary>
    public override Tensor forward(Tensor x, Tensor padded)
    {
        using var scope = NewDisposeScope();
        foreach (var block in layer)
            x = block.call(x, padded);
        return x.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
            layer.Dispose();

        base.Dispose(disposing);
    }
}
