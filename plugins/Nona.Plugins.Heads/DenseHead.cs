using System.ComponentModel;
using Nona.Abstractions;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nona.Plugins.Heads;

/// <summary>The dense head has no options.</summary>
public sealed class DenseHeadOptions
{
}

/// <summary>The usual regression head: Linear(d → 1).</summary>
[NonaPlugin("dense", PluginKind.Head, Description = "Linear(d → 1): the standard regression head")]
public sealed class DenseHeadFactory : PluginFactory<DenseHeadOptions, RegressionHead>
{
    /// <inheritdoc />
    protected override RegressionHead Create(DenseHeadOptions options, PluginContext context) => new DenseHead(context.InputDim);
}

/// <summary>Linear(d → 1), squeezed to (B).</summary>
public sealed class DenseHead : RegressionHead
{
    private readonly Linear linear;

    /// <summary>Creates the head for embeddings of width <paramref name="inputDim"/>.</summary>
    public DenseHead(long inputDim)
        : base(nameof(DenseHead))
    {
        linear = nn.Linear(inputDim, 1);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(HeadInput input) => linear.call(input.Embeddings).squeeze(-1); // (B)

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
            linear.Dispose();
        base.Dispose(disposing);
    }
}
