using System.Text.Json;
using Nona.Abstractions;
using Nona.Host.Weights;
using Nona.Plugins.Audio.Backbones;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Nona.Tests.Audio;

/// <summary>
/// The weights and waveforms of tests/fixtures/make_hubert_fixture.py, rebuilt here from the same formulas (see its
/// docstring and the fixture's "formulas"), and a Hugging Face folder written from them as a user would download one.
/// </summary>
internal static class HubertFormula
{
    /// <summary>The pos-conv weight-norm halves in the formula's (older, weight_g / weight_v) spelling.</summary>
    public const string WeightG = "encoder.pos_conv_embed.conv.weight_g";

    /// <summary>See <see cref="WeightG"/>.</summary>
    public const string WeightV = "encoder.pos_conv_embed.conv.weight_v";

    /// <summary>(HF key, shape) of every tensor of transformers' HubertModel for a config.json object (make_hubert_fixture.hf_shapes).</summary>
    public static List<(string Key, long[] Shape)> HfShapes(JsonElement config)
    {
        int Int(string name) => config.GetProperty(name).GetInt32();
        int[] Ints(string name) => [.. config.GetProperty(name).EnumerateArray().Select(v => v.GetInt32())];
        var convDim = Ints("conv_dim");
        var convKernel = Ints("conv_kernel");
        var layerNorm = config.GetProperty("feat_extract_norm").GetString() == "layer";
        var convBias = config.GetProperty("conv_bias").GetBoolean();
        var shapes = new List<(string, long[])>();
        long inDim = 1;
        for (var n = 0; n < convDim.Length; n++)
        {
            shapes.Add(($"feature_extractor.conv_layers.{n}.conv.weight", [convDim[n], inDim, convKernel[n]]));
            if (convBias)
                shapes.Add(($"feature_extractor.conv_layers.{n}.conv.bias", [convDim[n]]));
            if (layerNorm || n == 0)
            {
                shapes.Add(($"feature_extractor.conv_layers.{n}.layer_norm.weight", [convDim[n]]));
                shapes.Add(($"feature_extractor.conv_layers.{n}.layer_norm.bias", [convDim[n]]));
            }

            inDim = convDim[n];
        }

        long hidden = Int("hidden_size"), last = convDim[^1], intermediate = Int("intermediate_size");
        if (config.GetProperty("feat_proj_layer_norm").GetBoolean())
        {
            shapes.Add(("feature_projection.layer_norm.weight", [last]));
            shapes.Add(("feature_projection.layer_norm.bias", [last]));
        }

        shapes.Add(("feature_projection.projection.weight", [hidden, last]));
        shapes.Add(("feature_projection.projection.bias", [hidden]));
        shapes.Add(("masked_spec_embed", [hidden]));
        long kernel = Int("num_conv_pos_embeddings"), groups = Int("num_conv_pos_embedding_groups");
        shapes.Add(("encoder.pos_conv_embed.conv.bias", [hidden]));
        shapes.Add((WeightG, [1, 1, kernel]));
        shapes.Add((WeightV, [hidden, hidden / groups, kernel]));
        shapes.Add(("encoder.layer_norm.weight", [hidden]));
        shapes.Add(("encoder.layer_norm.bias", [hidden]));
        for (var n = 0; n < Int("num_hidden_layers"); n++)
        {
            var p = $"encoder.layers.{n}.";
            foreach (var proj in new[] { "k_proj", "v_proj", "q_proj", "out_proj" })
            {
                shapes.Add((p + $"attention.{proj}.weight", [hidden, hidden]));
                shapes.Add((p + $"attention.{proj}.bias", [hidden]));
            }

            shapes.Add((p + "layer_norm.weight", [hidden]));
            shapes.Add((p + "layer_norm.bias", [hidden]));
            shapes.Add((p + "feed_forward.intermediate_dense.weight", [intermediate, hidden]));
            shapes.Add((p + "feed_forward.intermediate_dense.bias", [intermediate]));
            shapes.Add((p + "feed_forward.output_dense.weight", [hidden, intermediate]));
            shapes.Add((p + "feed_forward.output_dense.bias", [hidden]));
            shapes.Add((p + "final_layer_norm.weight", [hidden]));
            shapes.Add((p + "final_layer_norm.bias", [hidden]));
        }

        return shapes;
    }

    /// <summary>The formula's float32 values of HF tensor <paramref name="name"/> (make_hubert_fixture.formula_value).</summary>
    /// <remarks>
    /// HuBERT-base has 95M values, so the phase is not built element by element: with j = 1009·q + m,
    /// phase = a_q + b_m where a_q = 0.7·1009·q + 1.3·h and b_m = 0.7·m + 0.9·((m·m) mod 1009) (j·j ≡ m·m mod 1009), and
    /// sin(a + b) = sin a cos b + cos a sin b is two float32 outer products of float64-computed factors. The values
    /// match the script's float64 sin(phase) cast to float32 to within a float32 rounding step.
    /// </remarks>
    public static Tensor Value(string name, long[] shape, double gain, double valueGain)
    {
        using var scope = NewDisposeScope();
        var h = 0L;
        for (var p = 0; p < name.Length; p++)
            h += (p + 1) * (long)name[p];
        h %= 9973;
        var numel = shape.Aggregate(1L, (a, b) => a * b);
        var a = arange((numel + 1008) / 1009, dtype: float64).mul_(0.7 * 1009).add_(1.3 * h).unsqueeze(1); // (Q, 1)
        var m = arange(1009L, dtype: int64);
        var b = m.to_type(float64).mul(0.7).add_(m.mul(m).remainder(1009).to_type(float64).mul_(0.9)).unsqueeze(0); // (1, 1009)
        var (sinA, cosA, sinB, cosB) = (a.sin().to_type(float32), a.cos().to_type(float32), b.sin().to_type(float32), b.cos().to_type(float32));
        Tensor Flat(Tensor x) => x.reshape(-1).narrow(0, 0, numel);
        var isBias = !name.EndsWith(".weight_g", StringComparison.Ordinal) && shape.Length == 1 && name.EndsWith(".bias", StringComparison.Ordinal);
        var wave = isBias
            ? Flat(cosA.mul(cosB).sub_(sinA.mul(sinB)))  // cos(phase)
            : Flat(sinA.mul(cosB).add_(cosA.mul(sinB))); // sin(phase)
        var values = name switch
        {
            "masked_spec_embed" => wave.mul_(0.5),
            _ when name.EndsWith(".weight_g", StringComparison.Ordinal) => wave.mul_(0.25).add_(1),
            _ when shape.Length >= 2 => wave.mul_((name.Contains("attention.v_proj", StringComparison.Ordinal) || name.Contains("attention.out_proj", StringComparison.Ordinal) ? valueGain : gain)
                / Math.Sqrt(numel / shape[0])),
            _ when name.EndsWith("norm.weight", StringComparison.Ordinal) => wave.mul_(0.1).add_(1),
            _ when isBias => wave.mul_(0.05),
            _ => throw new InvalidOperationException($"no formula for {name}"),
        };
        return values.reshape(shape).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The formula weights for <paramref name="configJson"/> under Hugging Face names, the weight norm spelled as
    /// parametrizations (newer PyTorch) or weight_g / weight_v, every key prefixed with <paramref name="prefix"/>
    /// (HubertForCTC files: "hubert."). Leaves out keys for which <paramref name="skip"/> is true. The caller disposes the tensors.
    /// </summary>
    public static Dictionary<string, Tensor> StateDict(JsonElement root, JsonElement configJson, bool parametrizations, string prefix = "", Func<string, bool>? skip = null)
    {
        var gain = root.GetProperty("gain").GetDouble();
        var valueGain = root.GetProperty("value_gain").GetDouble();
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, shape) in HfShapes(configJson))
        {
            if (skip?.Invoke(key) == true)
                continue;
            var name = !parametrizations ? key
                : key == WeightG ? "encoder.pos_conv_embed.conv.parametrizations.weight.original0"
                : key == WeightV ? "encoder.pos_conv_embed.conv.parametrizations.weight.original1"
                : key;
            state[prefix + name] = Value(key, shape, gain, valueGain);
        }

        return state;
    }

    /// <summary>
    /// Writes <paramref name="configJson"/> as config.json and <see cref="StateDict"/>'s weights plus
    /// <paramref name="extra"/> tensors (task heads) as model.safetensors into <paramref name="folder"/>; returns the
    /// weight file's path.
    /// </summary>
    public static string WriteFolder(string folder, JsonElement root, JsonElement configJson, bool parametrizations, string prefix = "",
        IReadOnlyDictionary<string, Tensor>? extra = null, Func<string, bool>? skip = null)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), configJson.GetRawText());
        var state = StateDict(root, configJson, parametrizations, prefix, skip);
        try
        {
            var path = Path.Combine(folder, "model.safetensors");
            Safetensors.SaveStateDict(path, extra is null ? state : state.Concat(extra).ToDictionary());
            return path;
        }
        finally
        {
            foreach (var tensor in state.Values)
                tensor.Dispose();
        }
    }

    /// <summary>The hubert backbone as a recipe builds it, with the host's weight store.</summary>
    public static FeatureExtractor Backbone(string weights, string cacheFolder, bool trainable = false, bool freezeFeatureEncoder = true)
    {
        var context = new PluginContext
        {
            RecipePath = "recipe.yaml",
            RecipeKey = "backbone",
            RecipeFolder = cacheFolder,
            CacheFolder = cacheFolder,
            Weights = new WeightStore(Path.Combine(cacheFolder, "cache"), cacheFolder),
            Tables = null!,
            Plugins = null!,
        };
        var options = new HubertOptions { Weights = weights, Trainable = trainable, FreezeFeatureEncoder = freezeFeatureEncoder };
        return (FeatureExtractor)((IPluginFactory)new HubertBackboneFactory()).Create(options, context);
    }

    /// <summary>The fixture's chirp: 0.3 (0.6 sin φ + 0.3 sin 2φ + 0.1 sin 3φ), φ = 2π(120 t + 300 t²).</summary>
    public static float[] Chirp(int samples) => Harmonics(samples, 120, 300, [(1, 0.6), (2, 0.3), (3, 0.1)]);

    /// <summary>The fixture's chirp2: 0.3 (0.5 sin φ + 0.5 sin 3φ), φ = 2π(220 t + 500 t²).</summary>
    public static float[] Chirp2(int samples) => Harmonics(samples, 220, 500, [(1, 0.5), (3, 0.5)]);

    private static float[] Harmonics(int samples, double f0, double sweep, (int K, double W)[] partials)
    {
        var wave = new float[samples];
        for (var n = 0; n < samples; n++)
        {
            var t = n / 16000.0;
            var phi = 2 * Math.PI * ((f0 * t) + (sweep * t * t));
            wave[n] = (float)(0.3 * partials.Sum(p => p.W * Math.Sin(p.K * phi)));
        }

        return wave;
    }

    /// <summary>Two clips zero-padded to <paramref name="samples"/> as a batch with its sample mask (1 on audio).</summary>
    public static InputBatch Batch(float[] first, float[] second, int samples)
    {
        var values = new float[2 * samples];
        var mask = new long[2 * samples];
        first.CopyTo(values, 0);
        second.CopyTo(values, samples);
        Array.Fill(mask, 1L, 0, first.Length);
        Array.Fill(mask, 1L, samples, second.Length);
        return new InputBatch(torch.tensor(values, [2, samples]), torch.tensor(mask, [2, samples]));
    }
}
