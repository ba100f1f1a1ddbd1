using System.Globalization;
using Nona.Host.Output;
using ScottPlot;

namespace Nona.Host.Reports;

/// <summary>
/// Learning curves from a run's <c>log.csv</c>: per dataset, validation MSE × 10³ after each epoch of every method on
/// split 0 (an epoch run again after a resume counts once: its last line), drawn on a log scale.
/// </summary>
internal static class LearningCurves
{
    /// <summary>Adds a section with one figure per dataset when <paramref name="folder"/> has a log.</summary>
    public static void AddTo(ReportDocument document, string folder)
    {
        var path = Path.Combine(folder, RunLog.FileName);
        if (!File.Exists(path))
            return;
        var epochs = new Dictionary<(string Dataset, string Method), SortedDictionary<int, double>>();
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            var cells = line.Split(',');
            // Names with commas are quoted; a curve is only a picture, so such lines are left out rather than parsed.
            if (cells.Length != 10 || cells[2] != "0")
                continue;
            if (!int.TryParse(cells[3], CultureInfo.InvariantCulture, out var epoch) || !double.TryParse(cells[5], CultureInfo.InvariantCulture, out var val))
                continue;
            var key = (cells[0], cells[1]);
            if (!epochs.TryGetValue(key, out var curve))
                epochs[key] = curve = [];
            curve[epoch] = val;
        }

        if (epochs.Count == 0)
            return;
        document.Heading(2, "Learning curves");
        document.Paragraph("Validation MSE × 10³ (scaled labels) after each epoch on split 0, from log.csv; a gap is an epoch whose value was not finite.");
        foreach (var dataset in epochs.Keys.Select(k => k.Dataset).Distinct())
        {
            var plot = new Plot();
            plot.Axes.Left.Label.Text = "validation MSE × 10³ (log scale)";
            plot.Axes.Bottom.Label.Text = "epoch";
            foreach (var ((_, method), curve) in epochs.Where(e => e.Key.Dataset == dataset))
            {
                var finite = curve.Where(p => double.IsFinite(p.Value) && p.Value > 0).ToList();
                if (finite.Count == 0)
                    continue;
                var scatter = plot.Add.Scatter(finite.Select(p => (double)p.Key).ToArray(), finite.Select(p => Math.Log10(p.Value * 1e3)).ToArray());
                scatter.LegendText = method;
                scatter.MarkerSize = 3;
            }

            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = v => (Math.Pow(10, v)).ToString("G3", CultureInfo.InvariantCulture) };
            plot.ShowLegend(Alignment.UpperRight);
            document.Figure($"Learning curves: {dataset}", $"learning-curves-{FolderNames.Safe(dataset)}.png", plot.GetImageBytes(720, 360, ImageFormat.Png));
        }
    }
}
