using System.ComponentModel;
using Nona.Abstractions;
using Nona.Plugins.Vision.Modules;

namespace Nona.Plugins.Vision.Backbones;

/// <summary>Options of the <c>efficientnet</c> backbone.</summary>
public sealed class EfficientNetOptions : ImageBackboneOptions
{
    /// <summary>The variant.</summary>
    [Description("variant: b0")]
    public string Variant { get; set; } = "b0";
}

/// <summary>torchvision's EfficientNet-B0 as a TorchSharp module (same state-dict keys, classifier dropped): 1280 pooled features.</summary>
[NonaPlugin("efficientnet", PluginKind.Backbone, Description = "EfficientNet-B0 (torchvision names; imagenet weights or a .pth/.safetensors file)")]
public sealed class EfficientNetBackboneFactory : PluginFactory<EfficientNetOptions, FeatureExtractor>
{
    private static readonly string[] Classifier = ["classifier."];

    /// <inheritdoc />
    protected override FeatureExtractor Create(EfficientNetOptions options, PluginContext context)
    {
        var where = context.Where;
        if (options.Variant != "b0")
            throw new NonaException($"{where}.variant: only b0 is available (got '{options.Variant}')");
        var network = EfficientNet.B0();
        try
        {
            var fingerprint = BackboneWeights.Load(network, options, "efficientnet_b0", context, Classifier);
            if (options.FreezeUntil.Length > 0)
            {
                try
                {
                    network.FreezeUntil(options.FreezeUntil);
                }
                catch (ArgumentException e)
                {
                    throw new NonaException($"{where}.freeze_until: {e.Message}");
                }
            }

            return new ImageBackbone(network, 1280, options.Mean, options.Std, !options.Trainable, fingerprint);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }
}
