using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Nona.Abstractions;
using Nona.Abstractions.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static Nona.Abstractions.Torch.HeldScalars;
using static TorchSharp.torch;

namespace Nona.Template.Head;

/// <summary>Options of the <c>template-head</c> head: public settable properties, their defaults, descriptions and ranges.</summary>
public sealed class LaplaceHeadOptions
{
    /// <summary>The kernel bandwidth the head starts from; training learns it.</summary>
    [Description("initial Laplace kernel bandwidth b (learned)")]
    [Range(1e-3, 100.0)]
    public double Bandwidth { get; set; } = 1.0;
}

/// <summary>Exports the head to the nona host under the name recipes use.</summary>
[NonaPlugin("template-head", PluginKind.Head, Description = "Laplace-kernel regression: softmax(-|z - z_n|_1 / b) . y_N, b learned")]
public sealed class LaplaceHeadFactory : PluginFactory<LaplaceHeadOptions, RegressionHead>
{
    /// <inheritdoc />
    protected override RegressionHead Create(LaplaceHeadOptions options, PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(context);
        return new LaplaceHead(options.Bandwidth, context.DType);
    }
}

/// <summary>
/// Predicts a weighted average of the neighbours' labels, the weights a softmax of minus the L1 distance between
/// embeddings over a learned bandwidth b: a Nadaraya–Watson estimator with a Laplace kernel.
/// </summary>
public sealed class LaplaceHead : RegressionHead
{
    // b = exp(log_bandwidth) keeps the bandwidth positive whatever the optimiser does.
    private readonly Parameter log_bandwidth;

    /// <summary>Creates the head with initial bandwidth <paramref name="bandwidth"/>.</summary>
    public LaplaceHead(double bandwidth, ScalarType dtype = ScalarType.Float32)
        : base(nameof(LaplaceHead))
    {
        log_bandwidth = nn.Parameter(tensor(Math.Log(bandwidth), dtype));
        RegisterComponents();
    }

    /// <summary>The current bandwidth b.</summary>
    public double Bandwidth => Math.Exp(log_bandwidth.ScalarValue());

    /// <inheritdoc />
    public override bool UsesNeighbours => true;

    /// <inheritdoc />
    public override Tensor forward(HeadInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = NewDisposeScope();
        var (weights, _) = Weights(input);
        return weights.matmul(input.NeighbourLabels!).MoveToOuterDisposeScope();
    }

    /// <summary>The top neighbours by weight, for <c>nona explain</c>; the similarity is minus the L1 distance.</summary>
    public override NeighbourAttention? Attend(HeadInput input, int top)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (weights, distance) = Weights(input);
        var (topWeights, indices) = weights.topk(Math.Min(top, (int)weights.shape[1]), dim: 1);
        var attention = new NeighbourAttention(
            Predictions: weights.matmul(input.NeighbourLabels!),
            Indices: indices,
            Weights: topWeights,
            Similarities: -distance.gather(1, indices),
            Masks: ones_like(topWeights),
            EffectiveNeighbours: (weights * weights).sum(1).reciprocal(),
            Rejected: zeros(weights.shape[0], ScalarType.Int64, weights.device));
        foreach (var tensor in new[] { attention.Predictions, attention.Indices, attention.Weights, attention.Similarities, attention.Masks, attention.EffectiveNeighbours, attention.Rejected })
            tensor.MoveToOuterDisposeScope();
        return attention;
    }

    // (B, N) attention weights and L1 distances. Numbers reach tensor operations only as Held(...) scalars, which stay
    // alive for the whole run: a temporary Scalar can be freed by the garbage collector during the native call.
    private (Tensor Weights, Tensor Distance) Weights(HeadInput input)
    {
        var distance = (input.Embeddings.unsqueeze(1) - input.NeighbourEmbeddings!.unsqueeze(0)).abs().sum(-1); // (B, N)
        var logits = -distance / log_bandwidth.exp();
        if (input.ExcludeSelf)
        {
            // Query j's own entry is neighbour j: it must not vote for itself.
            using var self = eye(logits.shape[0], logits.shape[1], ScalarType.Bool, logits.device);
            logits = logits.masked_fill(self, Held(double.NegativeInfinity));
        }

        return (logits.softmax(1), distance);
    }
}
