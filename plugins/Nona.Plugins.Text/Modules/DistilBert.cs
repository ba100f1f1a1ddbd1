// Follows Sanh et al., "DistilBERT, a distilled version of BERT" (arXiv:1910.01108), module for module as Hugging Face
// transformers builds it (models/distilbert/modeling_distilbert.py, v4.x), so HF checkpoints load key by key once the
// `distilbert.` prefix of a task model is stripped.
using System.Diagnostics.CodeAnalysis;
using Nona.Abstractions.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static Nona.Abstractions.Torch.HeldScalars;
using static TorchSharp.torch;

namespace Nona.Plugins.Text.Modules;

/// <summary>Word plus learned position embeddings, then LayerNorm and dropout (HF <c>Embeddings</c>; no token types).</summary>
public sealed class DistilBertEmbeddings : nn.Module<Tensor, Tensor>
{
    private readonly Embedding word_embeddings;
    private readonly Embedding position_embeddings;
    private readonly LayerNorm LayerNorm;
    private readonly Dropout dropout;

    public DistilBertEmbeddings(BertConfig config)
        : base(nameof(DistilBertEmbeddings))
    {
        word_embeddings = nn.Embedding(config.VocabSize, config.HiddenSize, padding_idx: DistilBertModel.PadTokenId);
        position_embeddings = nn.Embedding(config.MaxPositionEmbeddings, config.HiddenSize);
        LayerNorm = nn.LayerNorm(config.HiddenSize, eps: config.LayerNormEps);
        dropout = nn.Dropout(config.HiddenDropoutProb);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var positions = HeldArithmetic.Arange(input.shape[1], dtype: int64, device: input.device).unsqueeze(0); // (1, L)
        var x = word_embeddings.call(input).Plus(position_embeddings.call(positions));            // (B, L, dim)
        return dropout.call(LayerNorm.call(x)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            word_embeddings.Dispose();
            position_embeddings.Dispose();
            LayerNorm.Dispose();
            dropout.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>
/// DistilBERT encoder, Hugging Face's <c>DistilBertModel</c> without a head: token ids (B, L) and attention mask (B, L)
/// → last hidden state (B, L, dim). Parameter names are HF's state_dict keys without the <c>distilbert.</c> prefix
/// (<c>embeddings.word_embeddings.weight</c>, <c>transformer.layer.0.attention.q_lin.weight</c>, …).
/// </summary>
/// <remarks>
/// Pretrained weights: <c>distilbert-base-uncased</c> (<see cref="BertConfig.Load"/> of its config.json) loads key by key;
/// it expects WordPiece ids from its own <c>vocab.txt</c> (lower-cased, [CLS] … [SEP]), mask 1 for real tokens and 0
/// for padding. Padded keys are masked out of every attention row; padded query rows still get an output (they
/// attend to the real tokens), which callers should ignore when pooling.
/// </remarks>
[SuppressMessage("Naming", "CA1708:Identifiers should differ by more than case", Justification = "TorchSharp's forward is the override point; Forward is our typed entry, as on BertModel.")]
public sealed class DistilBertModel : nn.Module<Tensor, Tensor, Tensor>
{
    /// <summary>
    /// HF's <c>pad_token_id</c> default (the [PAD] row of every DistilBERT vocab.txt): its embedding row starts at zero
    /// and gets no gradient. <see cref="BertConfig"/> does not carry the key.
    /// </summary>
    public const long PadTokenId = 0;

    /// <summary>HF's <c>initializer_range</c> default: std of the normal initialisation of fresh weights.</summary>
    public const double InitializerRange = 0.02;

    private readonly DistilBertEmbeddings embeddings;
    private readonly DistilBertTransformer transformer;

    /// <summary>Builds the encoder a <paramref name="config"/> describes, initialised as HF's <c>_init_weights</c> does.</summary>
    /// <exception cref="ArgumentException"><paramref name="config"/> describes a BERT, not a DistilBERT.</exception>
    public DistilBertModel(BertConfig config)
        : base(nameof(DistilBertModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.ModelType != BertModelType.DistilBert)
            throw new ArgumentException($"DistilBertModel needs a DistilBERT config (model_type 'distilbert'), got {config.ModelType}", nameof(config));
        config.Validate();
        Config = config;
        embeddings = new DistilBertEmbeddings(config);
        transformer = new DistilBertTransformer(config);
        RegisterComponents();
        InitWeights();
    }

    /// <summary>The sizes this encoder was built with.</summary>
    public BertConfig Config { get; }

    /// <summary>Width of the hidden states <see cref="Forward"/> returns.</summary>
    public long Dim => Config.HiddenSize;

    /// <summary>Last hidden state (B, L, dim) of token ids (B, L) under attention mask (B, L), 1 = token, 0 = padding.</summary>
    public Tensor Forward(Tensor ids, Tensor mask) => call(ids, mask);

    /// <inheritdoc />
    public override Tensor forward(Tensor ids, Tensor mask)
    {
        if (ids.dim() != 2)
            throw new ArgumentException($"DistilBERT expects token ids shaped (B, L), got ({string.Join(", ", ids.shape)})", nameof(ids));
        if (!mask.shape.SequenceEqual(ids.shape))
            throw new ArgumentException($"attention mask shaped ({string.Join(", ", mask.shape)}) does not match token ids ({string.Join(", ", ids.shape)})", nameof(mask));
        if (ids.shape[1] > Config.MaxPositionEmbeddings)
            throw new ArgumentException($"sequence of length {ids.shape[1]}, but max_position_embeddings is {Config.MaxPositionEmbeddings}", nameof(ids));

        using var scope = NewDisposeScope();
        var padded = mask.eq(Held(0L)).view(ids.shape[0], 1, 1, ids.shape[1]); // (B, 1, 1, L): true where a key is padding
        var x = embeddings.call(ids);                                      // (B, L, dim)
        x = transformer.call(x, padded);                                   // (B, L, dim)
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// HF's <c>_init_weights</c> (not PyTorch's layer defaults, so a fresh model trains as HF's does): linear and embedding weights N(0, initializer_range), biases 0, the padding row 0,
    /// LayerNorm weight 1 and bias 0. Pretrained weights overwrite all of it.
    /// </summary>
    private void InitWeights()
    {
        using var noGrad = torch.no_grad();
        foreach (var (name, parameter) in named_parameters())
        {
            if (name.EndsWith(".bias", StringComparison.Ordinal))
            {
                parameter.zero_();
            }
            else if (name.Contains("LayerNorm.", StringComparison.Ordinal) || name.Contains("layer_norm.", StringComparison.Ordinal))
            {
                parameter.fill_(One);
            }
            else
            {
                parameter.normal_(0, InitializerRange);
                if (name == "embeddings.word_embeddings.weight")
                {
                    using var paddingRow = parameter[PadTokenId];
                    paddingRow.zero_();
                }
            }
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            embeddings.Dispose();
            transformer.Dispose();
        }

        base.Dispose(disposing);
    }
}
