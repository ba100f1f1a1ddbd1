using Nona.Abstractions;
using static TorchSharp.torch;

namespace Nona.Plugins.Heads.SoftStep;

/// <summary>No SoftStep options.</summary>
public sealed class NoSoftStepOptions
{
}

/// <summary>Plain NONA: no mask, ln(1) = 0 everywhere.</summary>
[NonaPlugin("none", PluginKind.SoftStep, Description = "no mask: plain NONA")]
public sealed class NoSoftStepFactory : PluginFactory<NoSoftStepOptions, SoftStepMask>
{
    /// <inheritdoc />
    protected override SoftStepMask Create(NoSoftStepOptions options, PluginContext context) => new NoSoftStep();
}

/// <summary>The identity mask.</summary>
public sealed class NoSoftStep() : SoftStepMask(nameof(NoSoftStep))
{
    /// <inheritdoc />
    public override bool UsesRowRange => false;

    /// <inheritdoc />
    public override Tensor forward(SoftStepInput input) => zeros_like(input.Similarity);
}
