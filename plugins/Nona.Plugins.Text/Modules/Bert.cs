// transformers.models.bert.modeling_bert.BertModel (Devlin et al., "BERT: Pre-training of Deep Bidirectional
// Transformers for Language Understanding", 2018): embeddings → N post-LN encoder layers → optional pooler.
// Submodules carry Hugging Face's attribute names, so state_dict keys are HF BertModel keys without "bert.".
using Nona.Abstractions;
using Nona.Abstractions.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static Nona.Abstractions.Torch.HeldScalars;
using static TorchSharp.torch;

namespace Nona.Plugins.Text.Modules;

/// <summary>How a sentence vector is taken from the last hidden state.</summary>
public enum PoolingKind
{
    /// <summary>The [CLS] position: <c>hidden[:, 0]</c>.</summary>
    Cls,

    /// <summary>Mean over the attended (mask = 1) positions, as sentence-transformers does.</summary>
    Mean,

    /// <summary>BERT's pooler: <c>tanh(pooler.dense(hidden[:, 0]))</c>.</summary>
    Pooler,
}

/// <summary>
/// A BERT encoder, (input ids (B, L) int64, attention mask (B, L) with 1 = token, 0 = padding) → last hidden state
/// (B, L, H). Token types are all 0. Parameter names equal Hugging Face <c>BertModel</c>'s state_dict keys
/// (<c>embeddings.*</c>, <c>encoder.layer.N.*</c>, <c>pooler.dense.*</c>); load a checkpoint with
/// <see cref="HfStateDict.Normalize"/> then <see cref="LoadWeights"/>. Inputs are WordPiece ids from the model's own
/// vocab.txt (see <see cref="TextTokenizer"/>), starting with [CLS] and ending with [SEP].
/// </summary>
public sealed class BertModel : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly BertEmbeddings embeddings;
    private readonly BertEncoder encoder;
    private readonly BertPooler pooler;

    /// <summary>Builds the network for <paramref name="config"/> with PyTorch's default initialisation.</summary>
    public BertModel(BertConfig config)
        : base(nameof(BertModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.ModelType != BertModelType.Bert)
            throw new ArgumentException($"BertModel needs a BERT config, got {config.ModelType}", nameof(config));
        config.Validate();
        Config = config;
        embeddings = new BertEmbeddings(config);
        encoder = new BertEncoder(config);
        pooler = new BertPooler(config);
        RegisterComponents();
    }

    /// <summary>The configuration the network was built with.</summary>
    public BertConfig Config { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input_ids, Tensor attention_mask)
    {
        if (input_ids.dim() != 2)
            throw new ArgumentException($"BertModel expects input ids of shape (B, L), got ({string.Join(", ", input_ids.shape)})", nameof(input_ids));
        if (!attention_mask.shape.SequenceEqual(input_ids.shape))
            throw new ArgumentException($"the attention mask ({string.Join(", ", attention_mask.shape)}) must have the shape of the ids ({string.Join(", ", input_ids.shape)})", nameof(attention_mask));
        using var scope = NewDisposeScope();
        var hidden = embeddings.call(input_ids);

        // HF's extended attention mask: 0 on tokens, the dtype's most negative value on padded keys.
        var additive = One.Minus(attention_mask.to(hidden.dtype)).unsqueeze(1).unsqueeze(2) * Held(finfo(hidden.dtype).min); // (B, 1, 1, L)
        return encoder.call(hidden, additive).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// A sentence vector (B, H) from the last hidden state: [CLS], attention-masked mean, or the tanh pooler.
    /// </summary>
    public Tensor Pool(Tensor hidden, Tensor attentionMask, PoolingKind kind)
    {
        using var scope = NewDisposeScope();
        var pooled = kind switch
        {
            PoolingKind.Cls => hidden[.., 0],
            PoolingKind.Mean => MeanPool(hidden, attentionMask),
            PoolingKind.Pooler => pooler.call(hidden),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown pooling kind"),
        };
        return pooled.MoveToOuterDisposeScope();
    }

    /// <summary>Mean of <paramref name="hidden"/> (B, L, H) over positions where <paramref name="attentionMask"/> is 1.</summary>
    public static Tensor MeanPool(Tensor hidden, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        var mask = attentionMask.unsqueeze(-1).to(hidden.dtype); // (B, L, 1)
        var sum = (hidden * mask).sum(1);
        return (sum / mask.sum(1).clamp_min(Held(1e-9))).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Copies <paramref name="weights"/> into this network key by key. Every state_dict key must be present with the
    /// same shape and no other key may be given; the error names the missing and unexpected keys.
    /// </summary>
    public void LoadWeights(IReadOnlyDictionary<string, Tensor> weights) => ModuleWeights.CopyInto(this, weights);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            embeddings.Dispose();
            encoder.Dispose();
            pooler.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>HF <c>BertEncoder</c>: the stack <c>layer.0</c> … <c>layer.{N-1}</c>.</summary>
public sealed class BertEncoder : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly ModuleList<BertLayer> layer;

    /// <summary>Builds <c>num_hidden_layers</c> layers for <paramref name="config"/>.</summary>
    public BertEncoder(BertConfig config)
        : base(nameof(BertEncoder))
    {
        layer = nn.ModuleList(Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new BertLayer(config)).ToArray());
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor hidden, Tensor additiveMask)
    {
        using var scope = NewDisposeScope();
        var x = hidden;
        foreach (var block in layer)
            x = block.call(x, additiveMask);
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

/// <summary>HF <c>BertPooler</c>: <c>tanh(dense(hidden[:, 0]))</c>, (B, L, H) → (B, H).</summary>
public sealed class BertPooler : nn.Module<Tensor, Tensor>
{
    private readonly Linear dense;

    /// <summary>Builds the pooler for <paramref name="config"/>.</summary>
    public BertPooler(BertConfig config)
        : base(nameof(BertPooler))
    {
        dense = nn.Linear(config.HiddenSize, config.HiddenSize);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        return dense.call(hidden[.., 0]).tanh().MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
            dense.Dispose();
        base.Dispose(disposing);
    }
}
