// torchvision.models.resnet.ResNet with BasicBlock (He et al., "Deep Residual Learning for Image Recognition", 2015),
// without the classifier: the backbone ends at the global average pool.
using Nona.Abstractions;
using Nona.Abstractions.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static Nona.Abstractions.Torch.HeldScalars;
using static TorchSharp.torch;

namespace Nona.Plugins.Vision.Modules;

/// <summary>
/// A BasicBlock ResNet feature extractor, (B, 3, H, W) → (B, 512). Submodules carry torchvision's names, so the
/// state_dict keys are torchvision's <c>resnet18</c>/<c>resnet34</c> keys without <c>fc.weight</c>/<c>fc.bias</c>,
/// and a torchvision checkpoint loads key by key (see <see cref="LoadWeights"/>).
/// </summary>
public sealed class ResNet : nn.Module<Tensor, Tensor>
{
    /// <summary>Channels of the pooled features (the width of <c>layer4</c>).</summary>
    public const int FeatureDim = 512;

    // torchvision's BatchNorm epsilon, named because the DnnImageFeaturizer import checks the ONNX epsilon against it.
    internal const double BatchNormEps = 1e-5;

    private static readonly long[] Widths = [64, 128, 256, 512];
    private static readonly string[] TopLevelNames = ["conv1", "bn1", "layer1", "layer2", "layer3", "layer4"];

    private readonly Conv2d conv1;
    private readonly HeldBatchNorm bn1;
    private readonly ReLU relu;
    private readonly MaxPool2d maxpool;
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Sequential layer4;
    private readonly AdaptiveAvgPool2d avgpool;

    /// <summary>
    /// Builds the network with <paramref name="blocks"/>[s] BasicBlocks in stage s: [2, 2, 2, 2] is ResNet-18,
    /// [3, 4, 6, 3] ResNet-34, [2, 2, 2, 3] the ML.NET DnnImageFeaturizer model. Weights are PyTorch's defaults.
    /// </summary>
    public ResNet(IReadOnlyList<int> blocks)
        : base(nameof(ResNet))
    {
        if (blocks.Count != 4 || blocks.Any(b => b < 1))
            throw new ArgumentException($"a ResNet needs 4 stages of at least 1 block each (got [{string.Join(", ", blocks)}])", nameof(blocks));
        Blocks = [.. blocks];

        conv1 = nn.Conv2d(3, 64, kernel_size: 7, stride: 2, padding: 3, bias: false);
        bn1 = BatchNorm(64);
        relu = nn.ReLU();
        maxpool = nn.MaxPool2d(kernel_size: 3, stride: 2, padding: 1);
        layer1 = Stage(0, blocks[0]);
        layer2 = Stage(1, blocks[1]);
        layer3 = Stage(2, blocks[2]);
        layer4 = Stage(3, blocks[3]);
        avgpool = nn.AdaptiveAvgPool2d(1);
        RegisterComponents();
    }

    /// <summary>The top-level names <see cref="FreezeUntil"/> accepts, in forward order.</summary>
    public static IReadOnlyList<string> LayerNames { get; } = Array.AsReadOnly(TopLevelNames);

    /// <summary>Blocks per stage, as given to the constructor.</summary>
    public IReadOnlyList<int> Blocks { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        if (input.dim() != 4 || input.shape[1] != 3)
            throw new ArgumentException($"ResNet expects images of shape (B, 3, H, W), got ({string.Join(", ", input.shape)})", nameof(input));
        using var scope = NewDisposeScope();
        var x = maxpool.call(relu.call(bn1.call(conv1.call(input)))); // (B, 64, H/4, W/4)
        x = layer4.call(layer3.call(layer2.call(layer1.call(x)))); // (B, 512, H/32, W/32)
        return avgpool.call(x).flatten(1).MoveToOuterDisposeScope(); // (B, 512)
    }

    /// <summary>
    /// Stops training of everything before <paramref name="layerName"/>: every parameter of the top-level layers
    /// listed before it in <see cref="LayerNames"/> gets requires_grad = false ("layer3" freezes conv1, bn1, layer1
    /// and layer2; "conv1" freezes nothing). Later layers are left as they are. BatchNorm running statistics still
    /// update in train mode; put frozen layers in eval mode as well when they must not change at all.
    /// </summary>
    /// <returns>The number of parameter tensors frozen.</returns>
    public int FreezeUntil(string layerName)
    {
        var stop = Array.IndexOf(TopLevelNames, layerName);
        if (stop < 0)
            throw new ArgumentException($"'{layerName}' is not a ResNet layer. Valid names: {string.Join(", ", LayerNames)}", nameof(layerName));
        var frozen = 0;
        foreach (var (name, parameter) in named_parameters())
        {
            var top = name[..name.IndexOf('.', StringComparison.Ordinal)];
            if (Array.IndexOf(TopLevelNames, top) < stop)
            {
                parameter.requires_grad = false;
                frozen++;
            }
        }

        return frozen;
    }

    /// <summary>
    /// Copies <paramref name="weights"/> into this network key by key. Every state_dict key must be present with the
    /// same shape, and no other key may be given, so a checkpoint for a different depth fails here with the names.
    /// </summary>
    public void LoadWeights(IReadOnlyDictionary<string, Tensor> weights) => ModuleWeights.CopyInto(this, weights);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            conv1.Dispose();
            bn1.Dispose();
            relu.Dispose();
            maxpool.Dispose();
            layer1.Dispose();
            layer2.Dispose();
            layer3.Dispose();
            layer4.Dispose();
            avgpool.Dispose();
        }

        base.Dispose(disposing);
    }

    internal static HeldBatchNorm BatchNorm(long features) => HeldBatchNorm.TwoD(features, eps: BatchNormEps, momentum: 0.1);

    // Stage 0 keeps the resolution after the max pool; later stages halve it in their first block, like torchvision.
    private static Sequential Stage(int stage, int count)
    {
        var planes = Widths[stage];
        var inPlanes = stage == 0 ? 64 : Widths[stage - 1];
        var stride = stage == 0 ? 1 : 2;
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        for (var b = 0; b < count; b++)
            layers.Add(($"{b}", new BasicBlock(b == 0 ? inPlanes : planes, planes, b == 0 ? stride : 1)));
        return nn.Sequential(layers);
    }
}
