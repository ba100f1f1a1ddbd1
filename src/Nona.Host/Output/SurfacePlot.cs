using ScottPlot;

namespace Nona.Host.Output;

/// <summary>Draws surfaces.png: one row per 2-D dataset, the data first, then each method's regression surface.</summary>
internal static class SurfacePlot
{
    private const int PanelSize = 260;

    /// <summary>Renders <paramref name="datasets"/> to a PNG at <paramref name="path"/> (written atomically).</summary>
    public static void Save(string path, IReadOnlyList<SurfacePanels> datasets)
    {
        var columns = 1 + datasets.Max(d => d.Surfaces.Count);
        var multiplot = new Multiplot();
        multiplot.AddPlots(datasets.Count * columns);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(datasets.Count, columns);
        var colormap = new ScottPlot.Colormaps.Viridis();
        for (var row = 0; row < datasets.Count; row++)
        {
            var panels = datasets[row];
            var data = multiplot.GetPlot(row * columns);
            for (var i = 0; i < panels.Points.Length; i++)
            {
                var marker = data.Add.Marker(panels.Points[i][0], panels.Points[i][1]);
                marker.Color = colormap.GetColor(panels.Colors[i]);
                marker.Size = 3;
            }

            Frame(data, $"{panels.Dataset}: data");
            for (var s = 0; s < panels.Surfaces.Count; s++)
            {
                var (method, raw) = panels.Surfaces[s];
                var (values, diverged) = Finite(raw);
                var plot = multiplot.GetPlot((row * columns) + 1 + s);

                // ScottPlot's heatmap throws on a grid of NaN only (it takes the range from the data): that panel stays empty.
                if (values.Cast<double>().Any(double.IsFinite))
                {
                    var heatmap = plot.Add.Heatmap(values);
                    heatmap.Colormap = colormap;
                    heatmap.Extent = new CoordinateRect(-1, 1, -1, 1);
                    heatmap.ManualRange = new ScottPlot.Range(0, 1); // scaled label units: panels share one colour scale
                }

                Frame(plot, diverged ? $"{method} (diverged)" : method);
            }
        }

        AtomicFile.Write(path, temporary => multiplot.SavePng(temporary, columns * PanelSize, datasets.Count * PanelSize));
    }

    // A diverged model predicts NaN or ±∞: ScottPlot leaves NaN cells transparent, while ∞ would paint the scale's end.
    private static (double[,] Values, bool Diverged) Finite(double[,] raw)
    {
        var values = (double[,])raw.Clone();
        var diverged = false;
        for (var r = 0; r < values.GetLength(0); r++)
        {
            for (var c = 0; c < values.GetLength(1); c++)
            {
                if (!double.IsFinite(values[r, c]))
                    (values[r, c], diverged) = (double.NaN, true);
            }
        }

        return (values, diverged);
    }

    private static void Frame(Plot plot, string title)
    {
        plot.Title(title, size: 13);
        plot.Axes.SetLimits(-1, 1, -1, 1);
    }
}
