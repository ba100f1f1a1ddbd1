using System.Security.Cryptography;
using Nona.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace Nona.Plugins.Vision.Backbones;

/// <summary>Resolves a backbone's <c>weights</c> option and loads the file into a torchvision-named network.</summary>
internal static class BackboneWeights
{
    /// <summary>
    /// Loads the weights named by <paramref name="options"/> into <paramref name="network"/> and returns a fingerprint
    /// of them (the file's SHA-256), or null for random initialisation (nothing to cache across runs).
    /// </summary>
    public static string? Load(nn.Module network, ImageBackboneOptions options, string architecture, PluginContext context, IReadOnlyCollection<string> ignored)
    {
        if (options.Weights.Length == 0)
            return null;
        WeightSource source;
        if (options.Weights == "imagenet")
        {
            if (!PretrainedWeights.ImageNet.TryGetValue(architecture, out var preset))
                throw new NonaException($"{context.RecipePath}: {context.RecipeKey}.weights: no imagenet preset for {architecture}; give a file or URL");
            source = new WeightSource(preset.Url, preset.Sha256Prefix);
        }
        else
        {
            source = new WeightSource(options.Weights, options.Sha256.Length > 0 ? options.Sha256 : null);
        }

        var path = context.Weights.Resolve(source);
        var weights = context.Weights.Read(path);
        try
        {
            context.Weights.LoadInto(network, weights, path, ignored);
        }
        finally
        {
            foreach (var tensor in weights.Values)
                tensor.Dispose();
        }

        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
