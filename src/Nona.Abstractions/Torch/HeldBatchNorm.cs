using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nona.Abstractions.Torch;

/// <summary>
/// BatchNorm1d/2d with TorchSharp's parameters, buffers, names and arithmetic, minus its one lifetime bug:
/// TorchSharp's <c>BatchNorm.forward</c> counts batches with <c>num_batches_tracked.add_(1)</c>, whose two
/// temporary Scalars a collection on another thread can free mid-call ("For integral input tensors, argument
/// alpha must not be a floating point number" was seen). Here the count uses held Scalars; the normalisation is
/// the same <c>functional.batch_norm</c> call.
/// </summary>
public sealed class HeldBatchNorm : BatchNorm
{
    private readonly int[] inputDimensions;
    private readonly string kind;

    private HeldBatchNorm(long features, double eps, double momentum, int[] inputDimensions, string name)
        : base(features, eps, momentum, affine: true, track_running_stats: true, device: null, dtype: null, name)
    {
        this.inputDimensions = inputDimensions;
        kind = name;
    }

    /// <summary>As <c>nn.BatchNorm1d</c>: (B, C) or (B, C, L) inputs.</summary>
    public static HeldBatchNorm OneD(long features, double eps = 1e-5, double momentum = 0.1) => new(features, eps, momentum, [2, 3], "BatchNorm1d");

    /// <summary>As <c>nn.BatchNorm2d</c>: (B, C, H, W) inputs.</summary>
    public static HeldBatchNorm TwoD(long features, double eps = 1e-5, double momentum = 0.1) => new(features, eps, momentum, [4], "BatchNorm2d");

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        ValidateInputDimensions(input);
        var averageFactor = momentum ?? 0.0;
        if (training && track_running_stats && num_batches_tracked is { } tracked)
        {
            tracked.add_(HeldScalars.One, HeldScalars.One);
            if (momentum is null)
                averageFactor = 1.0 / tracked.ScalarValue(); // any device, through a disposed Scalar
        }

        var useBatchStatistics = training || (running_mean is null && running_var is null);
        var useRunning = !training || track_running_stats;
        return nn.functional.batch_norm(input, useRunning ? running_mean : null, useRunning ? running_var : null, weight, bias, useBatchStatistics, averageFactor, eps);
    }

    /// <inheritdoc />
    protected override void ValidateInputDimensions(Tensor input)
    {
        if (!inputDimensions.Contains((int)input.ndim))
            throw new ArgumentException($"{kind} expects {string.Join(" or ", inputDimensions)}-D input, got {input.ndim}-D");
    }
}
