// Hugging Face HuBERT checkpoints name the encoder's weights in a few ways: task models (HubertForCTC,
// HubertForSequenceClassification) prefix them with "hubert." and add heads; files saved by newer PyTorch spell the
// positional conv's weight norm as parametrizations; HubertModel files carry masked_spec_embed (SpecAugment's mask
// vector, training-time only). Our module holds the bare encoder with weight_g / weight_v.
using static TorchSharp.torch;

namespace Nona.Plugins.Audio.Modules;

/// <summary>Normalises a Hugging Face HuBERT state dict for <see cref="HubertModel"/>.</summary>
public static class HubertStateDict
{
    private const string Prefix = "hubert.";

    // Task heads and training-only tensors: CTC (lm_head), classification (projector, classifier, layer_weights of
    // use_weighted_layer_sum), SpecAugment's masked_spec_embed.
    private static readonly string[] DroppedPrefixes = ["lm_head.", "projector.", "classifier."];
    private static readonly string[] DroppedKeys = ["masked_spec_embed", "layer_weights"];

    private static readonly Dictionary<string, string> Renames = new(StringComparer.Ordinal)
    {
        ["encoder.pos_conv_embed.conv.parametrizations.weight.original0"] = "encoder.pos_conv_embed.conv.weight_g",
        ["encoder.pos_conv_embed.conv.parametrizations.weight.original1"] = "encoder.pos_conv_embed.conv.weight_v",
    };

    /// <summary>
    /// The encoder weights under our names, and the original keys that were dropped. Tensors are passed through, not
    /// copied. Two keys that normalise to the same name (both weight-norm spellings in one file) are an error.
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
                throw new InvalidDataException($"checkpoint keys '{origins[key]}' and '{original}' both map to '{key}'");
            weights[key] = tensor;
        }

        return (weights, dropped);
    }

    /// <summary>The normalised name of one checkpoint key, or null when the key is dropped.</summary>
    public static string? NormalizeKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.StartsWith(Prefix, StringComparison.Ordinal))
            key = key[Prefix.Length..];
        if (DroppedKeys.Contains(key) || DroppedPrefixes.Any(p => key.StartsWith(p, StringComparison.Ordinal)))
            return null;
        return Renames.GetValueOrDefault(key, key);
    }
}
