namespace Nona.Host.Reports.Embedding;

/// <summary>How faithfully a low-dimensional map keeps the neighbourhoods of the original points (Euclidean both).</summary>
public static class Trustworthiness
{
    /// <summary>
    /// Trustworthiness (Venna &amp; Kaski 2001), as sklearn.manifold.trustworthiness: 1 − 2 / (n·k·(2n − 3k − 1)) ·
    /// Σ_i Σ_{j ∈ kNN_low(i)} max(0, r(i, j) − k), where r(i, j) is j's rank among i's neighbours in the original
    /// space (1 = nearest). 1 means no point in a map neighbourhood is a stranger in the data. Equal distances are
    /// ranked by index; sklearn ranks them in its sort's (unspecified) order, so data with many exact ties (integer
    /// pixels) can differ from it slightly. O(n²·(d + k)) time, O(n·k) memory.
    /// </summary>
    public static double Compute(double[][] high, double[][] low, int k)
    {
        var n = Check(high, low, k);
        if (k >= n / 2.0)
            throw new ArgumentOutOfRangeException(nameof(k), $"k ({k}) must be less than half the number of points ({n}).");
        var (mapNeighbours, _) = NearestNeighbours.Find(low, k, includeSelf: false);
        var penalties = new double[n];

        // Each point's penalty lands in its own slot and the sum runs in index order: deterministic in parallel.
        Parallel.For(0, n, i =>
        {
            var squared = new double[n];
            for (var l = 0; l < n; l++)
                squared[l] = l == i ? double.PositiveInfinity : NearestNeighbours.SquaredDistance(high[i], high[l]);
            var penalty = 0L;
            foreach (var j in mapNeighbours[i])
            {
                // Rank of j: 1 + the points strictly before it (nearer, or as near with a smaller index).
                var rank = 1;
                for (var l = 0; l < n; l++)
                {
                    if (squared[l] < squared[j] || (squared[l] == squared[j] && l < j))
                        rank++;
                }

                penalty += Math.Max(0, rank - k);
            }

            penalties[i] = penalty;
        });
        return 1.0 - (penalties.Sum() * (2.0 / (n * (double)k * ((2.0 * n) - (3.0 * k) - 1.0))));
    }

    /// <summary>
    /// Mean over points of |kNN_high(i) ∩ kNN_low(i)| / k (the point itself excluded): the fraction of each point's
    /// k nearest neighbours in the data that are also among its k nearest in the map. Ties as in <see cref="Compute"/>.
    /// </summary>
    public static double NeighbourPreservation(double[][] high, double[][] low, int k)
    {
        var n = Check(high, low, k);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, n - 1);
        var (dataNeighbours, _) = NearestNeighbours.Find(high, k, includeSelf: false);
        var (mapNeighbours, _) = NearestNeighbours.Find(low, k, includeSelf: false);
        var shared = 0L;
        for (var i = 0; i < n; i++)
            shared += dataNeighbours[i].Intersect(mapNeighbours[i]).Count();
        return shared / ((double)n * k);
    }

    private static int Check(double[][] high, double[][] low, int k)
    {
        if (high.Length != low.Length)
            throw new ArgumentException($"The data have {high.Length} points but the map {low.Length}.", nameof(low));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        return high.Length;
    }
}
