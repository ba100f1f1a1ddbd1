using Nona.Abstractions.Torch;
using TorchSharp;
using static Nona.Abstractions.Torch.HeldScalars;
using static TorchSharp.torch;

namespace Nona.Plugins.Heads;

/// <summary>NONA's similarity between a query and a neighbour (docs/nona-spec: "Similarity").</summary>
public enum SimilarityKind
{
    /// <summary>−‖z − z_n‖₂ (the paper's default).</summary>
    L2,

    /// <summary>−‖z − z_n‖₁.</summary>
    L1,

    /// <summary>z·z_n / d.</summary>
    Dot,

    /// <summary>Cosine similarity.</summary>
    Cos,
}

/// <summary>Computes the (B, N) similarity matrix.</summary>
public static class Similarity
{
    /// <summary>Sim(Z, Z_N) for Z (B, d) and Z_N (N, d).</summary>
    public static Tensor Compute(SimilarityKind kind, Tensor z, Tensor zn)
    {
        using var scope = NewDisposeScope();
        var result = kind switch
        {
            SimilarityKind.L2 => -SafeSqrt(Differences(z, zn).pow(Held(2L)).sum(-1)),
            SimilarityKind.L1 => -Differences(z, zn).abs().sum(-1),
            SimilarityKind.Dot => z.matmul(zn.t()) / Held(z.shape[1]),
            SimilarityKind.Cos => nn.functional.normalize(z, dim: 1).matmul(nn.functional.normalize(zn, dim: 1).t()),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Sim(Z, Z_N) for evaluation, without gradient and without a (B, N, d) tensor: l2 through
    /// ‖z‖² + ‖z_n‖² − 2 z·z_n clamped at 0, l1 by <c>cdist</c>, dot and cos as in <see cref="Compute"/>. The l2
    /// expansion loses digits to cancellation for near neighbours: in float32 its distances agree with
    /// <see cref="Compute"/> to about 5e-3 at distance 0 and 1e-4 beyond 0.1 for embeddings of norm ≲ 5 (docs/nona-spec: "Evaluation over a large bank").
    /// </summary>
    public static Tensor ComputeForEvaluation(SimilarityKind kind, Tensor z, Tensor zn)
    {
        if (kind is SimilarityKind.Dot or SimilarityKind.Cos)
            return Compute(kind, z, zn);
        using var scope = NewDisposeScope();
        var result = kind == SimilarityKind.L2 ? -ScaledExpandedL2(z, zn) : -cdist(z, zn, p: 1.0);
        return result.MoveToOuterDisposeScope();
    }

    // Embeddings this large make ‖z‖² overflow to ∞ and the expansion ∞ − ∞ = NaN, where the explicit differences
    // of Compute still give a finite or ∞ distance. Above it both sides are divided by a power of two (exact, so
    // distances in the ordinary range keep every bit) and the result is multiplied back.
    private const double LargestUnscaledEntry = 4294967296.0; // 2³²: d·(2³²)² stays far below float32's 2¹²⁸

    private static Tensor ScaledExpandedL2(Tensor z, Tensor zn)
    {
        var largest = Math.Max(z.abs().max().to_type(ScalarType.Float64).item<double>(), zn.abs().max().to_type(ScalarType.Float64).item<double>());
        if (!(largest > LargestUnscaledEntry) || !double.IsFinite(largest))
            return ExpandedL2(z, zn);
        using var down = Math.ScaleB(1.0, -(Math.ILogB(largest) + 1)).ToScalar(); // per call: a local, not a HeldScalars entry
        using var up = Math.ScaleB(1.0, Math.ILogB(largest) + 1).ToScalar();
        return ExpandedL2(z.mul(down), zn.mul(down)).mul(up);
    }

    private static Tensor ExpandedL2(Tensor z, Tensor zn) =>
        z.pow(Held(2L)).sum(1, keepdim: true)
            .Plus(zn.pow(Held(2L)).sum(1).unsqueeze(0))
            .add(z.matmul(zn.t()), Held(-2L))
            .clamp_min(Held(0L)).sqrt();

    // Explicit differences rather than the |a|²+|b|²−2ab expansion: exact at zero distance (the diagonal in
    // training, duplicate points), where the expansion's cancellation error would give a wrong, noisy gradient.
    private static Tensor Differences(Tensor z, Tensor zn) => z.unsqueeze(1) - zn.unsqueeze(0); // (B, N, d)

    // sqrt has an infinite derivative at 0; distances of exactly zero get value 0 and gradient 0 instead of NaN.
    // A NaN distance (non-finite embeddings) stays NaN, as in ComputeForEvaluation, so the loss shows it and the run
    // reports divergence, rather than reading as distance 0 and training on silently.
    private static Tensor SafeSqrt(Tensor squared)
    {
        var positive = squared > Held(0L);
        return where(positive, where(positive, squared, ones_like(squared)).sqrt(), squared * Held(0L));
    }
}
