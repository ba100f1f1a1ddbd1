using System.Globalization;
using Nona.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace Nona.Plugins.Vision.Backbones;

/// <summary>
/// An image feature extractor around a torchvision-named network: normalises [0, 1] RGB batches on the device,
/// runs the network to its pooled features, and — when frozen — stays in eval mode with no gradients. Caching and
/// freezing are this wrapper's job, not each network's.
/// </summary>
public sealed class ImageBackbone : FeatureExtractor
{
    private readonly nn.Module<Tensor, Tensor> network;
    private readonly nn.Module<Tensor, Tensor>? preprocess;

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
        Fingerprint = fingerprint is null ? null : string.Create(CultureInfo.InvariantCulture, $"{fingerprint}|mean={string.Join(',', normalizeMean)}|std={string.Join(',', normalizeStd)}|custom={preprocess is not null}");
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
        return network.call(x).MoveToOuterDisposeScope(); // (B, OutputDim)
    }

    /// <inheritdoc />
    public override void train(bool train = true) => base.train(train && !Frozen); // a frozen backbone keeps BatchNorm's running statistics

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            network.Dispose();
            preprocess?.Dispose();
        }

        base.Dispose(disposing);
    }
}
