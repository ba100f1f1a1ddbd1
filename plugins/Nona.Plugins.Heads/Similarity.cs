using Nona.Abstractions.Torch;
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
        var result = kind switch
        {
            SimilarityKind.L2 => -z.pow(Held(2L)).sum(1, keepdim: true)
                .Plus(zn.pow(Held(2L)).sum(1).unsqueeze(0))
                .add(z.matmul(zn.t()), Held(-2L))
                .clamp_min(Held(0L)).sqrt(),
            _ => -cdist(z, zn, p: 1.0),
        };
        return result.MoveToOuterDisposeScope();
    }

    // Explicit differences rather than the |a|²+|b|²−2ab expansion: exact at zero distance (the diagonal in
    // training, duplicate points), where the expansion's cancellation error would give a wrong, noisy gradient.
    private static Tensor Differences(Tensor z, Tensor zn) => z.unsqueeze(1) - zn.unsqueeze(0); // (B, N, d)

    // sqrt has an infinite derivative at 0; distances of exactly zero get value 0 and gradient 0 instead of NaN.
    private static Tensor SafeSqrt(Tensor squared)
    {
        var positive = squared > Held(0L);
        return where(positive, where(positive, squared, ones_like(squared)).sqrt(), zeros_like(squared));
    }
}
