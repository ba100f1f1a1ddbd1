// torchvision.models.resnet.BasicBlock (He et al., "Deep Residual Learning for Image Recognition", 2015):
// two 3×3 convolutions with BatchNorm, the residual added before the last ReLU.
using Nona.Abstractions.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static Nona.Abstractions.Torch.HeldScalars;
using static TorchSharp.torch;

namespace Nona.Plugins.Vision.Modules;

/// <summary>
/// The two-convolution residual block of ResNet-18/34. Submodule names are torchvision's (<c>conv1</c>, <c>bn1</c>,
/// <c>conv2</c>, <c>bn2</c>, <c>downsample.0</c>, <c>downsample.1</c>), so its state_dict keys match torchvision's.
/// </summary>
internal sealed class BasicBlock : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly HeldBatchNorm bn1;
    private readonly ReLU relu;
    private readonly Conv2d conv2;
    private readonly HeldBatchNorm bn2;
    private readonly Sequential? downsample;

    /// <summary>A block from <paramref name="inPlanes"/> to <paramref name="planes"/> channels; the first conv strides.</summary>
    /// <remarks>
    /// torchvision adds the 1×1 projection shortcut exactly when the shape changes (stride ≠ 1 or a new width), so the
    /// presence of <c>downsample</c> is derived here rather than passed in.
    /// </remarks>
    public BasicBlock(long inPlanes, long planes, long stride)
        : base(nameof(BasicBlock))
    {
        conv1 = nn.Conv2d(inPlanes, planes, kernel_size: 3, stride: stride, padding: 1, bias: false);
        bn1 = ResNet.BatchNorm(planes);
        relu = nn.ReLU();
        conv2 = nn.Conv2d(planes, planes, kernel_size: 3, stride: 1, padding: 1, bias: false);
        bn2 = ResNet.BatchNorm(planes);
        if (stride != 1 || inPlanes != planes)
        {
            downsample = nn.Sequential(
                ("0", nn.Conv2d(inPlanes, planes, kernel_size: 1, stride: stride, bias: false)),
                ("1", ResNet.BatchNorm(planes)));
        }

        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = relu.call(bn1.call(conv1.call(input))); // (B, planes, H/stride, W/stride)
        x = bn2.call(conv2.call(x));
        var identity = downsample is null ? input : downsample.call(input);
        return relu.call(x.Plus(identity)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            conv1.Dispose();
            bn1.Dispose();
            relu.Dispose();
            conv2.Dispose();
            bn2.Dispose();
            downsample?.Dispose();
        }

        base.Dispose(disposing);
    }
}
