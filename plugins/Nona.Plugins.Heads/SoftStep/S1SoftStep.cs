using Nona.Abstractions;
using Nona.Abstractions.Torch;
using static Nona.Abstractions.Torch.HeldScalars;
using static TorchSharp.torch;

namespace Nona.Plugins.Heads.SoftStep;

/// <summary>
/// S1: reject below a, keep above b, smooth in between. a = min(a0, top) − ε, where top is the row max of S̄
/// (without the diagonal in training), so at least one neighbour always survives; b = a + b0·(1 − a).
/// </summary>
[NonaPlugin("s1", PluginKind.SoftStep, Description = "S1: reject below a, keep above b, learned transition t")]
public sealed class S1SoftStepFactory : PluginFactory<SoftStepOptions, SoftStepMask>
{
    /// <inheritdoc />
    protected override SoftStepMask Create(SoftStepOptions options, PluginContext context) =>
        new S1SoftStep(context.InputDim, options, context.DType);
}

/// <summary>The S1 mask module.</summary>
public sealed class S1SoftStep(long embeddingDim, SoftStepOptions options, ScalarType dtype)
    : SoftStepBase(nameof(S1SoftStep), embeddingDim, options, dtype)
{
    /// <inheritdoc />
    protected override Tensor LogMask(Tensor normalized, Tensor a0, Tensor b0, Tensor t, Tensor top)
    {
        var x = normalized;
        var a = minimum(a0, top) - Held(Epsilon);
        var b = a.Plus(b0 * One.Minus(a));
        var inside = (x > a).logical_and(x < b);
        // ln S1 = (1/t)·ln(x−a) − ln((x−a)^(1/t) + (b−x)^(1/t)), computed with logaddexp so t → 0 stays finite.
        var rise = where(inside, x - a, ones_like(x)).log() / t;
        var fall = where(inside, b - x, ones_like(x)).log() / t;
        var middle = rise - logaddexp(rise, fall);
        var outside = where(x <= a, full_like(x, Held(double.NegativeInfinity)), zeros_like(x));
        return where(inside, middle, outside);
    }
}
