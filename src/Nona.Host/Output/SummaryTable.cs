using System.Globalization;
using System.Text;
using MathNet.Numerics.Statistics;
using Nona.Host.Protocol;

namespace Nona.Host.Output;

/// <summary>One cell of the Table-1-style summary: mean ± sd of test MSE × 10³ (scaled units) over splits.</summary>
internal sealed record SummaryCell(double Mean, double StandardDeviation, int Splits);

/// <summary>The Table-1-style summary: rows = datasets, columns = methods, best mean per row in bold.</summary>
internal sealed class SummaryTable
{
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

    /// <summary>Aggregates rows; sd is the sample standard deviation (n − 1), 0 for one split.</summary>
    public static SummaryTable From(IReadOnlyList<ResultRow> rows)
    {
        var cells = rows.GroupBy(r => (r.Dataset, r.Method)).ToDictionary(
            g => g.Key,
            g =>
            {
                var values = g.Select(r => r.MseScaled * 1e3).ToArray();
                return new SummaryCell(values.Mean(), values.Length > 1 ? values.StandardDeviation() : 0, values.Length);
            });
        return new SummaryTable([.. rows.Select(r => r.Dataset).Distinct()], [.. rows.Select(r => r.Method).Distinct()], cells);
    }

    /// <summary>The best (lowest mean) method of <paramref name="dataset"/>.</summary>
    public string? Best(string dataset) =>
        Methods.Where(m => Cells.ContainsKey((dataset, m))).OrderBy(m => Cells[(dataset, m)].Mean).FirstOrDefault();

    /// <summary>"5.9 ± 1.3", or "–" where a method did not run.</summary>
    public string Text(string dataset, string method) =>
        Cells.TryGetValue((dataset, method), out var c) ? string.Create(CultureInfo.InvariantCulture, $"{c.Mean:F1} ± {c.StandardDeviation:F1}") : "–";

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

        return text.ToString();
    }
}
