// transformers.models.bert.modeling_bert.BertEmbeddings (Devlin et al., "BERT", 2018): word + absolute position +
// token-type embeddings, then LayerNorm and dropout. Token types are always 0 (single-segment inputs); position ids
// are computed in forward rather than kept as the `position_ids` buffer, which is why HfStateDict drops that key.
using Nona.Abstractions.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static Nona.Abstractions.Torch.HeldScalars;
using static TorchSharp.torch;

namespace Nona.Plugins.Text.Modules;

/// <summary>BERT input embeddings, (B, L) token ids → (B, L, H). Parameter names follow Hugging Face.</summary>
public sealed class BertEmbeddings : nn.Module<Tensor, Tensor>
{
    private readonly Embedding word_embeddings;
    private readonly Embedding position_embeddings;
    private readonly Embedding token_type_embeddings;
    private readonly LayerNorm LayerNorm;
    private readonly Dropout dropout;
    private readonly long maxPositions;

    /// <summary>Builds the embeddings for <paramref name="config"/> (a BERT config: it needs token types).</summary>
    public BertEmbeddings(BertConfig config)
        : base(nameof(BertEmbeddings))
    {
        if (config.TypeVocabSize < 1)
            throw new ArgumentException("BertEmbeddings needs type_vocab_size >= 1 (DistilBERT has no token-type embeddings)", nameof(config));
        maxPositions = config.MaxPositionEmbeddings;
        word_embeddings = nn.Embedding(config.VocabSize, config.HiddenSize, padding_idx: config.PadTokenId);
        position_embeddings = nn.Embedding(config.MaxPositionEmbeddings, config.HiddenSize);
        token_type_embeddings = nn.Embedding(config.TypeVocabSize, config.HiddenSize);
        LayerNorm = nn.LayerNorm(config.HiddenSize, eps: config.LayerNormEps);
        dropout = nn.Dropout(config.HiddenDropoutProb);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input_ids)
    {
        var length = input_ids.shape[1];
        if (length > maxPositions)
            throw new ArgumentException($"sequence length {length} exceeds max_position_embeddings {maxPositions}", nameof(input_ids));
        using var scope = NewDisposeScope();
        var positions = HeldArithmetic.Arange(length, dtype: int64, device: input_ids.device).unsqueeze(0); // (1, L)
        var tokenTypes = zeros_like(input_ids);
        var x = word_embeddings.call(input_ids).Plus(position_embeddings.call(positions)).Plus(token_type_embeddings.call(tokenTypes));
        return dropout.call(LayerNorm.call(x)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            word_embeddings.Dispose();
            position_embeddings.Dispose();
            token_type_embeddings.Dispose();
            LayerNorm.Dispose();
            dropout.Dispose();
        }

        base.Dispose(disposing);
    }
}
