// The subset of a Hugging Face HuBERT config.json (transformers HubertConfig) that the encoder modules need. The
// defaults are HubertConfig's, which are facebook/hubert-base-ls960's sizes.
using System.Text.Json;

namespace Nona.Plugins.Audio.Modules;

/// <summary>
/// HuBERT encoder hyper-parameters from a Hugging Face <c>config.json</c> (<c>model_type: hubert</c>); the defaults are
/// HuBERT-base's. Only exact (erf) GELU activations are accepted.
/// </summary>
public sealed record HubertConfig
{
    /// <summary><c>hidden_size</c>.</summary>
    public int HiddenSize { get; init; } = 768;

    /// <summary><c>num_hidden_layers</c>.</summary>
    public int NumHiddenLayers { get; init; } = 12;

    /// <summary><c>num_attention_heads</c>.</summary>
    public int NumAttentionHeads { get; init; } = 12;

    /// <summary><c>intermediate_size</c>.</summary>
    public int IntermediateSize { get; init; } = 3072;

    /// <summary><c>hidden_act</c>: the feed-forward activation; only <c>gelu</c>.</summary>
    public string HiddenAct { get; init; } = "gelu";

    /// <summary><c>feat_extract_activation</c>: the conv and positional-conv activation; only <c>gelu</c>.</summary>
    public string FeatExtractActivation { get; init; } = "gelu";

    /// <summary>
    /// <c>feat_extract_norm</c>: <c>group</c> (GroupNorm with one group per channel on the first conv only, base
    /// models) or <c>layer</c> (LayerNorm over channels after every conv, large models).
    /// </summary>
    public string FeatExtractNorm { get; init; } = "group";

    /// <summary><c>feat_proj_layer_norm</c>: LayerNorm on the conv features before the projection.</summary>
    public bool FeatProjLayerNorm { get; init; } = true;

    /// <summary><c>conv_dim</c>: output channels of each feature-encoder conv.</summary>
    public IReadOnlyList<int> ConvDim { get; init; } = [512, 512, 512, 512, 512, 512, 512];

    /// <summary><c>conv_kernel</c>.</summary>
    public IReadOnlyList<int> ConvKernel { get; init; } = [10, 3, 3, 3, 3, 2, 2];

    /// <summary><c>conv_stride</c>.</summary>
    public IReadOnlyList<int> ConvStride { get; init; } = [5, 2, 2, 2, 2, 2, 2];

    /// <summary><c>conv_bias</c>.</summary>
    public bool ConvBias { get; init; }

    /// <summary><c>num_conv_pos_embeddings</c>: kernel of the convolutional position embedding.</summary>
    public int NumConvPosEmbeddings { get; init; } = 128;

    /// <summary><c>num_conv_pos_embedding_groups</c>.</summary>
    public int NumConvPosEmbeddingGroups { get; init; } = 16;

    /// <summary><c>do_stable_layer_norm</c>: pre-LN layers and a final LayerNorm (large models) instead of post-LN.</summary>
    public bool DoStableLayerNorm { get; init; }

    /// <summary><c>layer_norm_eps</c> of the projection's and the encoder's LayerNorms (the conv norms use 1e-5, as HF).</summary>
    public double LayerNormEps { get; init; } = 1e-5;

    /// <summary><c>hidden_dropout</c>: after attention, after the feed-forward, after the position embedding.</summary>
    public double HiddenDropout { get; init; } = 0.1;

    /// <summary><c>activation_dropout</c>: inside the feed-forward, after the activation.</summary>
    public double ActivationDropout { get; init; } = 0.1;

    /// <summary><c>attention_dropout</c>: on the attention probabilities.</summary>
    public double AttentionDropout { get; init; } = 0.1;

    /// <summary><c>feat_proj_dropout</c>: after the feature projection.</summary>
    public double FeatProjDropout { get; init; }

    /// <summary><c>layerdrop</c>: probability of skipping a whole layer in training.</summary>
    public double LayerDrop { get; init; } = 0.1;

    /// <summary>Width of one attention head.</summary>
    public int HeadDim => HiddenSize / NumAttentionHeads;

    /// <summary>
    /// Frames the feature encoder makes of <paramref name="samples"/> samples: per conv, ⌊(L − kernel) / stride⌋ + 1
    /// (HF's <c>_get_feat_extract_output_lengths</c>); 0 when the clip is shorter than the receptive field.
    /// </summary>
    public long Frames(long samples)
    {
        for (var i = 0; i < ConvKernel.Count; i++)
            samples = samples < ConvKernel[i] ? 0 : ((samples - ConvKernel[i]) / ConvStride[i]) + 1;
        return samples;
    }

    /// <summary>Reads a <c>config.json</c> file.</summary>
    public static HubertConfig Load(string path)
    {
        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or NotSupportedException)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Parses the text of a HuBERT <c>config.json</c>; absent keys take HuBERT-base's values.</summary>
    public static HubertConfig Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException("config.json must hold a JSON object");
        var modelType = String(root, "model_type") ?? "hubert";
        if (modelType != "hubert")
            throw new NotSupportedException($"model_type '{modelType}' is not supported by the hubert backbone; expected 'hubert'");
        if (Bool(root, "conv_pos_batch_norm", false))
            throw new NotSupportedException("conv_pos_batch_norm true is not supported (a batch-normed positional conv); HuBERT-base and -large have false");
        var defaults = new HubertConfig();
        var config = new HubertConfig
        {
            HiddenSize = Int(root, "hidden_size", defaults.HiddenSize),
            NumHiddenLayers = Int(root, "num_hidden_layers", defaults.NumHiddenLayers),
            NumAttentionHeads = Int(root, "num_attention_heads", defaults.NumAttentionHeads),
            IntermediateSize = Int(root, "intermediate_size", defaults.IntermediateSize),
            HiddenAct = String(root, "hidden_act") ?? defaults.HiddenAct,
            FeatExtractActivation = String(root, "feat_extract_activation") ?? defaults.FeatExtractActivation,
            FeatExtractNorm = String(root, "feat_extract_norm") ?? defaults.FeatExtractNorm,
            FeatProjLayerNorm = Bool(root, "feat_proj_layer_norm", defaults.FeatProjLayerNorm),
            ConvDim = Ints(root, "conv_dim") ?? defaults.ConvDim,
            ConvKernel = Ints(root, "conv_kernel") ?? defaults.ConvKernel,
            ConvStride = Ints(root, "conv_stride") ?? defaults.ConvStride,
            ConvBias = Bool(root, "conv_bias", defaults.ConvBias),
            NumConvPosEmbeddings = Int(root, "num_conv_pos_embeddings", defaults.NumConvPosEmbeddings),
            NumConvPosEmbeddingGroups = Int(root, "num_conv_pos_embedding_groups", defaults.NumConvPosEmbeddingGroups),
            DoStableLayerNorm = Bool(root, "do_stable_layer_norm", defaults.DoStableLayerNorm),
            LayerNormEps = Double(root, "layer_norm_eps", defaults.LayerNormEps),
            HiddenDropout = Double(root, "hidden_dropout", defaults.HiddenDropout),
            ActivationDropout = Double(root, "activation_dropout", defaults.ActivationDropout),
            AttentionDropout = Double(root, "attention_dropout", defaults.AttentionDropout),
            FeatProjDropout = Double(root, "feat_proj_dropout", defaults.FeatProjDropout),
            LayerDrop = Double(root, "layerdrop", defaults.LayerDrop),
        };
        config.Validate();
        return config;
    }

    /// <summary>Throws with the reason when the sizes are inconsistent or an option is not implemented.</summary>
    public void Validate()
    {
        foreach (var (key, value) in new[] { ("hidden_act", HiddenAct), ("feat_extract_activation", FeatExtractActivation) })
        {
            if (value != "gelu")
                throw new NotSupportedException($"{key} '{value}' is not supported; only 'gelu' (exact, erf-based) is implemented");
        }

        if (FeatExtractNorm is not ("group" or "layer"))
            throw new NotSupportedException($"feat_extract_norm '{FeatExtractNorm}' is not supported; expected 'group' or 'layer'");
        if (ConvDim.Count == 0 || ConvDim.Count != ConvKernel.Count || ConvDim.Count != ConvStride.Count)
            throw new InvalidDataException($"conv_dim, conv_kernel and conv_stride must have the same, non-zero length (got {ConvDim.Count}, {ConvKernel.Count}, {ConvStride.Count})");
        if (ConvDim.Concat(ConvKernel).Concat(ConvStride).Any(v => v < 1))
            throw new InvalidDataException("conv_dim, conv_kernel and conv_stride must be positive");
        if (HiddenSize < 1 || NumHiddenLayers < 0 || NumAttentionHeads < 1 || IntermediateSize < 1 || NumConvPosEmbeddings < 1 || NumConvPosEmbeddingGroups < 1)
            throw new InvalidDataException($"sizes must be positive (hidden {HiddenSize}, layers {NumHiddenLayers}, heads {NumAttentionHeads}, intermediate {IntermediateSize}, pos conv {NumConvPosEmbeddings}/{NumConvPosEmbeddingGroups})");
        if (HiddenSize % NumAttentionHeads != 0)
            throw new InvalidDataException($"hidden_size {HiddenSize} is not a multiple of num_attention_heads {NumAttentionHeads}");
        if (HiddenSize % NumConvPosEmbeddingGroups != 0)
            throw new InvalidDataException($"hidden_size {HiddenSize} is not a multiple of num_conv_pos_embedding_groups {NumConvPosEmbeddingGroups}");
        if (LayerNormEps <= 0)
            throw new InvalidDataException($"layer_norm_eps must be positive (got {LayerNormEps})");
        if (new[] { HiddenDropout, ActivationDropout, AttentionDropout, FeatProjDropout, LayerDrop }.Any(p => p is < 0 or >= 1))
            throw new InvalidDataException("dropout probabilities and layerdrop must lie in [0, 1)");
    }

    private static string? String(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool Bool(JsonElement root, string name, bool fallback) =>
        !root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? fallback
        : value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean()
        : throw new InvalidDataException($"'{name}' must be true or false (got {value.GetRawText()})");

    private static int Int(JsonElement root, string name, int fallback)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return fallback;
        return value.TryGetInt32(out var n) ? n : throw new InvalidDataException($"'{name}' must be an integer (got {value.GetRawText()})");
    }

    private static int[]? Ints(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(v => !v.TryGetInt32(out _)))
            throw new InvalidDataException($"'{name}' must be a list of integers (got {value.GetRawText()})");
        return [.. value.EnumerateArray().Select(v => v.GetInt32())];
    }

    private static double Double(JsonElement root, string name, double fallback)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return fallback;
        return value.TryGetDouble(out var x) ? x : throw new InvalidDataException($"'{name}' must be a number (got {value.GetRawText()})");
    }
}
