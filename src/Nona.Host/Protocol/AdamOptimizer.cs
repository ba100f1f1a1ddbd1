using Nona.Abstractions.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nona.Host.Protocol;

/// <summary>
/// Adam and AdamW exactly as PyTorch's single-tensor implementation (torch.optim.Adam/AdamW, foreach=False):
/// m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − lr/(1−β₁ᵏ) · m / (√v/√(1−β₂ᵏ) + ε); Adam adds wd·p to g,
/// AdamW first scales p by (1 − lr·wd). Ours rather than TorchSharp's because every scalar here is created once
/// and kept alive: TorchSharp passes a temporary Scalar's raw handle to native code, and a garbage collection on
/// another thread can finalize it mid-call (seen as "Unknown scalar type" crashes inside TorchSharp's Adam.step).
/// </summary>
internal sealed class AdamOptimizer : IDisposable
{
    private readonly List<(Parameter Parameter, double Lr, Tensor Mean, Tensor Variance)> state;
    private readonly int warmupSteps;
    private readonly double beta1;
    private readonly double beta2;
    private readonly double weightDecay;
    private readonly bool decoupled;
    private readonly Scalar beta1Scalar;
    private readonly Scalar beta2Scalar;
    private readonly Scalar oneMinusBeta1;
    private readonly Scalar oneMinusBeta2;
    private readonly Scalar epsilon;
    private readonly Scalar decay;
    private int steps;

    /// <summary>Creates the optimiser over <paramref name="parameters"/> (zero moments, step 0), all at rate <paramref name="lr"/>.</summary>
    public AdamOptimizer(IEnumerable<Parameter> parameters, double lr, double weightDecay = 0, bool decoupled = false, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
        : this(parameters.Select(p => (p, lr)), weightDecay, decoupled, warmupSteps: 0, beta1, beta2, eps)
    {
    }

    /// <summary>
    /// Creates the optimiser with a rate per parameter (e.g. a small one for a pretrained backbone); with
    /// <paramref name="warmupSteps"/> every rate rises linearly from 0 over that many steps.
    /// </summary>
    public AdamOptimizer(IEnumerable<(Parameter Parameter, double Lr)> parameters, double weightDecay, bool decoupled, int warmupSteps, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
    {
        this.warmupSteps = warmupSteps;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
        beta1Scalar = beta1.ToScalar();
        beta2Scalar = beta2.ToScalar();
        oneMinusBeta1 = (1 - beta1).ToScalar();
        oneMinusBeta2 = (1 - beta2).ToScalar();
        epsilon = eps.ToScalar();
        decay = weightDecay.ToScalar();
        // Moments live as long as the optimiser, outside any caller's dispose scope.
        state = [.. parameters.Select(p => (p.Parameter, p.Lr, zeros_like(p.Parameter).DetachFromDisposeScope(), zeros_like(p.Parameter).DetachFromDisposeScope()))];
    }

    /// <summary>Steps taken (bias correction and warm-up depend on it); set when resuming from a checkpoint.</summary>
    public int Steps
    {
        get => steps;
        set => steps = value;
    }

    /// <summary>The moments, named by parameter position (<c>adam.m.3</c>, <c>adam.v.3</c>), for checkpoints.</summary>
    public IEnumerable<(string Name, Tensor Tensor)> Moments()
    {
        for (var i = 0; i < state.Count; i++)
        {
            yield return ($"adam.m.{i}", state[i].Mean);
            yield return ($"adam.v.{i}", state[i].Variance);
        }
    }

    /// <summary>The warm-up factor of the last step's rates (1 without warm-up).</summary>
    public double Warmup => warmupSteps > 0 ? Math.Min(1.0, (double)steps / warmupSteps) : 1.0;

    /// <summary>Clears every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        foreach (var (parameter, _, _, _) in state)
            parameter.grad?.zero_();
    }

    /// <summary>One update of every parameter that has a gradient.</summary>
    public void Step()
    {
        steps++;
        using var noGrad = no_grad();
        var warmup = warmupSteps > 0 ? Math.Min(1.0, (double)steps / warmupSteps) : 1.0;
        var biasCorrection1 = 1 - Math.Pow(beta1, steps);
        using var correction = Math.Sqrt(1 - Math.Pow(beta2, steps)).ToScalar();
        foreach (var (parameter, baseLr, mean, variance) in state)
        {
            if (parameter.grad is not { } gradient)
                continue;
            using var scope = NewDisposeScope();
            var lr = baseLr * warmup;
            using var stepSize = (-lr / biasCorrection1).ToScalar();
            var g = gradient;
            if (weightDecay != 0 && decoupled)
            {
                using var shrink = (1 - (lr * weightDecay)).ToScalar();
                parameter.mul_(shrink);
            }
            else if (weightDecay != 0)
                g = g.add(parameter, alpha: decay);
            mean.mul_(beta1Scalar).add_(g, alpha: oneMinusBeta1);
            variance.mul_(beta2Scalar).addcmul_(g, g, value: oneMinusBeta2);
            var denominator = variance.sqrt().div_(correction).add_(epsilon, HeldScalars.One);
            parameter.addcdiv_(mean, denominator, value: stepSize);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (_, _, mean, variance) in state)
        {
            mean.Dispose();
            variance.Dispose();
        }

        foreach (var scalar in new[] { beta1Scalar, beta2Scalar, oneMinusBeta1, oneMinusBeta2, epsilon, decay })
            scalar.Dispose();
    }
}
