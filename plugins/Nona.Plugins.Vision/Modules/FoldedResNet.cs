// The inference form of a frozen ResNet: every BatchNorm folded into the convolution before it (w' = w·γ/√(σ²+ε),
// b' = β − μ·γ/√(σ²+ε)), in-place ReLUs and residual adds, and optionally channels-last weights and activations.
// Folding changes the arithmetic (one multiply-add instead of a convolution then a normalisation), so the features
// differ from the unfolded network's in the last float32 bits (bench: max relative 7e-7). Channels-last is only correct
// under the host's oneDNN AVX2 cap (OneDnnIsaCap): uncapped AVX-512 kernels were 5e-2 off. Measured by the bench's
// vision-variants (docs/performance.md); a frozen ImageBackbone over a ResNet runs this form.
using Nona.Abstractions.Torch;
using TorchSharp;
using static Nona.Abstractions.Torch.HeldScalars;
using static TorchSharp.torch;

namespace Nona.Plugins.Vision.Modules;

/// <summary>
/// A read-only copy of a <see cref="ResNet"/>'s eval-mode forward with BatchNorm folded into the convolutions. It owns
/// its tensors (on the device of the network it was made from) and never trains: rebuild it after the weights change.
/// </summary>
public sealed class FoldedResNet : IDisposable
{
    private readonly FoldedConv stem;
    private readonly List<Block> blocks = [];

    private FoldedResNet(IReadOnlyDictionary<string, Tensor> state, IReadOnlyList<int> stages, bool channelsLast)
    {
        ChannelsLast = channelsLast;
        Device = state["conv1.weight"].device;
        stem = FoldedConv.Of(state, "conv1", "bn1", stride: 2, padding: 3, channelsLast);
        for (var s = 0; s < stages.Count; s++)
        {
            for (var b = 0; b < stages[s]; b++)
            {
                var prefix = $"layer{s + 1}.{b}";
                var stride = s > 0 && b == 0 ? 2 : 1;
                var shortcut = state.ContainsKey($"{prefix}.downsample.0.weight")
                    ? FoldedConv.Of(state, $"{prefix}.downsample.0", $"{prefix}.downsample.1", stride, padding: 0, channelsLast)
                    : null;
                blocks.Add(new Block(
                    FoldedConv.Of(state, $"{prefix}.conv1", $"{prefix}.bn1", stride, padding: 1, channelsLast),
                    FoldedConv.Of(state, $"{prefix}.conv2", $"{prefix}.bn2", stride: 1, padding: 1, channelsLast),
                    shortcut));
            }
        }
    }

    /// <summary>Whether weights and activations use the channels-last (NHWC) layout.</summary>
    public bool ChannelsLast { get; }

    /// <summary>The device the folded weights live on.</summary>
    public Device Device { get; }

    /// <summary>Folds <paramref name="network"/>'s current weights and running statistics (the network is not changed).</summary>
    public static FoldedResNet Of(ResNet network, bool channelsLast)
    {
        ArgumentNullException.ThrowIfNull(network);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var state = network.state_dict();
        var folded = new FoldedResNet(state, network.Blocks, channelsLast);
        folded.Detach(); // it outlives the caller's scopes: a forward's scope would otherwise free it on exit
        return folded;
    }

    /// <summary>Pooled features, (B, 3, H, W) → (B, 512), as <see cref="ResNet.forward"/> gives in eval mode.</summary>
    public Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var x = ChannelsLast ? Layout.ToChannelsLast(input) : input;
        x = stem.Apply(x).relu_();
        x = nn.functional.max_pool2d(x, [3, 3], [2, 2], [1, 1]);
        foreach (var block in blocks)
            x = block.Apply(x);
        return x.mean([2, 3]).contiguous().MoveToOuterDisposeScope(); // (B, 512): the global average pool
    }

    /// <inheritdoc />
    public void Dispose()
    {
        stem.Dispose();
        foreach (var block in blocks)
            block.Dispose();
    }

    private void Detach()
    {
        stem.Detach();
        foreach (var block in blocks)
            block.Detach();
    }

    private sealed record Block(FoldedConv First, FoldedConv Second, FoldedConv? Shortcut) : IDisposable
    {
        public Tensor Apply(Tensor input)
        {
            var x = First.Apply(input).relu_();
            x = Second.Apply(x);
            var identity = Shortcut is null ? input : Shortcut.Apply(input);
            return x.add_(identity, One).relu_();
        }

        public void Detach()
        {
            First.Detach();
            Second.Detach();
            Shortcut?.Detach();
        }

        public void Dispose()
        {
            First.Dispose();
            Second.Dispose();
            Shortcut?.Dispose();
        }
    }

    private sealed record FoldedConv(Tensor Weight, Tensor Bias, long Stride, long Padding) : IDisposable
    {
        // The fold runs in float64 and rounds once to the weights' type, so it adds one rounding, not several.
        public static FoldedConv Of(IReadOnlyDictionary<string, Tensor> state, string conv, string norm, long stride, long padding, bool channelsLast)
        {
            var weight = state[$"{conv}.weight"];
            var type = weight.dtype;
            var gamma = state[$"{norm}.weight"].to(ScalarType.Float64);
            var beta = state[$"{norm}.bias"].to(ScalarType.Float64);
            var mean = state[$"{norm}.running_mean"].to(ScalarType.Float64);
            var variance = state[$"{norm}.running_var"].to(ScalarType.Float64);
            var scale = gamma * variance.Plus(Held(ResNet.BatchNormEps)).rsqrt();
            var folded = (weight.to(ScalarType.Float64) * scale.reshape(-1, 1, 1, 1)).to(type);
            var bias = beta.Plus((mean * scale).neg()).to(type);
            return new FoldedConv(channelsLast ? Layout.ToChannelsLast(folded) : folded.contiguous(), bias, stride, padding);
        }

        public Tensor Apply(Tensor input) => nn.functional.conv2d(input, Weight, Bias, [Stride, Stride], [Padding, Padding]);

        public void Detach()
        {
            Weight.DetachFromDisposeScope();
            Bias.DetachFromDisposeScope();
        }

        public void Dispose()
        {
            Weight.Dispose();
            Bias.Dispose();
        }
    }

    private static class Layout
    {
        // TorchSharp 0.107 has no memory_format argument; permuting to NHWC, making that contiguous and permuting back
        // gives the same (N, C, H, W) tensor with channels-last strides, which libtorch's convolutions detect and keep.
        public static Tensor ToChannelsLast(Tensor x) => x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
    }
}
