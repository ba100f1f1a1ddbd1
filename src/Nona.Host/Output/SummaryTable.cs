using System.Globalization;
using System.Text;
using MathNet.Numerics.Statistics;
using Nona.Host.Protocol;

namespace Nona.Host.Output;

/// <summary>One cell of the Table-1-style summary: mean ± sd of test MSE × 10³ (scaled units) over the finite splits.</summary>
/// <param name="Mean">Mean over the splits that did not diverge; NaN when all did.</param>
/// <param name="StandardDeviation">Sample sd over the same splits; 0 for one, NaN for none.</param>
/// <param name="Splits">Every split of the cell, diverged or not.</param>
/// <param name="Diverged">Splits whose test MSE is not finite (training diverged).</param>
internal sealed record SummaryCell(double Mean, double StandardDeviation, int Splits, int Diverged = 0)
{
    /// <summary>True when at least one split diverged.</summary>
    public bool AnyDiverged => Diverged > 0;
}

/// <summary>The Table-1-style summary: rows = datasets, columns = methods, best mean per row in bold.</summary>
internal sealed class SummaryTable
{
    /// <summary>The line under a table with diverged cells.</summary>
    public const string DivergedNote =
        "Diverged: training met a non-finite loss or validation MSE; mean ± sd use the other splits only, and a cell with a diverged split is never marked best.";

    private SummaryTable(IReadOnlyList<string> datasets, IReadOnlyList<string> methods, Dictionary<(string, string), SummaryCell> cells)
    {
        Datasets = datasets;
        Methods = methods;
        Cells = cells;
    }

    /// <summary>Dataset names in run order.</summary>
    public IReadOnlyList<string> Datasets { get; }

    /// <summary>Method names in first-seen order.</summary>
    public IReadOnlyList<string> Methods { get; }

    /// <summary>The cells that exist.</summary>
    public IReadOnlyDictionary<(string Dataset, string Method), SummaryCell> Cells { get; }

    /// <summary>True when any split of any cell diverged.</summary>
    public bool AnyDiverged => Cells.Values.Any(c => c.AnyDiverged);

    /// <summary>Aggregates rows; sd is the sample standard deviation (n − 1) of the finite splits, 0 for one.</summary>
    public static SummaryTable From(IReadOnlyList<ResultRow> rows)
    {
        var cells = rows.GroupBy(r => (r.Dataset, r.Method)).ToDictionary(
            g => g.Key,
            g =>
            {
                var all = g.Select(r => r.MseScaled * 1e3).ToArray();
                var values = all.Where(double.IsFinite).ToArray();
                var sd = values.Length switch
                {
                    0 => double.NaN,
                    1 => 0,
                    _ => values.StandardDeviation(),
                };
                return new SummaryCell(values.Length == 0 ? double.NaN : values.Mean(), sd, all.Length, all.Length - values.Length);
            });
        return new SummaryTable([.. rows.Select(r => r.Dataset).Distinct()], [.. rows.Select(r => r.Method).Distinct()], cells);
    }

    /// <summary>The best (lowest mean) method of <paramref name="dataset"/> among cells without a diverged split; null when none.</summary>
    public string? Best(string dataset) =>
        Methods.Where(m => Cells.TryGetValue((dataset, m), out var c) && !c.AnyDiverged).OrderBy(m => Cells[(dataset, m)].Mean).FirstOrDefault();

    /// <summary>"5.9 ± 1.3", "5.9 ± 1.3 (1/5 diverged)", "diverged (5/5)", or "–" where a method did not run.</summary>
    public string Text(string dataset, string method)
    {
        if (!Cells.TryGetValue((dataset, method), out var c))
            return "–";
        if (c.Diverged == c.Splits)
            return string.Create(CultureInfo.InvariantCulture, $"diverged ({c.Diverged}/{c.Splits})");
        var text = string.Create(CultureInfo.InvariantCulture, $"{c.Mean:F1} ± {c.StandardDeviation:F1}");
        return c.AnyDiverged ? string.Create(CultureInfo.InvariantCulture, $"{text} ({c.Diverged}/{c.Splits} diverged)") : text;
    }

    /// <summary>The Markdown page.</summary>
    public string Markdown(string title)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"# {title}\n\n");
        var splits = Cells.Values.Select(c => c.Splits).DefaultIfEmpty(0).Max();
        text.Append(CultureInfo.InvariantCulture, $"Test MSE × 10³ in [0, 1]-scaled label units, mean ± sd over {splits} split(s); best per row in bold.\n\n");
        text.Append("| dataset | ").Append(string.Join(" | ", Methods)).Append(" |\n");
        text.Append("| --- |").Append(string.Concat(Methods.Select(_ => " ---: |"))).Append('\n');
        foreach (var dataset in Datasets)
        {
            var best = Best(dataset);
            var cells = Methods.Select(m => m == best ? $"**{Text(dataset, m)}**" : Text(dataset, m));
            text.Append(CultureInfo.InvariantCulture, $"| {dataset} | {string.Join(" | ", cells)} |\n");
        }

        if (AnyDiverged)
            text.Append('\n').Append(DivergedNote).Append('\n');
        return text.ToString();
    }
}
