using ScottPlot;

namespace Nona.Host.Reports;

/// <summary>
/// The critical-difference diagram (Demšar 2006; the paper's Figure 5): methods on an average-rank axis (best on
/// the left), a bar of length CD, and thick lines joining groups whose ranks differ by less than the CD.
/// </summary>
internal static class CdDiagram
{
    /// <summary>Renders the diagram as PNG bytes.</summary>
    public static byte[] Render(IReadOnlyList<string> methods, IReadOnlyList<double> averageRanks, double criticalDifference)
    {
        var k = methods.Count;
        var order = Enumerable.Range(0, k).OrderBy(i => averageRanks[i]).ToArray();
        var plot = new Plot();
        plot.Layout.Frameless();
        plot.Axes.Frameless();
        plot.HideGrid();

        // The rank axis at y = 0 with ticks 1..k; text below/above the axis.
        Line(plot, 1, 0, k, 0, 1.5f);
        for (var r = 1; r <= k; r++)
        {
            Line(plot, r, 0, r, 0.08, 1);
            Label(plot, r.ToString(System.Globalization.CultureInfo.InvariantCulture), r, 0.12, Alignment.LowerCenter);
        }

        // CD bar above the axis.
        Line(plot, 1, 0.45, 1 + criticalDifference, 0.45, 2);
        Label(plot, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"CD = {criticalDifference:F3}"), 1 + (criticalDifference / 2), 0.5, Alignment.LowerCenter);

        // Methods: the better half labelled on the left, the rest on the right, each with an elbow line to its rank.
        for (var i = 0; i < k; i++)
        {
            var index = order[i];
            var rank = averageRanks[index];
            var left = i < (k + 1) / 2;
            var depth = -0.35 - (0.25 * (left ? i : k - 1 - i));
            var textX = left ? 0.6 : k + 0.4;
            Line(plot, rank, 0, rank, depth, 1);
            Line(plot, rank, depth, textX, depth, 1);
            var label = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{methods[index]} ({rank:F2})");
            Label(plot, label, left ? textX - 0.05 : textX + 0.05, depth, left ? Alignment.MiddleRight : Alignment.MiddleLeft);
        }

        // Groups not significantly different: maximal runs of the sorted ranks spanning less than the CD.
        var bar = -0.18;
        var previousEnd = -1;
        for (var start = 0; start < k; start++)
        {
            var end = start;
            while (end + 1 < k && averageRanks[order[end + 1]] - averageRanks[order[start]] < criticalDifference)
                end++;
            if (end > start && end > previousEnd)
            {
                Line(plot, averageRanks[order[start]] - 0.03, bar, averageRanks[order[end]] + 0.03, bar, 4);
                bar -= 0.08;
                previousEnd = end;
            }
        }

        var depthMost = -0.35 - (0.25 * ((k + 1) / 2));
        plot.Axes.SetLimits(-2.2, k + 3.2, depthMost - 0.1, 0.7);
        return plot.GetImageBytes(820, 120 + (40 * ((k + 1) / 2)), ImageFormat.Png);
    }

    private static void Line(Plot plot, double x1, double y1, double x2, double y2, float width)
    {
        var line = plot.Add.Line(x1, y1, x2, y2);
        line.LineWidth = width;
        line.Color = Colors.Black;
    }

    private static void Label(Plot plot, string text, double x, double y, Alignment alignment)
    {
        var label = plot.Add.Text(text, x, y);
        label.LabelFontSize = 13;
        label.LabelAlignment = alignment;
    }
}
