using MathNet.Numerics;

namespace Nona.Host.Reports.Statistics;

/// <summary>The Friedman test over a datasets × methods score table.</summary>
/// <param name="AverageRanks">Mean rank of each method over the datasets (1 = best = lowest score; ties share mid-ranks).</param>
/// <param name="ChiSquare">The tie-corrected Friedman statistic, as scipy.stats.friedmanchisquare computes it.</param>
/// <param name="PValue">P(χ²(k − 1) ≥ <paramref name="ChiSquare"/>).</param>
/// <param name="Datasets">N, the number of rows (blocks).</param>
/// <param name="Methods">k, the number of columns (treatments).</param>
public sealed record FriedmanResult(IReadOnlyList<double> AverageRanks, double ChiSquare, double PValue, int Datasets, int Methods);

/// <summary>
/// Friedman's rank test of k methods over N datasets (Demšar 2006), the omnibus test in front of the Nemenyi post-hoc
/// test and the critical-difference diagram of the paper's Figure 5.
/// </summary>
public static class Friedman
{
    /// <summary>Ranks each row of <paramref name="scores"/> (N datasets × k methods, lower is better) and tests them.</summary>
    /// <remarks>
    /// χ² = [12 / (N k (k + 1)) Σ_j R_j² − 3 N (k + 1)] / (1 − Σ (t³ − t) / (N k (k² − 1))), R_j the rank sums and t the
    /// sizes of the tie groups within rows: exactly scipy.stats.friedmanchisquare (SciPy 1.10), so results can be
    /// checked against it and against the paper, which used SciPy-style tie handling.
    /// </remarks>
    /// <exception cref="ArgumentException">Fewer than 3 methods or 2 datasets, a non-finite score, or every row fully tied.</exception>
    public static FriedmanResult Test(double[,] scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        int n = scores.GetLength(0), k = scores.GetLength(1);
        if (k < 3)
        {
            throw new ArgumentException($"The Friedman test needs at least 3 methods (columns), got {k}.", nameof(scores));
        }

        if (n < 2)
        {
            throw new ArgumentException($"The Friedman test needs at least 2 datasets (rows), got {n}.", nameof(scores));
        }

        var rankSums = new double[k];
        double tieSum = 0;
        var row = new double[k];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < k; j++)
            {
                row[j] = scores[i, j];
                if (!double.IsFinite(row[j]))
                {
                    throw new ArgumentException($"Score [{i}, {j}] is {row[j]}; the Friedman test needs finite scores.", nameof(scores));
                }
            }

            var ranks = MidRanks(row, out var rowTies);
            tieSum += rowTies;
            for (var j = 0; j < k; j++)
            {
                rankSums[j] += ranks[j];
            }
        }

        var correction = 1 - (tieSum / (n * k * ((k * k) - 1.0)));
        if (correction <= 0)
        {
            // Only reachable when every row ties all methods: no ranking information, and SciPy returns 0/0 = NaN.
            throw new ArgumentException("Every dataset ties all methods; the Friedman statistic is undefined.", nameof(scores));
        }

        var sumOfSquares = rankSums.Sum(r => r * r);
        var chiSquare = ((12.0 / (n * k * (k + 1.0)) * sumOfSquares) - (3.0 * n * (k + 1))) / correction;
        // Q(a, x) is the χ² survival function directly; 1 − ChiSquared.CDF would lose the small p-values to cancellation.
        var pValue = SpecialFunctions.GammaUpperRegularized((k - 1) / 2.0, Math.Max(chiSquare, 0) / 2);
        return new FriedmanResult([.. rankSums.Select(r => r / n)], chiSquare, pValue, n, k);
    }

    /// <summary>Ranks 1..n of <paramref name="values"/>, smallest first, ties sharing their mean rank (scipy rankdata 'average').</summary>
    public static double[] MidRanks(IReadOnlyList<double> values) => MidRanks(values, out _);

    /// <summary>Mid-ranks of <paramref name="values"/>, and in <paramref name="tieSum"/> Σ (t³ − t) over the tie groups, the quantity in the Friedman tie correction.</summary>
    private static double[] MidRanks(IReadOnlyList<double> values, out double tieSum)
    {
        ArgumentNullException.ThrowIfNull(values);
        var order = Enumerable.Range(0, values.Count).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Count];
        tieSum = 0;
        for (var start = 0; start < order.Length;)
        {
            var end = start + 1;
            // Exact equality, as SciPy: 23.2 and 23.21 are different scores, 7.48 and 7.48 are one tie group.
            while (end < order.Length && values[order[end]] == values[order[start]])
            {
                end++;
            }

            var rank = (start + 1 + end) / 2.0;
            for (var i = start; i < end; i++)
            {
                ranks[order[i]] = rank;
            }

            double t = end - start;
            tieSum += (t * t * t) - t;
            start = end;
        }

        return ranks;
    }
}
