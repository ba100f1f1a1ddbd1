using Nona.Abstractions;
using Nona.Abstractions.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static Nona.Abstractions.Torch.HeldScalars;
using static TorchSharp.torch;

namespace Nona.Plugins.Heads.SoftStep;

/// <summary>
/// What S1 and S2 share (docs/nona-spec: "SoftStep"): the (a0, b0, t) parameters, clamped to [ε, 1−ε] after the
/// sigmoid, and the per-row min–max normalisation S̄ of the similarities. Subclasses give ln(mask(S̄)).
/// </summary>
public abstract class SoftStepBase : SoftStepMask
{
    // Exactly one of these is set, by the parameter mode; names follow the paper's code (`params`).
    private readonly Linear? pointwise;
    private readonly Parameter? global;
    private readonly SoftStepNormalization normalization;

    /// <summary>Creates the parameters for embeddings of width <paramref name="embeddingDim"/>.</summary>
    protected SoftStepBase(string name, long embeddingDim, SoftStepOptions options, ScalarType dtype)
        : base(name)
    {
        normalization = options.Normalize;
        Epsilon = dtype == ScalarType.Float64 ? 1e-12 : 1e-6;
        if (options.Params == SoftStepParameterMode.Pointwise)
            pointwise = nn.Linear(embeddingDim, 3);
        else
            global = nn.Parameter(randn(3)); // a standard normal before the sigmoid, as the spec says

        RegisterComponents();
    }

    /// <summary>The clamp that keeps parameters inside (0, 1) and guards logs: 1e-12 in float64, 1e-6 in float32.</summary>
    protected double Epsilon { get; }

    /// <inheritdoc />
    public override Tensor forward(SoftStepInput input)
    {
        using var scope = NewDisposeScope();
        var sim = input.Similarity;
        Tensor normalized, top;
        if (input.RowRange is { } range)
        {
            // A chunk of a longer row: the whole row's min/max set S̄, exactly as on the whole row at once.
            var (min, max) = normalization == SoftStepNormalization.ExcludeSelf ? (range.OthersMin, range.OthersMax) : (range.Min, range.Max);
            normalized = Normalize(sim, min, max);
            top = Normalize(range.OthersMax, min, max);
        }
        else
        {
            var excludeDiagonal = input.ExcludeSelf && normalization == SoftStepNormalization.ExcludeSelf;
            normalized = NormalizeRows(sim, excludeDiagonal);
            top = input.ExcludeSelf
                ? normalized.masked_fill(Diagonal(normalized), Held(double.NegativeInfinity)).amax([1], keepdim: true)
                : normalized.amax([1], keepdim: true);
        }

        var raw = pointwise is not null ? pointwise.call(input.Embeddings) : global!.unsqueeze(0); // (B or 1, 3)
        var p = raw.sigmoid().clamp(Held(Epsilon), Held(1 - Epsilon));
        var a0 = p[.., 0..1];
        var b0 = p[.., 1..2];
        var t = p[.., 2..3]; // each (B or 1, 1), broadcast over the row
        return LogMask(normalized, a0, b0, t, top).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// ln(mask(S̄)) for S̄ (B, N) and parameters of shape (B or 1, 1); <paramref name="top"/> (B, 1) is the row
    /// max of S̄ over the neighbours other than the query itself.
    /// </summary>
    protected abstract Tensor LogMask(Tensor normalized, Tensor a0, Tensor b0, Tensor t, Tensor top);

    /// <summary>A (B, N) boolean tensor that is true on the diagonal (the point itself in training).</summary>
    protected static Tensor Diagonal(Tensor like) => eye(like.shape[0], like.shape[1], ScalarType.Bool, like.device);

    /// <summary>
    /// S̄: S min–max normalised per row to [0, 1]. A row whose max equals its min normalises to 1 everywhere
    /// (nothing is rejected) rather than 0/0.
    /// </summary>
    public static Tensor NormalizeRows(Tensor sim, bool excludeDiagonal)
    {
        using var scope = NewDisposeScope();
        Tensor min, max;
        if (excludeDiagonal)
        {
            var diagonal = Diagonal(sim);
            min = sim.masked_fill(diagonal, Held(double.PositiveInfinity)).amin([1], keepdim: true);
            max = sim.masked_fill(diagonal, Held(double.NegativeInfinity)).amax([1], keepdim: true);
        }
        else
        {
            min = sim.amin([1], keepdim: true);
            max = sim.amax([1], keepdim: true);
        }

        return Normalize(sim, min, max).MoveToOuterDisposeScope();
    }

    /// <summary>(S − min) / (max − min) with the row's <paramref name="min"/> and <paramref name="max"/>, (B, 1); 1 where they are equal.</summary>
    private static Tensor Normalize(Tensor sim, Tensor min, Tensor max)
    {
        using var scope = NewDisposeScope();
        var range = max - min;
        var flat = range <= Held(0L);
        return where(flat, ones_like(sim), (sim - min) / where(flat, ones_like(range), range)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            pointwise?.Dispose();
            global?.Dispose();
        }

        base.Dispose(disposing);
    }
}
