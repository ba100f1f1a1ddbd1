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
