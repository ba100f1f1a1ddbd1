// Follows torchvision 0.14 ops/misc.py, Conv2dNormActivation: Conv2d (no bias) → BatchNorm2d → optional activation.
using Nona.Abstractions.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static Nona.Abstractions.Torch.HeldScalars;
using static TorchSharp.torch;

namespace Nona.Plugins.Vision.Modules;

/// <summary>
/// Builds torchvision's <c>Conv2dNormActivation</c>. That class is a <c>Sequential</c> subclass, so its children are
/// named <c>0</c> (conv), <c>1</c> (norm), <c>2</c> (activation); returning a <see cref="Sequential"/> keeps those
/// state_dict keys without a wrapper module that would add a name level.
/// </summary>
public static class ConvNormActivation
{
    /// <summary>
    /// Conv2d(<paramref name="inChannels"/> → <paramref name="outChannels"/>, "same" padding for odd kernels, no
    /// bias because the BatchNorm that follows has one) → BatchNorm2d → <paramref name="activation"/> when given.
    /// </summary>
    public static Sequential Create(
        long inChannels,
        long outChannels,
        long kernelSize,
        long stride,
        long groups,
        BatchNormSettings norm,
        nn.Module<Tensor, Tensor>? activation)
    {
        if (kernelSize % 2 == 0)
            throw new ArgumentException($"ConvNormActivation pads (k - 1) / 2 on each side, which needs an odd kernel (got {kernelSize})", nameof(kernelSize));

        var layers = new List<(string, nn.Module<Tensor, Tensor>)>
        {
            ("0", nn.Conv2d(inChannels, outChannels, kernelSize, stride: stride, padding: (kernelSize - 1) / 2, groups: groups, bias: false)),
            ("1", HeldBatchNorm.TwoD(outChannels, eps: norm.Eps, momentum: norm.Momentum)),
        };
        if (activation is not null)
            layers.Add(("2", activation));
        return nn.Sequential(layers);
    }
}

/// <summary>
/// BatchNorm2d settings shared by every norm layer of a network. They are data because torchvision varies them:
/// EfficientNet B0–B4 use PyTorch's defaults (eps 1e-5, momentum 0.1), B5–B7 use eps 1e-3 with momentum 0.01.
/// </summary>
/// <param name="Eps">Added to the variance before the square root.</param>
/// <param name="Momentum">Weight of the current batch in the running statistics (PyTorch's convention).</param>
public sealed record BatchNormSettings(double Eps = 1e-5, double Momentum = 0.1);
