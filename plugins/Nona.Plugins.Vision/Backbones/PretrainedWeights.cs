namespace Nona.Plugins.Vision.Backbones;

/// <summary>
/// A published weight set, as data (timm's habit): where it comes from, how to check it, what input it expects.
/// torchvision publishes only the first 8 hex digits of each file's SHA-256, in the file name; torch.hub checks
/// that prefix, and so do we — no full hash is written here that was not computed from the file.
/// </summary>
/// <param name="Name">Preset name in recipes (<c>weights: imagenet</c>).</param>
/// <param name="Url">Download address.</param>
/// <param name="Sha256Prefix">The hash prefix in the file name.</param>
/// <param name="Source">Provenance, for docs and run.json.</param>
internal sealed record PretrainedWeights(string Name, string Url, string Sha256Prefix, string Source)
{
    /// <summary>ImageNet normalisation (torchvision's presets).</summary>
    public static readonly double[] ImageNetMean = [0.485, 0.456, 0.406];

    /// <summary>ImageNet normalisation (torchvision's presets).</summary>
    public static readonly double[] ImageNetStd = [0.229, 0.224, 0.225];

    /// <summary>The presets, by architecture.</summary>
    public static readonly IReadOnlyDictionary<string, PretrainedWeights> ImageNet = new Dictionary<string, PretrainedWeights>
    {
        ["resnet18"] = new("imagenet", "https://download.pytorch.org/models/resnet18-f37072fd.pth", "f37072fd", "torchvision 0.14 ResNet18_Weights.IMAGENET1K_V1"),
        ["resnet34"] = new("imagenet", "https://download.pytorch.org/models/resnet34-b627a593.pth", "b627a593", "torchvision 0.14 ResNet34_Weights.IMAGENET1K_V1"),
        ["efficientnet_b0"] = new("imagenet", "https://download.pytorch.org/models/efficientnet_b0_rwightman-3dd342df.pth", "3dd342df", "torchvision 0.14 EfficientNet_B0_Weights.IMAGENET1K_V1 (ported from timm)"),
    };
}
