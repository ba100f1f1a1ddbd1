using System.ComponentModel;
using Nona.Abstractions;
using Nona.Plugins.Vision.Modules;

namespace Nona.Plugins.Vision.Backbones;

/// <summary>Options of the <c>resnet</c> backbone.</summary>
public sealed class ResNetOptions : ImageBackboneOptions
{
    /// <summary>18 or 34.</summary>
    [Description("18 or 34 (BasicBlock ResNets); ignored when blocks is set")]
    public int Depth { get; set; } = 18;

    /// <summary>Blocks per stage, overriding depth.</summary>
    [Description("blocks per stage, e.g. [2, 2, 2, 3]; empty: from depth")]
    public IList<int> Blocks { get; set; } = [];
}

/// <summary>torchvision's ResNet-18/34 (state-dict keys as torchvision's, the classifier dropped): 512 pooled features.</summary>
[NonaPlugin("resnet", PluginKind.Backbone, Description = "ResNet-18/34 (torchvision names; imagenet weights, .pth/.safetensors, or resnet18-dnn)")]
public sealed class ResNetBackboneFactory : PluginFactory<ResNetOptions, FeatureExtractor>
{
    private static readonly string[] Classifier = ["fc.weight", "fc.bias"];

    /// <inheritdoc />
    protected override FeatureExtractor Create(ResNetOptions options, PluginContext context)
    {
        var where = context.Where;
        if (options.Weights == "resnet18-dnn")
            return DnnResNet18.Create(options, context);
        int[] blocks = options.Blocks.Count > 0
            ? [.. options.Blocks]
            : options.Depth switch
            {
                18 => [2, 2, 2, 2],
                34 => [3, 4, 6, 3],
                _ => throw new NonaException($"{where}.depth must be 18 or 34 (got {options.Depth}), or give blocks: [..]"),
            };
        if (blocks.Length != 4 || blocks.Any(b => b < 1))
            throw new NonaException($"{where}.blocks must list 4 stage sizes ≥ 1 (got [{string.Join(", ", blocks)}])");
        var network = new ResNet(blocks);
        try
        {
            var architecture = blocks.SequenceEqual([3, 4, 6, 3]) ? "resnet34" : blocks.SequenceEqual([2, 2, 2, 2]) ? "resnet18" : "resnet-custom";
            var fingerprint = BackboneWeights.Load(network, options, architecture, context, Classifier);
            Freeze(network, options.FreezeUntil, where);
            return new ImageBackbone(network, 512, options.Mean, options.Std, !options.Trainable, fingerprint);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    internal static void Freeze(ResNet network, string layer, string where)
    {
        if (layer.Length == 0)
            return;
        try
        {
            network.FreezeUntil(layer);
        }
        catch (ArgumentException e)
        {
            throw new NonaException($"{where}.freeze_until: {e.Message}");
        }
    }
}
