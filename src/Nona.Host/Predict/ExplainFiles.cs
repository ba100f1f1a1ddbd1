using System.Globalization;
using System.Text;
using System.Text.Json;
using Nona.Host.Output;

namespace Nona.Host.Predict;

/// <summary>
/// Writes an explanation folder: the page's linked files first, then explain.csv (one line per query × neighbour),
/// explain.json and index.html, each atomically — everything was computed before the first write, so a failure
/// leaves no half-written folder.
/// </summary>
internal static class ExplainFiles
{
    /// <summary>The CSV header.</summary>
    public const string CsvHeader = "query_row,prediction,label,top_share,effective_neighbours,rejected,rank,neighbour_row,neighbour_label,similarity,mask,weight";

    /// <summary>Writes <paramref name="explanation"/> and its page into <paramref name="folder"/>.</summary>
    public static void Write(string folder, Explanation explanation, ExplainPageOutput page)
    {
        var root = Path.GetFullPath(folder);
        Directory.CreateDirectory(root);
        foreach (var (relative, bytes) in page.Files)
        {
            var path = Path.Combine(root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            AtomicFile.Write(path, temporary => File.WriteAllBytes(temporary, bytes));
        }

        AtomicFile.WriteText(Path.Combine(root, "explain.csv"), Csv(explanation));
        AtomicFile.WriteText(Path.Combine(root, "explain.json"), JsonSerializer.Serialize(new
        {
            run = explanation.RunFolder,
            dataset = explanation.Dataset,
            method = explanation.Method,
            split = explanation.Split,
            inputs = explanation.InputName,
            units = explanation.Units.Describe(),
            bank_size = explanation.BankSize,
            note = explanation.Note,
            predictions = explanation.Predictions,
        }, RunInfo.JsonOptions));
        AtomicFile.WriteText(Path.Combine(root, "index.html"), page.Html);
    }

    private static string Csv(Explanation explanation)
    {
        var text = new StringBuilder(CsvHeader).Append('\n');
        foreach (var p in explanation.Predictions)
        {
            var head = string.Create(CultureInfo.InvariantCulture, $"{p.Row},{p.Prediction:R},{Cell(p.Label)},{Cell(p.TopShare)},{Cell(p.EffectiveNeighbours)},{p.Rejected}");
            if (p.Neighbours.Count == 0)
                text.Append(head).Append(",,,,,,\n");
            for (var rank = 0; rank < p.Neighbours.Count; rank++)
            {
                var n = p.Neighbours[rank];
                text.Append(head).Append(CultureInfo.InvariantCulture, $",{rank + 1},{n.Row},{n.Label:R},{n.Similarity:R},{n.Mask:R},{n.Weight:R}\n");
            }
        }

        return text.ToString();
    }

    private static string Cell(double value) => double.IsNaN(value) ? "" : value.ToString("R", CultureInfo.InvariantCulture);
}
