using System.Globalization;
using System.Runtime.Intrinsics.X86;
using Nona.Abstractions;
using Nona.Plugins.Vision.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace Nona.Plugins.Vision.Backbones;

/// <summary>
/// An image feature extractor around a torchvision-named network: normalises [0, 1] RGB batches on the device,
/// runs the network to its pooled features, and — when frozen — stays in eval mode with no gradients. Caching and
/// freezing are this wrapper's job, not each network's. A frozen <see cref="ResNet"/> runs in its inference form
/// (<see cref="FoldedResNet"/>: BatchNorm folded into the convolutions; channels-last on CPU where oneDNN is capped at
/// AVX2), which changes the features' last bits, so the fingerprint names it.
/// </summary>
public sealed class ImageBackbone : FeatureExtractor
{
    private readonly nn.Module<Tensor, Tensor> network;
    private readonly nn.Module<Tensor, Tensor>? preprocess;
    private readonly bool foldable;
    private FoldedResNet? folded;

    /// <summary>Wraps <paramref name="network"/> (registered as <c>network</c>, so its keys follow torchvision's after that prefix).</summary>
    /// <param name="network">The network: (B, 3, H, W) → (B, <paramref name="outputDim"/>).</param>
    /// <param name="outputDim">Width of its pooled features.</param>
    /// <param name="normalizeMean">Per-channel mean for [0, 1] inputs.</param>
    /// <param name="normalizeStd">Per-channel standard deviation.</param>
    /// <param name="frozen">True for <c>trainable: false</c>.</param>
    /// <param name="fingerprint">Identifies weights and preprocessing, for the feature cache.</param>
    /// <param name="preprocess">Replaces mean/std normalisation when the weights expect something else (the DNN featurizer's BGR mean image); registered as a submodule so it moves with the backbone.</param>
    public ImageBackbone(nn.Module<Tensor, Tensor> network, long outputDim, IList<double> normalizeMean, IList<double> normalizeStd, bool frozen, string? fingerprint, nn.Module<Tensor, Tensor>? preprocess = null)
        : base(nameof(ImageBackbone))
    {
        this.network = network;
        OutputDim = outputDim;
        Frozen = frozen;
        foldable = frozen && network is ResNet;
        var form = foldable ? "|folded-bn" + (ChannelsLastIsExact ? "|nhwc-cpu" : "") : "";
        Fingerprint = fingerprint is null ? null : string.Create(CultureInfo.InvariantCulture, $"{fingerprint}|mean={string.Join(',', normalizeMean)}|std={string.Join(',', normalizeStd)}|custom={preprocess is not null}{form}");
        this.preprocess = preprocess;
        // Persistent buffers: TorchSharp 0.107 moves and disposes only those with the module.
        register_buffer("mean", tensor(normalizeMean.ToArray(), ScalarType.Float32).reshape(1, 3, 1, 1));
        register_buffer("std", tensor(normalizeStd.ToArray(), ScalarType.Float32).reshape(1, 3, 1, 1));
        RegisterComponents();
        if (frozen)
        {
            foreach (var parameter in network.parameters())
                parameter.requires_grad = false;
        }
    }

    /// <inheritdoc />
    public override long OutputDim { get; }

    /// <inheritdoc />
    public override string Modality => "image";

    /// <inheritdoc />
    public override bool Frozen { get; }

    /// <inheritdoc />
    public override string? Fingerprint { get; }

    /// <inheritdoc />
    public override Tensor forward(InputBatch input)
    {
        using var scope = NewDisposeScope();
        var x = input.Values; // (B, 3, H, W), RGB in [0, 1]
        x = preprocess is not null ? preprocess.call(x) : (x - get_buffer("mean")!) / get_buffer("std")!;
        var features = foldable ? Folded(x.device).Forward(x) : network.call(x);
        return features.MoveToOuterDisposeScope(); // (B, OutputDim)
    }

    /// <inheritdoc />
    public override void train(bool train = true) => base.train(train && !Frozen); // a frozen backbone keeps BatchNorm's running statistics

    // Channels-last convolutions are exact only where oneDNN runs its AVX2 kernels: on CPUs without AVX-512, or under
    // the host's cap (OneDnnIsaCap sets the variable); uncapped AVX-512 kernels were 5e-2 off (docs/performance.md).
    private static bool ChannelsLastIsExact =>
        !Avx512F.IsSupported || string.Equals(Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA"), "AVX2", StringComparison.OrdinalIgnoreCase);

    // Folded on first use, after the weights are loaded and the module placed; a frozen network's weights never change
    // after that, but it may move to another device, which re-folds. Channels-last was measured on CPU only.
    private FoldedResNet Folded(Device device)
    {
        if (folded is { } current && current.Device.type == device.type && current.Device.index == device.index)
            return current;
        folded?.Dispose();
        folded = FoldedResNet.Of((ResNet)network, channelsLast: device.type == DeviceType.CPU && ChannelsLastIsExact);
        return folded;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            folded?.Dispose();
            network.Dispose();
            preprocess?.Dispose();
        }

        base.Dispose(disposing);
    }
}
