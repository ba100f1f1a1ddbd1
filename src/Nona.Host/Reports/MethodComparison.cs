using Nona.Host.Output;
using Nona.Host.Reports.Statistics;

namespace Nona.Host.Reports;

/// <summary>
/// The paper's cross-dataset analysis of a summary: relative MSE reduction of each method against <c>dense</c>,
/// Friedman's test on the methods' ranks over datasets, Nemenyi's post-hoc p-values and the critical difference.
/// </summary>
internal sealed class MethodComparison
{
    /// <summary>The reference method of the reductions.</summary>
    public const string Baseline = "dense";

    private MethodComparison(SummaryTable summary)
    {
        Summary = summary;
        // Friedman needs every method on every dataset: use the methods that ran on all of them.
        Methods = [.. summary.Methods.Where(m => summary.Datasets.All(d => summary.Cells.ContainsKey((d, m))))];
        Datasets = summary.Datasets;
    }

    /// <summary>The summary compared.</summary>
    public SummaryTable Summary { get; }

    /// <summary>Methods present on every dataset, in the summary's order.</summary>
    public IReadOnlyList<string> Methods { get; }

    /// <summary>Datasets.</summary>
    public IReadOnlyList<string> Datasets { get; }

    /// <summary>Friedman's test, or null when there are fewer than 2 datasets or 3 methods.</summary>
    public FriedmanResult? Friedman { get; private init; }

    /// <summary>Nemenyi p-values between <see cref="Methods"/>, or null without <see cref="Friedman"/>.</summary>
    public double[,]? NemenyiP { get; private init; }

    /// <summary>The critical difference of average ranks at α = 0.05, or NaN without <see cref="Friedman"/>.</summary>
    public double CriticalDifference { get; private init; } = double.NaN;

    /// <summary>Compares the methods of <paramref name="summary"/>.</summary>
    public static MethodComparison From(SummaryTable summary)
    {
        var comparison = new MethodComparison(summary);
        if (comparison.Datasets.Count < 2 || comparison.Methods.Count < 3)
            return comparison;
        var scores = new double[comparison.Datasets.Count, comparison.Methods.Count];
        for (var d = 0; d < comparison.Datasets.Count; d++)
        {
            for (var m = 0; m < comparison.Methods.Count; m++)
                scores[d, m] = summary.Cells[(comparison.Datasets[d], comparison.Methods[m])].Mean;
        }

        var friedman = Statistics.Friedman.Test(scores);
        return new MethodComparison(summary)
        {
            Friedman = friedman,
            NemenyiP = Nemenyi.PValues(friedman.AverageRanks, friedman.Datasets),
            CriticalDifference = Nemenyi.CriticalDifference(friedman.Methods, friedman.Datasets),
        };
    }

    /// <summary>(dense − method) / dense in percent, from the means of one dataset; NaN when either is missing.</summary>
    public double Reduction(string dataset, string method) =>
        Summary.Cells.TryGetValue((dataset, Baseline), out var dense) && Summary.Cells.TryGetValue((dataset, method), out var other) && dense.Mean > 0
            ? 100 * (dense.Mean - other.Mean) / dense.Mean
            : double.NaN;

    /// <summary>The median of <see cref="Reduction"/> over the datasets where both ran (NaN when none).</summary>
    public double MedianReduction(string method)
    {
        var values = Datasets.Select(d => Reduction(d, method)).Where(double.IsFinite).Order().ToArray();
        if (values.Length == 0)
            return double.NaN;
        return values.Length % 2 == 1 ? values[values.Length / 2] : (values[(values.Length / 2) - 1] + values[values.Length / 2]) / 2;
    }
}
