// transformers.models.bert.modeling_bert.BertLayer and its parts (Vaswani et al., "Attention Is All You Need", 2017,
// with BERT's post-LN residuals): self-attention → dense + residual + LayerNorm → dense + exact GELU → dense +
// residual + LayerNorm. Eager attention, written out so the arithmetic matches Hugging Face's "eager" path.
using Nona.Abstractions.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static Nona.Abstractions.Torch.HeldScalars;
using static TorchSharp.torch;

namespace Nona.Plugins.Text.Modules;

/// <summary>One post-LN encoder block, (B, L, H) + additive key mask (B, 1, 1, L) → (B, L, H).</summary>
public sealed class BertLayer : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly BertAttention attention;
    private readonly BertIntermediate intermediate;
    private readonly BertOutput output;

    /// <summary>Builds one layer for <paramref name="config"/>.</summary>
    public BertLayer(BertConfig config)
        : base(nameof(BertLayer))
    {
        attention = new BertAttention(config);
        intermediate = new BertIntermediate(config);
        output = new BertOutput(config.IntermediateSize, config);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor hidden, Tensor additiveMask)
    {
        using var scope = NewDisposeScope();
        var attended = attention.call(hidden, additiveMask);
        return output.call(intermediate.call(attended), attended).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            attention.Dispose();
            intermediate.Dispose();
            output.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>HF <c>BertAttention</c>: <c>self</c> (multi-head attention) then <c>output</c> (projection, residual, LayerNorm).</summary>
public sealed class BertAttention : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly BertSelfAttention self;
    private readonly BertOutput output;

    /// <summary>Builds the attention block for <paramref name="config"/>.</summary>
    public BertAttention(BertConfig config)
        : base(nameof(BertAttention))
    {
        self = new BertSelfAttention(config);
        output = new BertOutput(config.HiddenSize, config);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor hidden, Tensor additiveMask)
    {
        using var scope = NewDisposeScope();
        return output.call(self.call(hidden, additiveMask), hidden).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            self.Dispose();
            output.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>HF <c>BertSelfAttention</c>: scaled dot-product attention over all heads with an additive key mask.</summary>
public sealed class BertSelfAttention : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Linear query;
    private readonly Linear key;
    private readonly Linear value;
    private readonly Dropout dropout;
    private readonly long heads;
    private readonly long headDim;

    /// <summary>Builds the projections for <paramref name="config"/>.</summary>
    public BertSelfAttention(BertConfig config)
        : base(nameof(BertSelfAttention))
    {
        heads = config.NumAttentionHeads;
        headDim = config.HeadDim;
        query = nn.Linear(config.HiddenSize, config.HiddenSize);
        key = nn.Linear(config.HiddenSize, config.HiddenSize);
        value = nn.Linear(config.HiddenSize, config.HiddenSize);
        dropout = nn.Dropout(config.AttentionProbsDropoutProb);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor hidden, Tensor additiveMask)
    {
        using var scope = NewDisposeScope();
        var (b, l) = (hidden.shape[0], hidden.shape[1]);
        Tensor Heads(Tensor x) => x.view(b, l, heads, headDim).transpose(1, 2); // (B, heads, L, d)
        var q = Heads(query.call(hidden));
        var k = Heads(key.call(hidden));
        var v = Heads(value.call(hidden));
        var scores = (matmul(q, k.transpose(-1, -2)) / Held(Math.Sqrt(headDim))).Plus(additiveMask); // (B, heads, L, L)
        var probs = dropout.call(scores.softmax(-1));
        var context = matmul(probs, v).transpose(1, 2).contiguous().view(b, l, heads * headDim);
        return context.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            query.Dispose();
            key.Dispose();
            value.Dispose();
            dropout.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>HF <c>BertIntermediate</c>: dense H → I then exact (erf) GELU.</summary>
public sealed class BertIntermediate : nn.Module<Tensor, Tensor>
{
    private readonly Linear dense;

    /// <summary>Builds the expansion for <paramref name="config"/>.</summary>
    public BertIntermediate(BertConfig config)
        : base(nameof(BertIntermediate))
    {
        config.Validate(); // the activation must be exact GELU
        dense = nn.Linear(config.HiddenSize, config.IntermediateSize);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        return nn.functional.gelu(dense.call(hidden)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
            dense.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>
/// HF <c>BertSelfOutput</c> and <c>BertOutput</c>, which share one shape: dense (in → H), dropout, residual add,
/// LayerNorm. <c>attention.output</c> uses it with in = H, the layer's <c>output</c> with in = intermediate_size.
/// </summary>
public sealed class BertOutput : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Linear dense;
    private readonly LayerNorm LayerNorm;
    private readonly Dropout dropout;

    /// <summary>Builds the projection from <paramref name="inFeatures"/> to the hidden size of <paramref name="config"/>.</summary>
    public BertOutput(long inFeatures, BertConfig config)
        : base(nameof(BertOutput))
    {
        dense = nn.Linear(inFeatures, config.HiddenSize);
        LayerNorm = nn.LayerNorm(config.HiddenSize, eps: config.LayerNormEps);
        dropout = nn.Dropout(config.HiddenDropoutProb);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input, Tensor residual)
    {
        using var scope = NewDisposeScope();
        return LayerNorm.call(dropout.call(dense.call(input)).Plus(residual)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            dense.Dispose();
            LayerNorm.Dispose();
            dropout.Dispose();
        }

        base.Dispose(disposing);
    }
}
