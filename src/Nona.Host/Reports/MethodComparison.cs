using System.Globalization;
using Nona.Host.Output;
using Nona.Host.Reports.Statistics;

namespace Nona.Host.Reports;

/// <summary>
/// The paper's cross-dataset analysis of a summary: relative MSE reduction of each method against <c>dense</c>,
/// Friedman's test on the methods' ranks over datasets, Nemenyi's post-hoc p-values and the critical difference.
/// The test uses complete blocks only: datasets on which every compared method has a mean over all its splits, none
/// diverged; what is left out, and why, is in <see cref="LeftOutMethods"/> and <see cref="LeftOutBlocks"/>.
/// </summary>
internal sealed class MethodComparison
{
    /// <summary>The reference method of the reductions.</summary>
    public const string Baseline = "dense";

    private MethodComparison(SummaryTable summary)
    {
        Summary = summary;
        Datasets = summary.Datasets;
        var leftOutMethods = new List<(string, string)>();
        var methods = new List<string>();
        foreach (var method in summary.Methods)
        {
            // Friedman needs every method on every dataset: a method that did not run on one cannot be ranked there.
            if (!summary.Datasets.All(d => summary.Cells.ContainsKey((d, method))))
                leftOutMethods.Add((method, "did not run on every dataset"));

            // Keeping a method that diverged everywhere would leave no complete block at all; dropping it keeps the rest comparable.
            else if (summary.Datasets.Count > 0 && summary.Datasets.All(d => summary.Cells[(d, method)].AnyDiverged))
                leftOutMethods.Add((method, "diverged on at least one split of every dataset"));
            else
                methods.Add(method);
        }

        var leftOutBlocks = new List<(string, string)>();
        var blocks = new List<string>();
        foreach (var dataset in summary.Datasets)
        {
            // A mean over fewer splits is not the same measurement, and dropping only the diverged method would rank it by omission.
            var diverged = methods.Select(m => (Method: m, Cell: summary.Cells[(dataset, m)])).Where(x => x.Cell.AnyDiverged).ToList();
            if (diverged.Count == 0)
                blocks.Add(dataset);
            else
                leftOutBlocks.Add((dataset, string.Join(", ", diverged.Select(x => string.Create(CultureInfo.InvariantCulture, $"{x.Method} diverged on {x.Cell.Diverged}/{x.Cell.Splits} split(s)")))));
        }

        Methods = methods;
        Blocks = blocks;
        LeftOutMethods = leftOutMethods;
        LeftOutBlocks = leftOutBlocks;
    }

    /// <summary>The summary compared.</summary>
    public SummaryTable Summary { get; }

    /// <summary>Methods compared by the test: present on every dataset and not diverged on all of them, in the summary's order.</summary>
    public IReadOnlyList<string> Methods { get; }

    /// <summary>Datasets.</summary>
    public IReadOnlyList<string> Datasets { get; }

    /// <summary>The datasets the test ranks over: those where no split of any of <see cref="Methods"/> diverged.</summary>
    public IReadOnlyList<string> Blocks { get; }

    /// <summary>Methods left out of the test, each with the reason.</summary>
    public IReadOnlyList<(string Method, string Reason)> LeftOutMethods { get; }

    /// <summary>Datasets left out of the test, each with the reason (which methods diverged on how many splits).</summary>
    public IReadOnlyList<(string Dataset, string Reason)> LeftOutBlocks { get; }

    /// <summary>Friedman's test, or null when there are fewer than 2 complete blocks or 3 methods.</summary>
    public FriedmanResult? Friedman { get; private init; }

    /// <summary>Nemenyi p-values between <see cref="Methods"/>, or null without <see cref="Friedman"/>.</summary>
    public double[,]? NemenyiP { get; private init; }

    /// <summary>The critical difference of average ranks at α = 0.05, or NaN without <see cref="Friedman"/>.</summary>
    public double CriticalDifference { get; private init; } = double.NaN;

    /// <summary>Compares the methods of <paramref name="summary"/>.</summary>
    public static MethodComparison From(SummaryTable summary)
    {
        var comparison = new MethodComparison(summary);
        if (comparison.Blocks.Count < 2 || comparison.Methods.Count < 3)
            return comparison;
        var scores = new double[comparison.Blocks.Count, comparison.Methods.Count];
        for (var d = 0; d < comparison.Blocks.Count; d++)
        {
            for (var m = 0; m < comparison.Methods.Count; m++)
                scores[d, m] = summary.Cells[(comparison.Blocks[d], comparison.Methods[m])].Mean;
        }

        var friedman = Statistics.Friedman.Test(scores);
        return new MethodComparison(summary)
        {
            Friedman = friedman,
            NemenyiP = Nemenyi.PValues(friedman.AverageRanks, friedman.Datasets),
            CriticalDifference = Nemenyi.CriticalDifference(friedman.Methods, friedman.Datasets),
        };
    }

    /// <summary>True when <paramref name="method"/> or the baseline diverged on a split of <paramref name="dataset"/>.</summary>
    public bool ReductionDiverged(string dataset, string method) =>
        (Summary.Cells.TryGetValue((dataset, Baseline), out var dense) && dense.AnyDiverged)
        || (Summary.Cells.TryGetValue((dataset, method), out var other) && other.AnyDiverged);

    /// <summary>
    /// (dense − method) / dense in percent, from the means of one dataset; NaN when either is missing or diverged on a
    /// split (a mean over fewer splits would make the reduction look better than the run was).
    /// </summary>
    public double Reduction(string dataset, string method) =>
        Summary.Cells.TryGetValue((dataset, Baseline), out var dense) && Summary.Cells.TryGetValue((dataset, method), out var other)
            && !dense.AnyDiverged && !other.AnyDiverged && dense.Mean > 0
            ? 100 * (dense.Mean - other.Mean) / dense.Mean
            : double.NaN;

    /// <summary>The median of <see cref="Reduction"/> over the datasets where both ran without diverging (NaN when none).</summary>
    public double MedianReduction(string method)
    {
        var values = Datasets.Select(d => Reduction(d, method)).Where(double.IsFinite).Order().ToArray();
        if (values.Length == 0)
            return double.NaN;
        return values.Length % 2 == 1 ? values[values.Length / 2] : (values[(values.Length / 2) - 1] + values[values.Length / 2]) / 2;
    }
}
