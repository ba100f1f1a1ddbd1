// Follows Tan & Le, "EfficientNet" (arXiv:1905.11946) and Sandler et al., "MobileNetV2" (arXiv:1801.04381), as
// torchvision 0.14 models/efficientnet.py (MBConv) and ops/stochastic_depth.py write them.
using Nona.Abstractions.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static Nona.Abstractions.Torch.HeldScalars;
using static TorchSharp.torch;

namespace Nona.Plugins.Vision.Modules;

/// <summary>
/// Mobile inverted bottleneck: <c>block</c> = [1×1 expand conv (only when the expansion changes the width)] →
/// k×k depthwise conv → squeeze-excitation → 1×1 project conv (no activation); plus a residual connection, through
/// stochastic depth, when stride is 1 and the width is unchanged.
/// </summary>
public sealed class MBConv : nn.Module<Tensor, Tensor>
{
    private readonly Sequential block;
    private readonly StochasticDepth stochastic_depth;
    private readonly bool useResidual;

    /// <summary>One block; <paramref name="stochasticDepthProb"/> is this block's drop probability in training.</summary>
    public MBConv(
        long inputChannels,
        long outChannels,
        double expandRatio,
        long kernel,
        long stride,
        double stochasticDepthProb,
        BatchNormSettings norm)
        : base(nameof(MBConv))
    {
        if (stride is < 1 or > 2)
            throw new ArgumentException($"MBConv supports stride 1 or 2 (got {stride})", nameof(stride));

        useResidual = stride == 1 && inputChannels == outChannels;
        var expanded = AdjustChannels(inputChannels, expandRatio);
        // torchvision sizes the squeeze from the block's input width, not the expanded width.
        var squeeze = Math.Max(1, inputChannels / 4);

        var layers = new List<nn.Module<Tensor, Tensor>>();
        if (expanded != inputChannels)
            layers.Add(ConvNormActivation.Create(inputChannels, expanded, 1, 1, 1, norm, nn.SiLU()));
        layers.Add(ConvNormActivation.Create(expanded, expanded, kernel, stride, groups: expanded, norm, nn.SiLU()));
        layers.Add(new SqueezeExcitation(expanded, squeeze));
        layers.Add(ConvNormActivation.Create(expanded, outChannels, 1, 1, 1, norm, activation: null));

        block = nn.Sequential(layers.Select((layer, at) => ($"{at}", layer)));
        stochastic_depth = new StochasticDepth(stochasticDepthProb);
        RegisterComponents();
    }

    /// <summary>
    /// torchvision's <c>_make_divisible(channels * multiplier, 8)</c>: the nearest multiple of 8 (at least 8), rounded
    /// up when rounding to nearest would lose more than 10%. Used for width multipliers and expansion ratios alike.
    /// </summary>
    public static long AdjustChannels(double channels, double multiplier)
    {
        const long divisor = 8;
        var value = channels * multiplier;
        var rounded = Math.Max(divisor, (long)(value + divisor / 2.0) / divisor * divisor);
        return rounded < 0.9 * value ? rounded + divisor : rounded;
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var result = block.call(input); // (B, out, H / stride, W / stride)
        if (useResidual)
            result = stochastic_depth.call(result).Plus(input);
        return result.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            block.Dispose();
            stochastic_depth.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>
/// Stochastic depth in torchvision's "row" mode (Huang et al., arXiv:1603.09382): in training each sample's residual
/// branch is zeroed with probability p and the survivors are scaled by 1 / (1 − p), so the expectation is unchanged;
/// in eval it is the identity. Kept beside <see cref="MBConv"/>, its only user; it has no parameters.
/// </summary>
public sealed class StochasticDepth : nn.Module<Tensor, Tensor>
{
    /// <summary>Drops a sample's branch with probability <paramref name="p"/> in [0, 1].</summary>
    public StochasticDepth(double p)
        : base(nameof(StochasticDepth))
    {
        if (p is < 0 or > 1 || double.IsNaN(p))
            throw new ArgumentOutOfRangeException(nameof(p), p, "drop probability has to be between 0 and 1");
        P = p;
    }

    /// <summary>Probability of dropping a sample's branch in training.</summary>
    public double P { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        // An alias, not the input itself, so a caller that disposes the output does not dispose its input.
        if (!training || P == 0)
            return input.alias();

        using var scope = NewDisposeScope();
        var survival = 1 - P;
        var shape = new long[input.dim()];
        Array.Fill(shape, 1L);
        shape[0] = input.shape[0]; // (B, 1, 1, 1): one draw per sample
        var noise = empty(shape, dtype: input.dtype, device: input.device).bernoulli_(survival);
        if (survival > 0)
            noise.div_(Held(survival));
        return (input * noise).MoveToOuterDisposeScope();
    }
}
