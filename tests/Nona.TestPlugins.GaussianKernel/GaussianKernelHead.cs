using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Nona.Abstractions;
using Nona.Abstractions.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static Nona.Abstractions.Torch.HeldScalars;
using static TorchSharp.torch;

namespace Nona.TestPlugins.GaussianKernel;

/// <summary>Options of the <c>gaussian-kernel</c> head.</summary>
public sealed class GaussianKernelOptions
{
    /// <summary>Initial bandwidth.</summary>
    [Description("initial kernel bandwidth (learned)")]
    [Range(1e-3, 100.0)]
    public double Bandwidth { get; set; } = 1.0;
}

/// <summary>Nadaraya–Watson regression with a learned Gaussian bandwidth: a neighbour head from outside the project.</summary>
[NonaPlugin("gaussian-kernel", PluginKind.Head, Description = "Nadaraya–Watson: softmax(−‖z − z_n‖² / 2h²) · y_N, h learned")]
public sealed class GaussianKernelFactory : PluginFactory<GaussianKernelOptions, RegressionHead>
{
    /// <inheritdoc />
    protected override RegressionHead Create(GaussianKernelOptions options, PluginContext context) => new GaussianKernelHead(options.Bandwidth);
}

/// <summary>The head module.</summary>
public sealed class GaussianKernelHead : RegressionHead
{
    private readonly Parameter log_bandwidth;

    /// <summary>Creates the head with bandwidth <paramref name="bandwidth"/>.</summary>
    public GaussianKernelHead(double bandwidth)
        : base(nameof(GaussianKernelHead))
    {
        log_bandwidth = nn.Parameter(tensor(Math.Log(bandwidth)));
        RegisterComponents();
    }

    /// <inheritdoc />
    public override bool UsesNeighbours => true;

    /// <inheritdoc />
    public override Tensor forward(HeadInput input)
    {
        using var scope = NewDisposeScope();
        var z = input.Embeddings;
        var squared = (z.unsqueeze(1) - input.NeighbourEmbeddings!.unsqueeze(0)).pow(Held(2L)).sum(-1); // (B, N)
        var logits = -squared / ((log_bandwidth * Held(2L)).exp() * Held(2L));
        if (input.ExcludeSelf)
            logits = logits.masked_fill(eye(logits.shape[0], logits.shape[1], ScalarType.Bool, z.device), Held(double.NegativeInfinity));
        return logits.softmax(1).matmul(input.NeighbourLabels!).MoveToOuterDisposeScope();
    }
}
