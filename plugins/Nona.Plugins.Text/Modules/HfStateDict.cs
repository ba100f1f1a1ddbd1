// Hugging Face checkpoints name the same BERT/DistilBERT weights in several ways: task models prefix the encoder
// with "bert." / "distilbert.", TF-converted checkpoints call LayerNorm's parameters gamma/beta, and pre-training
// heads (cls.*, vocab_*) plus the position_ids buffer sit beside the encoder weights. Our modules hold only the
// encoder, under the bare names.
using static TorchSharp.torch;

namespace Nona.Plugins.Text.Modules;

/// <summary>Normalises a Hugging Face state_dict for <see cref="BertModel"/> and the DistilBERT module.</summary>
public static class HfStateDict
{
    private static readonly string[] Prefixes = ["bert.", "distilbert."];

    // Heads and buffers that are not encoder parameters: BERT's MLM/NSP heads, DistilBERT's MLM head
    // (vocab_transform, vocab_layer_norm, vocab_projector) and the position_ids buffer.
    private static readonly string[] DroppedPrefixes = ["cls.", "vocab_transform.", "vocab_layer_norm.", "vocab_projector."];

    /// <summary>
    /// Returns the encoder weights under our names and the original keys that were dropped. A "bert." or
    /// "distilbert." prefix is stripped, a layer norm's "gamma"/"beta" become "weight"/"bias",
    /// and <c>cls.*</c>, <c>vocab_*</c> and <c>embeddings.position_ids</c> are dropped. Tensors are passed through,
    /// not copied. Two keys that normalise to the same name are an error.
    /// </summary>
    public static (Dictionary<string, Tensor> Weights, List<string> Dropped) Normalize(IReadOnlyDictionary<string, Tensor> checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var weights = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var origins = new Dictionary<string, string>(StringComparer.Ordinal);
        var dropped = new List<string>();
        foreach (var (original, tensor) in checkpoint)
        {
            var key = NormalizeKey(original);
            if (key is null)
            {
                dropped.Add(original);
                continue;
            }

            if (!origins.TryAdd(key, original))
                throw new ArgumentException($"checkpoint keys '{origins[key]}' and '{original}' both map to '{key}'", nameof(checkpoint));
            weights[key] = tensor;
        }

        return (weights, dropped);
    }

    /// <summary>The normalised name of one checkpoint key, or null when the key is dropped.</summary>
    public static string? NormalizeKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        foreach (var prefix in Prefixes)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                key = key[prefix.Length..];
                break;
            }
        }

        if (DroppedPrefixes.Any(p => key.StartsWith(p, StringComparison.Ordinal)) || key == "embeddings.position_ids")
            return null;
        // BERT's "LayerNorm" and DistilBERT's "sa_layer_norm"/"output_layer_norm" alike.
        var dot = key.LastIndexOf('.');
        if (dot < 0 || !key[..dot].EndsWith("norm", StringComparison.OrdinalIgnoreCase))
            return key;
        return key[(dot + 1)..] switch
        {
            "gamma" => key[..dot] + ".weight",
            "beta" => key[..dot] + ".bias",
            _ => key,
        };
    }
}
