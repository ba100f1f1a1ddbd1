// Whisper checkpoints come in two namings. Hugging Face: "model.encoder.*" in WhisperForConditionalGeneration files,
// "encoder.*" in WhisperModel files, "*" in a bare WhisperEncoder; the decoder ("model.decoder.*", "decoder.*") and
// the output projection ("proj_out.*") sit beside it. OpenAI (whisper/model.py): "encoder.conv1", "encoder.blocks.N.
// attn.query", ..., "encoder.ln_post", "encoder.positional_embedding", and "decoder.*". Our WhisperEncoder uses HF's
// names; everything else is dropped.
using static TorchSharp.torch;

namespace Nona.Plugins.Audio.Modules;

/// <summary>Picks the audio encoder's tensors out of a Whisper checkpoint, under <see cref="WhisperEncoder"/>'s names.</summary>
public static class WhisperStateDict
{
    private static readonly string[] EncoderPrefixes = ["model.encoder.", "encoder."];

    private static readonly string[] DecoderPrefixes = ["model.decoder.", "decoder.", "proj_out."];

    // OpenAI block module → HF block module.
    private static readonly Dictionary<string, string> OpenAiBlockNames = new(StringComparer.Ordinal)
    {
        ["attn.query"] = "self_attn.q_proj",
        ["attn.key"] = "self_attn.k_proj",
        ["attn.value"] = "self_attn.v_proj",
        ["attn.out"] = "self_attn.out_proj",
        ["attn_ln"] = "self_attn_layer_norm",
        ["mlp.0"] = "fc1",
        ["mlp.2"] = "fc2",
        ["mlp_ln"] = "final_layer_norm",
    };

    /// <summary>
    /// The encoder's tensors under HF WhisperEncoder names (passed through, not copied) and the keys that were
    /// dropped (decoder, output projection). Keys that are neither encoder nor decoder are kept as they are, so
    /// <c>LoadInto</c> reports them as unexpected. Two keys that map to the same name are an error.
    /// </summary>
    public static (Dictionary<string, Tensor> Encoder, List<string> Dropped) Normalize(IReadOnlyDictionary<string, Tensor> checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var encoder = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var origins = new Dictionary<string, string>(StringComparer.Ordinal);
        var dropped = new List<string>();
        foreach (var (original, tensor) in checkpoint)
        {
            if (DecoderPrefixes.Any(p => original.StartsWith(p, StringComparison.Ordinal)))
            {
                dropped.Add(original);
                continue;
            }

            var key = NormalizeKey(original);
            if (!origins.TryAdd(key, original))
                throw new InvalidDataException($"checkpoint keys '{origins[key]}' and '{original}' both map to '{key}'");
            encoder[key] = tensor;
        }

        return (encoder, dropped);
    }

    /// <summary>One encoder key (HF or OpenAI naming, with or without its prefix) under WhisperEncoder's name.</summary>
    public static string NormalizeKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        foreach (var prefix in EncoderPrefixes)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                key = key[prefix.Length..];
                break;
            }
        }

        if (key == "positional_embedding")
            return "embed_positions.weight";
        if (key.StartsWith("ln_post.", StringComparison.Ordinal))
            return "layer_norm." + key["ln_post.".Length..];
        if (!key.StartsWith("blocks.", StringComparison.Ordinal))
            return key;
        // blocks.N.<module>.<leaf> → layers.N.<HF module>.<leaf>
        var parts = key.Split('.', 3);
        if (parts.Length < 3)
            return key;
        var dot = parts[2].LastIndexOf('.');
        if (dot < 0 || !OpenAiBlockNames.TryGetValue(parts[2][..dot], out var module))
            return key;
        return $"layers.{parts[1]}.{module}{parts[2][dot..]}";
    }
}
