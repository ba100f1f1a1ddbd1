using static TorchSharp.torch;

namespace Nona.Abstractions;

/// <summary>
/// How a neighbour-attending head weighted its bank for a batch of B queries (<see cref="RegressionHead.Attend"/>):
/// the top k neighbours of each query by weight, and row totals. The weights of a whole row sum to 1, and
/// Σ weight · label over the row is the prediction.
/// </summary>
/// <param name="Predictions">The predictions, (B), exactly as <c>forward</c> gives them.</param>
/// <param name="Indices">Bank positions of each query's top neighbours, (B, k), int64, largest weight first.</param>
/// <param name="Weights">Their attention weights, (B, k).</param>
/// <param name="Similarities">Their similarities S, (B, k).</param>
/// <param name="Masks">Their mask values (SoftStep's mask, in [0, 1]; 1 without a mask), (B, k).</param>
/// <param name="EffectiveNeighbours">1 / Σ w² over each whole row, (B): 1 when one neighbour carries all the weight.</param>
/// <param name="Rejected">How many neighbours of each row have a mask value below 0.01, (B), int64 (own entry not counted).</param>
public sealed record NeighbourAttention(
    Tensor Predictions,
    Tensor Indices,
    Tensor Weights,
    Tensor Similarities,
    Tensor Masks,
    Tensor EffectiveNeighbours,
    Tensor Rejected) : IDisposable
{
    /// <summary>The mask value below which a neighbour counts as rejected.</summary>
    public const double RejectedBelow = 0.01;

    /// <inheritdoc />
    public void Dispose()
    {
        Predictions.Dispose();
        Indices.Dispose();
        Weights.Dispose();
        Similarities.Dispose();
        Masks.Dispose();
        EffectiveNeighbours.Dispose();
        Rejected.Dispose();
    }
}
