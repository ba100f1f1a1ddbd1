// Follows Hu et al., "Squeeze-and-Excitation Networks" (arXiv:1709.01507), as torchvision 0.14 ops/misc.py writes it.
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nona.Plugins.Vision.Modules;

/// <summary>
/// Channel gating: global average pool → 1×1 conv down (<c>fc1</c>) → SiLU → 1×1 conv up (<c>fc2</c>) → Sigmoid,
/// then the input scaled per channel. <c>fc1</c>/<c>fc2</c> are convolutions, not linear layers, because that is
/// how torchvision's checkpoints store them ((out, in, 1, 1) weights).
/// </summary>
public sealed class SqueezeExcitation : nn.Module<Tensor, Tensor>
{
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Conv2d fc1;
    private readonly SiLU activation;
    private readonly Conv2d fc2;
    private readonly Sigmoid scale_activation;

    /// <summary>Gates <paramref name="inputChannels"/> channels through a <paramref name="squeezeChannels"/> bottleneck.</summary>
    public SqueezeExcitation(long inputChannels, long squeezeChannels)
        : base(nameof(SqueezeExcitation))
    {
        avgpool = nn.AdaptiveAvgPool2d(1);
        fc1 = nn.Conv2d(inputChannels, squeezeChannels, 1);
        // EfficientNet passes SiLU here; torchvision's own default would be ReLU (MobileNetV3 relies on that).
        activation = nn.SiLU();
        fc2 = nn.Conv2d(squeezeChannels, inputChannels, 1);
        scale_activation = nn.Sigmoid();
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var scale = avgpool.call(input); // (B, C, 1, 1)
        scale = fc1.call(scale);         // (B, squeeze, 1, 1)
        scale = activation.call(scale);
        scale = fc2.call(scale);         // (B, C, 1, 1)
        scale = scale_activation.call(scale);
        return (scale * input).MoveToOuterDisposeScope(); // (B, C, H, W)
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            avgpool.Dispose();
            fc1.Dispose();
            activation.Dispose();
            fc2.Dispose();
            scale_activation.Dispose();
        }

        base.Dispose(disposing);
    }
}
