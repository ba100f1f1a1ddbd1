// The subset of a Hugging Face config.json (transformers BertConfig / DistilBertConfig) that the encoder modules need.
// BERT and DistilBERT spell the same quantities differently; both land in one record so the modules and importers
// read a single shape.
using System.Text.Json;

namespace Nona.Plugins.Text.Modules;

/// <summary>Which Hugging Face architecture a <see cref="BertConfig"/> describes.</summary>
public enum BertModelType
{
    /// <summary><c>model_type: bert</c> (BertModel: token-type embeddings, pooler).</summary>
    Bert,

    /// <summary><c>model_type: distilbert</c> (DistilBertModel: no token types, no pooler).</summary>
    DistilBert,
}

/// <summary>
/// Encoder hyper-parameters from a Hugging Face <c>config.json</c>. BERT names (<c>hidden_size</c>,
/// <c>num_hidden_layers</c>, ...) and DistilBERT names (<c>dim</c>, <c>n_layers</c>, <c>n_heads</c>, <c>hidden_dim</c>)
/// map to the same properties. Only the exact (erf) GELU activation is accepted.
/// </summary>
public sealed record BertConfig
{
    /// <summary>The architecture.</summary>
    public BertModelType ModelType { get; init; } = BertModelType.Bert;

    /// <summary><c>vocab_size</c>.</summary>
    public int VocabSize { get; init; } = 30522;

    /// <summary><c>hidden_size</c> (DistilBERT <c>dim</c>).</summary>
    public int HiddenSize { get; init; } = 768;

    /// <summary><c>num_hidden_layers</c> (DistilBERT <c>n_layers</c>).</summary>
    public int NumHiddenLayers { get; init; } = 12;

    /// <summary><c>num_attention_heads</c> (DistilBERT <c>n_heads</c>).</summary>
    public int NumAttentionHeads { get; init; } = 12;

    /// <summary><c>intermediate_size</c> (DistilBERT <c>hidden_dim</c>).</summary>
    public int IntermediateSize { get; init; } = 3072;

    /// <summary><c>max_position_embeddings</c>.</summary>
    public int MaxPositionEmbeddings { get; init; } = 512;

    /// <summary><c>type_vocab_size</c>; 0 for DistilBERT, which has no token-type embeddings.</summary>
    public int TypeVocabSize { get; init; } = 2;

    /// <summary><c>layer_norm_eps</c>; DistilBERT hard-codes 1e-12.</summary>
    public double LayerNormEps { get; init; } = 1e-12;

    /// <summary><c>hidden_act</c> (DistilBERT <c>activation</c>); always <c>gelu</c> (exact, erf-based).</summary>
    public string HiddenAct { get; init; } = "gelu";

    /// <summary><c>hidden_dropout_prob</c> (DistilBERT <c>dropout</c>).</summary>
    public double HiddenDropoutProb { get; init; } = 0.1;

    /// <summary><c>attention_probs_dropout_prob</c> (DistilBERT <c>attention_dropout</c>).</summary>
    public double AttentionProbsDropoutProb { get; init; } = 0.1;

    /// <summary><c>pad_token_id</c>: its embedding row gets no gradient, as in Hugging Face.</summary>
    public int PadTokenId { get; init; }

    /// <summary>Width of one attention head.</summary>
    public int HeadDim => HiddenSize / NumAttentionHeads;

    /// <summary>Reads a <c>config.json</c> file.</summary>
    public static BertConfig Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"model config not found: {path}", path);
        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or NotSupportedException)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Parses the text of a <c>config.json</c>. <c>model_type</c> picks the naming scheme; without it, DistilBERT is
    /// recognised by its <c>dim</c>/<c>n_layers</c> keys. Other model types and activations are rejected.
    /// </summary>
    public static BertConfig Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException("config.json must hold a JSON object");

        var modelType = String(root, "model_type")
            ?? (root.TryGetProperty("n_layers", out _) || root.TryGetProperty("dim", out _) ? "distilbert" : "bert");
        var config = modelType switch
        {
            "bert" => new BertConfig
            {
                ModelType = BertModelType.Bert,
                VocabSize = Int(root, "vocab_size", 30522),
                HiddenSize = Int(root, "hidden_size", 768),
                NumHiddenLayers = Int(root, "num_hidden_layers", 12),
                NumAttentionHeads = Int(root, "num_attention_heads", 12),
                IntermediateSize = Int(root, "intermediate_size", 3072),
                MaxPositionEmbeddings = Int(root, "max_position_embeddings", 512),
                TypeVocabSize = Int(root, "type_vocab_size", 2),
                LayerNormEps = Double(root, "layer_norm_eps", 1e-12),
                HiddenAct = String(root, "hidden_act") ?? "gelu",
                HiddenDropoutProb = Double(root, "hidden_dropout_prob", 0.1),
                AttentionProbsDropoutProb = Double(root, "attention_probs_dropout_prob", 0.1),
                PadTokenId = Int(root, "pad_token_id", 0),
            },
            "distilbert" => new BertConfig
            {
                ModelType = BertModelType.DistilBert,
                VocabSize = Int(root, "vocab_size", 30522),
                HiddenSize = Int(root, "dim", 768),
                NumHiddenLayers = Int(root, "n_layers", 6),
                NumAttentionHeads = Int(root, "n_heads", 12),
                IntermediateSize = Int(root, "hidden_dim", 3072),
                MaxPositionEmbeddings = Int(root, "max_position_embeddings", 512),
                TypeVocabSize = 0,
                LayerNormEps = 1e-12,
                HiddenAct = String(root, "activation") ?? "gelu",
                HiddenDropoutProb = Double(root, "dropout", 0.1),
                AttentionProbsDropoutProb = Double(root, "attention_dropout", 0.1),
                PadTokenId = Int(root, "pad_token_id", 0),
            },
            _ => throw new NotSupportedException($"model_type '{modelType}' is not supported; expected 'bert' or 'distilbert'"),
        };
        config.Validate();
        return config;
    }

    /// <summary>Throws with the reason when the sizes are inconsistent or the activation is not exact GELU.</summary>
    public void Validate()
    {
        if (HiddenAct != "gelu")
        {
            throw new NotSupportedException(
                $"activation '{HiddenAct}' is not supported; only 'gelu' (exact, erf-based) is implemented " +
                "('gelu_new', 'gelu_pytorch_tanh', 'relu', ... would change the outputs)");
        }

        if (VocabSize < 1 || HiddenSize < 1 || NumHiddenLayers < 1 || NumAttentionHeads < 1 || IntermediateSize < 1 || MaxPositionEmbeddings < 1)
            throw new InvalidDataException($"sizes must be positive (vocab {VocabSize}, hidden {HiddenSize}, layers {NumHiddenLayers}, heads {NumAttentionHeads}, intermediate {IntermediateSize}, positions {MaxPositionEmbeddings})");
        if (HiddenSize % NumAttentionHeads != 0)
            throw new InvalidDataException($"hidden size {HiddenSize} is not a multiple of the {NumAttentionHeads} attention heads");
        if (PadTokenId < 0 || PadTokenId >= VocabSize)
            throw new InvalidDataException($"pad_token_id {PadTokenId} is outside the vocabulary of {VocabSize}");
        if (TypeVocabSize < 0)
            throw new InvalidDataException($"type_vocab_size must not be negative (got {TypeVocabSize})");
        if (ModelType == BertModelType.Bert && TypeVocabSize < 1)
            throw new InvalidDataException("a BERT model needs type_vocab_size of at least 1");
        if (LayerNormEps <= 0)
            throw new InvalidDataException($"layer_norm_eps must be positive (got {LayerNormEps})");
        if (HiddenDropoutProb is < 0 or >= 1 || AttentionProbsDropoutProb is < 0 or >= 1)
            throw new InvalidDataException($"dropout probabilities must lie in [0, 1) (got {HiddenDropoutProb}, {AttentionProbsDropoutProb})");
    }

    private static string? String(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static int Int(JsonElement root, string name, int fallback)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return fallback;
        return value.TryGetInt32(out var n) ? n : throw new InvalidDataException($"'{name}' must be an integer (got {value.GetRawText()})");
    }

    private static double Double(JsonElement root, string name, double fallback)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return fallback;
        return value.TryGetDouble(out var x) ? x : throw new InvalidDataException($"'{name}' must be a number (got {value.GetRawText()})");
    }
}
