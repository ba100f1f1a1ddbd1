using System.Globalization;
using Nona.Abstractions;
using Nona.Host.Data;
using Nona.Host.Protocol;

namespace Nona.Host.Reports;

/// <summary>Reads and merges the results.csv of run folders (datasets run separately, elsewhere, or by a cluster job each).</summary>
internal static class ResultsReader
{
    // The error columns; read as text because the table reader refuses NaN, which is how a diverged method is written.
    private static readonly string[] ErrorColumns = ["val_mse_scaled", "mse_scaled", "mse"];

    /// <summary>
    /// Every row of every run; the same dataset, method and split in two runs is an error naming both. A non-finite
    /// error ("NaN", "Infinity": a diverged method) is read as NaN.
    /// </summary>
    public static List<ResultRow> Read(IEnumerable<string> runFolders)
    {
        var rows = new List<ResultRow>();
        var seen = new Dictionary<(string, string, int), string>();
        foreach (var folder in runFolders)
        {
            var path = Path.Combine(folder, "results.csv");
            if (!File.Exists(path))
                throw new NonaException($"{folder}: no results.csv here; pass run folders written by 'nona run'");
            var table = new CsvTableReader().Read(new TableRequest
            {
                Path = path,
                DataRoot = folder,
                TextColumns = ["dataset", "method", .. ErrorColumns],
                NumericColumns = ["split"],
            });
            for (var i = 0; i < table.Text.Length; i++)
            {
                var text = table.Text[i];
                var where = $"{path}:{table.SourceLines[i]}";
                var row = new ResultRow(text[0], text[1], (int)table.Numeric[i][0], Error(text[2], ErrorColumns[0], where), Error(text[3], ErrorColumns[1], where), Error(text[4], ErrorColumns[2], where));
                var key = (row.Dataset, row.Method, row.Split);
                if (seen.TryGetValue(key, out var other))
                    throw new NonaException($"{where}: {row.Dataset} / {row.Method} / split {row.Split} is also in {other}; merge runs that do not overlap");
                seen[key] = path;
                rows.Add(row);
            }
        }

        return rows;
    }

    // Any non-finite value becomes NaN, so the rest of the report needs one test (double.IsFinite) and one spelling.
    private static double Error(string cell, string column, string where) =>
        double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? double.IsFinite(value) ? value : double.NaN
            : throw new DataFormatException($"{where}: column '{column}': {(string.IsNullOrWhiteSpace(cell) ? "the value is empty" : "the value is not a number")} ('{cell}')");
}
