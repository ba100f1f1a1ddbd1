using Nona.Abstractions;
using Nona.Host.Data;
using Nona.Host.Protocol;

namespace Nona.Host.Reports;

/// <summary>Reads and merges the results.csv of run folders (datasets run separately, elsewhere, or by a cluster job each).</summary>
internal static class ResultsReader
{
    /// <summary>Every row of every run; the same dataset, method and split in two runs is an error naming both.</summary>
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
                TextColumns = ["dataset", "method"],
                NumericColumns = ["split", "val_mse_scaled", "mse_scaled", "mse"],
            });
            for (var i = 0; i < table.Text.Length; i++)
            {
                var row = new ResultRow(table.Text[i][0], table.Text[i][1], (int)table.Numeric[i][0], table.Numeric[i][1], table.Numeric[i][2], table.Numeric[i][3]);
                var key = (row.Dataset, row.Method, row.Split);
                if (seen.TryGetValue(key, out var other))
                    throw new NonaException($"{path}:{table.SourceLines[i]}: {row.Dataset} / {row.Method} / split {row.Split} is also in {other}; merge runs that do not overlap");
                seen[key] = path;
                rows.Add(row);
            }
        }

        return rows;
    }
}
