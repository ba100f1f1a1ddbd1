namespace Nona.Host.Reports.Embedding;

/// <summary>Exact k-nearest neighbours by brute force (Euclidean), for UMAP's graph and the map quality measures.</summary>
internal static class NearestNeighbours
{
    /// <summary>
    /// The <paramref name="k"/> nearest other points of every row, nearest first, with their distances. Equal
    /// distances are ordered by index, so the answer does not depend on thread scheduling or sort stability. With
    /// <paramref name="includeSelf"/> each row starts with the point itself (distance 0) and holds k − 1 others, the
    /// layout umap-learn's exact search returns.
    /// </summary>
    public static (int[][] Indices, double[][] Distances) Find(double[][] data, int k, bool includeSelf)
    {
        var n = data.Length;
        var others = includeSelf ? k - 1 : k;
        ArgumentOutOfRangeException.ThrowIfNegative(others, nameof(k));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(others, n - 1, nameof(k));
        var indices = new int[n][];
        var distances = new double[n][];

        // Rows are independent and each writes only its own slot, so the parallel loop is deterministic.
        Parallel.For(0, n, i =>
        {
            var (rowIndices, rowSquared) = Nearest(data, i, others);
            var offset = includeSelf ? 1 : 0;
            indices[i] = new int[others + offset];
            distances[i] = new double[others + offset];
            if (includeSelf)
                indices[i][0] = i;
            for (var j = 0; j < others; j++)
            {
                indices[i][j + offset] = rowIndices[j];
                distances[i][j + offset] = Math.Sqrt(rowSquared[j]);
            }
        });
        return (indices, distances);
    }

    /// <summary>Squared Euclidean distance; the map measures compare these directly (same order as distances).</summary>
    public static double SquaredDistance(double[] x, double[] y)
    {
        var sum = 0.0;
        for (var d = 0; d < x.Length; d++)
        {
            var diff = x[d] - y[d];
            sum += diff * diff;
        }

        return sum;
    }

    // Insertion into a small sorted buffer: k is tens at most, so this beats sorting a whole row of n distances.
    private static (int[] Indices, double[] Squared) Nearest(double[][] data, int i, int count)
    {
        var bestIndex = new int[count];
        var bestSquared = new double[count];
        if (count == 0)
            return (bestIndex, bestSquared);
        var filled = 0;
        var point = data[i];
        for (var j = 0; j < data.Length; j++)
        {
            if (j == i)
                continue;
            var squared = SquaredDistance(point, data[j]);
            // j grows, so an equal distance never displaces an earlier (smaller) index.
            if (filled == count && !(squared < bestSquared[count - 1]))
                continue;
            var slot = filled == count ? count - 1 : filled++;
            while (slot > 0 && squared < bestSquared[slot - 1])
            {
                bestSquared[slot] = bestSquared[slot - 1];
                bestIndex[slot] = bestIndex[slot - 1];
                slot--;
            }

            bestSquared[slot] = squared;
            bestIndex[slot] = j;
        }

        return (bestIndex, bestSquared);
    }
}
