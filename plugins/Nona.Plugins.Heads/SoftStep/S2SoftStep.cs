using Nona.Abstractions;
using Nona.Abstractions.Torch;
using static Nona.Abstractions.Torch.HeldScalars;
using static TorchSharp.torch;

namespace Nona.Plugins.Heads.SoftStep;

/// <summary>S2: no rejection threshold. ln S2 = t/(1−t) · (b−x) · ln(max(x, ε)/b) for x &lt; b, else 0.</summary>
[NonaPlugin("s2", PluginKind.SoftStep, Description = "S2: (x/b)^((b−x)·t/(1−t)) below b, 1 above (paper's winner)")]
public sealed class S2SoftStepFactory : PluginFactory<SoftStepOptions, SoftStepMask>
{
    /// <inheritdoc />
    protected override SoftStepMask Create(SoftStepOptions options, PluginContext context) =>
        new S2SoftStep(context.InputDim, options, context.DType);
}

/// <summary>The S2 mask module.</summary>
public sealed class S2SoftStep(long embeddingDim, SoftStepOptions options, ScalarType dtype)
    : SoftStepBase(nameof(S2SoftStep), embeddingDim, options, dtype)
{
    /// <inheritdoc />
    protected override Tensor LogMask(Tensor normalized, Tensor a0, Tensor b0, Tensor t, Tensor top)
    {
        var x = normalized;
        var below = x < b0;
        // Clamping x at ε keeps the least similar neighbour (x = 0) finite; `where` keeps the untaken branch's
        // argument valid so its gradient cannot be NaN.
        var safeX = where(below, x, b0).clamp_min(Held(Epsilon));
        var log = t / One.Minus(t) * (b0 - x) * (safeX / b0).log();
        return where(below, log, zeros_like(x));
    }
}
