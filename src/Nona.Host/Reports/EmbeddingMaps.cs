using Nona.Host.Data;
using Nona.Host.Reports.Embedding;
using ScottPlot;

namespace Nona.Host.Reports;

/// <summary>How embedding maps are projected to 2-D.</summary>
internal enum MapProjection
{
    /// <summary>UMAP (McInnes, Healy &amp; Melville 2018), as the paper's Figure 4.</summary>
    Umap,

    /// <summary>The first two principal components.</summary>
    Pca,
}

/// <summary>Which dataset, split and projection the report's embedding maps show.</summary>
internal sealed record MapOptions(string? Dataset = null, int Split = 0, MapProjection Projection = MapProjection.Umap);

/// <summary>
/// Figure-4-style maps from the embeddings a run saved (<c>evaluation.embeddings: save</c>): each head's final
/// embeddings of one dataset and split, side by side, projected to 2-D; training points coloured by their label,
/// test points drawn as outlined markers.
/// </summary>
internal static class EmbeddingMaps
{
    private const int PanelSize = 420;

    /// <summary>Adds the maps section when any of <paramref name="runFolders"/> saved embeddings.</summary>
    /// <param name="document">The report.</param>
    /// <param name="runFolders">Run folders to look in.</param>
    /// <param name="options">Dataset, split and projection; the dataset defaults to the first of <paramref name="datasetOrder"/> with embeddings.</param>
    /// <param name="datasetOrder">Datasets in the order the run reported them.</param>
    public static void AddTo(ReportDocument document, IReadOnlyList<string> runFolders, MapOptions? options, IReadOnlyList<string> datasetOrder)
    {
        options ??= new MapOptions();
        var files = Find(runFolders, options, datasetOrder);
        if (files.Count == 0)
            return;
        var (dataset, split) = (Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(files[0]))!), options.Split);
        var multiplot = new Multiplot();
        multiplot.AddPlots(files.Count);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(1, files.Count);
        var colormap = new ScottPlot.Colormaps.Viridis();
        for (var p = 0; p < files.Count; p++)
        {
            var (roles, labels, embeddings) = Read(files[p]);
            var points = options.Projection == MapProjection.Pca ? Pca.Project(embeddings, 2) : new Umap(new UmapOptions()).FitTransform(embeddings, seed: 0);
            var plot = multiplot.GetPlot(p);
            for (var i = 0; i < points.Length; i++)
            {
                var test = roles[i] == "test";
                var marker = plot.Add.Marker(points[i][0], points[i][1]);
                marker.Color = colormap.GetColor(Math.Clamp(labels[i], 0, 1));
                marker.Size = test ? 7 : 4;
                marker.Shape = test ? MarkerShape.OpenCircle : MarkerShape.FilledCircle;
                if (test)
                    marker.LineWidth = 1.5f;
            }

            plot.Title($"{Path.GetFileNameWithoutExtension(files[p])}: {dataset}, split {split} ({options.Projection.ToString().ToUpperInvariant()})", size: 13);
        }

        using var image = multiplot.Render(files.Count * PanelSize, PanelSize);
        document.Heading(2, "Embedding maps (Figure 4)");
        document.Paragraph($"Final embeddings of each head on {dataset}, split {split}, projected with {options.Projection.ToString().ToUpperInvariant()}: training and validation points filled and coloured by their scaled label, test points as open circles.");
        document.Figure($"Embedding maps: {dataset}, split {split}", "embedding-maps.png", image.GetImageBytes(ImageFormat.Png));
    }

    private static List<string> Find(IReadOnlyList<string> runFolders, MapOptions options, IReadOnlyList<string> datasetOrder)
    {
        foreach (var folder in runFolders)
        {
            var root = Path.Combine(folder, "embeddings");
            if (!Directory.Exists(root))
                continue;
            var datasets = Directory.GetDirectories(root).OrderBy(d => Rank(datasetOrder, Path.GetFileName(d))).ThenBy(d => d, StringComparer.Ordinal).ToList();
            var chosen = options.Dataset is null ? datasets.FirstOrDefault() : datasets.FirstOrDefault(d => Path.GetFileName(d) == options.Dataset);
            var splitFolder = chosen is null ? null : Path.Combine(chosen, $"split-{options.Split}");
            if (splitFolder is not null && Directory.Exists(splitFolder))
                return [.. Directory.GetFiles(splitFolder, "*.csv").OrderBy(f => f, StringComparer.Ordinal)];
        }

        return [];
    }

    private static int Rank(IReadOnlyList<string> order, string name)
    {
        var index = order.ToList().IndexOf(name);
        return index < 0 ? int.MaxValue : index;
    }

    private static (string[] Roles, double[] Labels, double[][] Embeddings) Read(string path)
    {
        var header = File.ReadLines(path).First().Split(',');
        var table = new CsvTableReader().Read(new Abstractions.TableRequest
        {
            Path = path,
            DataRoot = Path.GetDirectoryName(path)!,
            TextColumns = ["role"],
            NumericColumns = [.. header.Where(h => h.StartsWith('z'))],
            LabelColumn = "label_scaled",
        });
        return ([.. table.Text.Select(t => t[0])], table.Labels, table.Numeric);
    }
}
