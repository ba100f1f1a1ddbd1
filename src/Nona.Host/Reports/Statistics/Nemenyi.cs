namespace Nona.Host.Reports.Statistics;

/// <summary>
/// The Nemenyi post-hoc test after a Friedman test (Demšar 2006): two methods differ when their mean ranks differ by
/// more than the critical difference. The p-values use the same formula as scikit-posthocs' posthoc_nemenyi_friedman
/// and reproduce those printed with the paper's Figure 5.
/// </summary>
public static class Nemenyi
{
    /// <summary>
    /// p_ij = P(Q_k &gt; |R̄_i − R̄_j| √2 / √(k (k + 1) / (6 N))), Q_k the studentized range of k normals; the diagonal is 1.
    /// </summary>
    /// <param name="averageRanks">Mean rank of each method, e.g. <see cref="FriedmanResult.AverageRanks"/>.</param>
    /// <param name="datasets">N, the number of datasets the ranks were averaged over.</param>
    public static double[,] PValues(IReadOnlyList<double> averageRanks, int datasets)
    {
        ArgumentNullException.ThrowIfNull(averageRanks);
        var k = averageRanks.Count;
        if (k < 2)
        {
            throw new ArgumentException($"The Nemenyi test compares at least 2 methods, got {k}.", nameof(averageRanks));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(datasets, 1);
        var standardError = StandardError(k, datasets);
        var p = new double[k, k];
        for (var i = 0; i < k; i++)
        {
            p[i, i] = 1;
            for (var j = i + 1; j < k; j++)
            {
                var q = Math.Abs(averageRanks[i] - averageRanks[j]) * Math.Sqrt(2) / standardError;
                p[i, j] = p[j, i] = 1 - StudentizedRange.Cdf(q, k);
            }
        }

        return p;
    }

    /// <summary>CD = q_α / √2 · √(k (k + 1) / (6 N)), q_α the upper-α point of the studentized range of k normals.</summary>
    /// <param name="methods">k.</param>
    /// <param name="datasets">N.</param>
    /// <param name="alpha">The significance level.</param>
    public static double CriticalDifference(int methods, int datasets, double alpha = 0.05)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(methods, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(datasets, 1);
        if (!(alpha > 0 && alpha < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "The significance level must lie strictly between 0 and 1.");
        }

        return StudentizedRange.Quantile(1 - alpha, methods) / Math.Sqrt(2) * StandardError(methods, datasets);
    }

    // The standard error of a difference of two mean ranks under the null hypothesis.
    private static double StandardError(int k, int n) => Math.Sqrt(k * (k + 1.0) / (6.0 * n));
}
