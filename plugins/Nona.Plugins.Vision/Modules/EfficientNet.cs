// Follows Tan & Le, "EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks" (arXiv:1905.11946),
// module for module as torchvision 0.14 models/efficientnet.py builds it, so torchvision's .pth files load as they are.
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nona.Plugins.Vision.Modules;

/// <summary>One row of the paper's Table 1: a stage of identical MBConv blocks (before width/depth scaling).</summary>
/// <param name="ExpandRatio">Width of the block's hidden layer relative to its input.</param>
/// <param name="Kernel">Depthwise kernel size.</param>
/// <param name="Stride">Stride of the stage's first block; later blocks use 1.</param>
/// <param name="InputChannels">Input width of the stage's first block; later blocks take <paramref name="OutChannels"/>.</param>
/// <param name="OutChannels">Output width of every block in the stage.</param>
/// <param name="Layers">Number of blocks.</param>
public sealed record MBConvStage(double ExpandRatio, int Kernel, int Stride, int InputChannels, int OutChannels, int Layers);

/// <summary>An EfficientNet variant as data: the B0 stage table scaled by width and depth multipliers.</summary>
/// <param name="WidthMult">Multiplies every stage's channels (rounded to multiples of 8).</param>
/// <param name="DepthMult">Multiplies every stage's block count (rounded up).</param>
/// <param name="StochasticDepthProb">Drop probability of the last block; block b of n drops with p·b/n.</param>
/// <param name="Norm">BatchNorm settings of every norm layer.</param>
public sealed record EfficientNetConfig(
    double WidthMult,
    double DepthMult,
    double StochasticDepthProb = 0.2,
    BatchNormSettings? Norm = null)
{
    /// <summary>Paper's Table 1 (B0 widths and depths), in torchvision's order; stage s becomes <c>features.{s + 1}</c>.</summary>
    public static IReadOnlyList<MBConvStage> BaseStages { get; } =
    [
        new(1, 3, 1, 32, 16, 1),
        new(6, 3, 2, 16, 24, 2),
        new(6, 5, 2, 24, 40, 2),
        new(6, 3, 2, 40, 80, 3),
        new(6, 5, 1, 80, 112, 3),
        new(6, 5, 2, 112, 192, 4),
        new(6, 3, 1, 192, 320, 1),
    ];

    /// <summary>
    /// EfficientNet-B0 as torchvision builds it. Its BatchNorm uses PyTorch's defaults (eps 1e-5): torchvision only
    /// passes eps 1e-3 for B5–B7 and the V2 models, so B0's pretrained weights expect 1e-5.
    /// </summary>
    public static EfficientNetConfig B0 { get; } = new(WidthMult: 1.0, DepthMult: 1.0);

    /// <summary>The stage table after width and depth scaling (torchvision's <c>MBConvConfig</c> adjustments).</summary>
    public IReadOnlyList<MBConvStage> Stages => BaseStages
        .Select(s => s with
        {
            InputChannels = (int)MBConv.AdjustChannels(s.InputChannels, WidthMult),
            OutChannels = (int)MBConv.AdjustChannels(s.OutChannels, WidthMult),
            Layers = (int)Math.Ceiling(s.Layers * DepthMult),
        })
        .ToList();
}

/// <summary>
/// EfficientNet feature extractor with torchvision's state_dict keys (<c>features.0</c> stem, <c>features.1</c>–
/// <c>features.7</c> MBConv stages, <c>features.8</c> 1×1 head conv), minus the classifier: (B, 3, H, W) →
/// (B, <see cref="FeatureDim"/>) globally average-pooled features.
/// </summary>
/// <remarks>
/// Pretrained weights: torchvision's <c>efficientnet_b0_rwightman-3dd342df.pth</c> (ported from timm) loads as it
/// is once <c>classifier.1.weight</c>/<c>classifier.1.bias</c> are skipped. It expects RGB in [0, 1] normalised with
/// ImageNet's mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225), resized to 256 (bicubic), centre crop 224.
/// </remarks>
public sealed class EfficientNet : nn.Module<Tensor, Tensor>
{
    private readonly Sequential features;
    private readonly AdaptiveAvgPool2d avgpool;

    /// <summary>Builds the network a <paramref name="config"/> describes, with TorchSharp's default initialisation.</summary>
    public EfficientNet(EfficientNetConfig config)
        : base(nameof(EfficientNet))
    {
        var norm = config.Norm ?? new BatchNormSettings();
        var stages = config.Stages;
        var layers = new List<nn.Module<Tensor, Tensor>>
        {
            ConvNormActivation.Create(3, stages[0].InputChannels, 3, 2, 1, norm, nn.SiLU()), // stem: (B, 32, H/2, W/2)
        };

        var totalBlocks = stages.Sum(s => s.Layers);
        var blockIndex = 0;
        foreach (var stage in stages)
        {
            var blocks = new List<(string, nn.Module<Tensor, Tensor>)>();
            for (var at = 0; at < stage.Layers; at++)
            {
                var first = at == 0;
                // Later blocks get a larger drop probability: deeper residual branches are dropped more often.
                var dropProb = config.StochasticDepthProb * blockIndex / totalBlocks;
                blocks.Add(($"{at}", new MBConv(
                    first ? stage.InputChannels : stage.OutChannels,
                    stage.OutChannels,
                    stage.ExpandRatio,
                    stage.Kernel,
                    first ? stage.Stride : 1,
                    dropProb,
                    norm)));
                blockIndex++;
            }

            layers.Add(nn.Sequential(blocks));
        }

        // torchvision's V1 head is 4× the last stage's width (1280 for B0), after width scaling.
        FeatureDim = 4L * stages[^1].OutChannels;
        layers.Add(ConvNormActivation.Create(stages[^1].OutChannels, FeatureDim, 1, 1, 1, norm, nn.SiLU()));

        features = nn.Sequential(layers.Select((layer, at) => ($"{at}", layer)));
        avgpool = nn.AdaptiveAvgPool2d(1);
        StageNames = Enumerable.Range(0, layers.Count).Select(at => $"features.{at}").ToList();
        RegisterComponents();
    }

    /// <summary>EfficientNet-B0 (5.3M parameters with torchvision's classifier, 4.0M without): 1280 features.</summary>
    public static EfficientNet B0() => new(EfficientNetConfig.B0);

    /// <summary>Width of the pooled features <see cref="forward"/> returns.</summary>
    public long FeatureDim { get; }

    /// <summary>The top-level stages in call order (<c>features.0</c> … <c>features.8</c> for B0).</summary>
    public IReadOnlyList<string> StageNames { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        if (input.dim() != 4 || input.shape[1] != 3)
            throw new ArgumentException($"EfficientNet expects images shaped (B, 3, H, W), got ({string.Join(", ", input.shape)})", nameof(input));

        using var scope = NewDisposeScope();
        var x = features.call(input);          // (B, FeatureDim, H/32, W/32)
        x = avgpool.call(x);                   // (B, FeatureDim, 1, 1)
        return x.flatten(1).MoveToOuterDisposeScope(); // (B, FeatureDim)
    }

    /// <summary>
    /// Freezes every parameter before the first one whose name starts with <paramref name="name"/> (a module path
    /// such as <c>features.5</c> or <c>features.5.2</c>) and unfreezes the rest, so repeated calls move the boundary
    /// either way instead of accumulating. BatchNorm running statistics still update in training mode; keeping them
    /// fixed is the caller's choice (eval mode on the frozen part).
    /// </summary>
    /// <exception cref="ArgumentException">No parameter lies under <paramref name="name"/>.</exception>
    public void FreezeUntil(string name)
    {
        var parameters = named_parameters().ToList();
        // Match whole path segments, so "features.1" never matches "features.10".
        var first = string.IsNullOrEmpty(name)
            ? -1
            : parameters.FindIndex(p => p.name.StartsWith(name + ".", StringComparison.Ordinal));
        if (first < 0)
            throw new ArgumentException($"'{name}' names no part of EfficientNet with parameters. Valid prefixes: {string.Join(", ", StageNames)}", nameof(name));

        for (var at = 0; at < parameters.Count; at++)
            parameters[at].parameter.requires_grad = at >= first;
    }

    /// <summary>
    /// The state_dict in PyTorch's order: each module's own parameters, then its own persistent buffers, then its
    /// children. TorchSharp's default lists every parameter of the tree before any buffer; the keys are the same,
    /// but code that pairs tensors by position (writers of .pth files, per-index formulas) needs PyTorch's order.
    /// </summary>
    public override Dictionary<string, Tensor> state_dict(Dictionary<string, Tensor>? destination = null, string? prefix = null)
    {
        destination ??= [];
        AddInPyTorchOrder(this, string.IsNullOrEmpty(prefix) ? "" : $"{prefix}.", destination);
        return destination;
    }

    private static void AddInPyTorchOrder(nn.Module module, string prefix, Dictionary<string, Tensor> destination)
    {
        foreach (var (name, parameter) in module.named_parameters(recurse: false))
            destination.TryAdd(prefix + name, parameter);
        foreach (var (name, buffer) in module.named_buffers(recurse: false, include_nonpersistent: false))
            destination.TryAdd(prefix + name, buffer);
        foreach (var (name, child) in module.named_children())
            AddInPyTorchOrder(child, $"{prefix}{name}.", destination);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            features.Dispose();
            avgpool.Dispose();
        }

        base.Dispose(disposing);
    }
}
