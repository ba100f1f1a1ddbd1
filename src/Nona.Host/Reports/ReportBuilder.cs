using System.Globalization;
using Nona.Host.Output;
using Nona.Host.Protocol;

namespace Nona.Host.Reports;

/// <summary>
/// Builds the report of one or more runs: Table 1, reductions against dense, Friedman + Nemenyi with the CD
/// diagram, and any extra sections (embedding maps, sweep stages) the caller adds.
/// </summary>
internal static class ReportBuilder
{
    /// <summary>The report's standard sections for <paramref name="rows"/>.</summary>
    public static ReportDocument Build(string title, IReadOnlyList<ResultRow> rows, IReadOnlyList<string> sources)
    {
        var document = new ReportDocument();
        var summary = SummaryTable.From(rows);
        var comparison = MethodComparison.From(summary);
        document.Heading(1, title);
        document.Paragraph($"From: {string.Join(", ", sources)}.");
        TableOne(document, summary);
        Reductions(document, comparison);
        Significance(document, comparison);
        return document;
    }

    /// <summary>Writes report.md, its figures and report.html into <paramref name="folder"/>, each atomically.</summary>
    public static void Write(ReportDocument document, string folder, string title)
    {
        foreach (var (fileName, png) in document.Figures)
            AtomicFile.Write(Path.Combine(folder, fileName), temporary => File.WriteAllBytes(temporary, png));
        AtomicFile.WriteText(Path.Combine(folder, "report.md"), document.Markdown());
        AtomicFile.WriteText(Path.Combine(folder, "report.html"), document.Html(title));
    }

    private static void TableOne(ReportDocument document, SummaryTable summary)
    {
        var splits = summary.Cells.Values.Select(c => c.Splits).DefaultIfEmpty(0).Max();
        document.Heading(2, "Test MSE × 10³ (Table 1)");
        document.Paragraph($"Mean ± standard deviation over {splits} split(s), labels scaled to [0, 1] on each training split; best per row in bold.");
        var bold = new HashSet<(int, int)>();
        var rows = new List<IReadOnlyList<string>>();
        foreach (var dataset in summary.Datasets)
        {
            // No best where every method diverged on some split: bolding a mean over fewer splits would flatter it.
            if (summary.Best(dataset) is { } best)
                bold.Add((rows.Count, 1 + summary.Methods.ToList().IndexOf(best)));
            rows.Add([dataset, .. summary.Methods.Select(m => summary.Text(dataset, m))]);
        }

        document.Table(["dataset", .. summary.Methods], rows, bold);
        if (summary.AnyDiverged)
            document.Paragraph(SummaryTable.DivergedNote);
    }

    private static void Reductions(ReportDocument document, MethodComparison comparison)
    {
        var others = comparison.Summary.Methods.Where(m => m != MethodComparison.Baseline).ToList();
        if (!comparison.Summary.Methods.Contains(MethodComparison.Baseline) || others.Count == 0)
            return;
        document.Heading(2, "MSE reduction against dense");
        document.Paragraph("(dense − method) / dense of the mean test MSE, per dataset; positive = lower error than the dense head."
            + (comparison.Summary.AnyDiverged ? " Where either diverged on a split the reduction is not computed, and the median skips it." : ""));
        var rows = comparison.Datasets.Select(d => (IReadOnlyList<string>)[d, .. others.Select(m => comparison.ReductionDiverged(d, m) ? "diverged" : Percent(comparison.Reduction(d, m)))]).ToList();
        rows.Add(["median", .. others.Select(m => Percent(comparison.MedianReduction(m)))]);
        document.Table(["dataset", .. others], rows);
    }

    private static void Significance(ReportDocument document, MethodComparison comparison)
    {
        document.Heading(2, "Friedman test and Nemenyi post-hoc");
        LeftOut(document, comparison);
        if (comparison.Friedman is not { } friedman || comparison.NemenyiP is not { } p)
        {
            document.Paragraph($"Needs at least 2 datasets and 3 methods that ran on all of them (here: {comparison.Blocks.Count} dataset(s), {comparison.Methods.Count} method(s)).");
            return;
        }

        var methods = comparison.Methods;
        document.Paragraph(string.Create(CultureInfo.InvariantCulture,
            $"Methods ranked per dataset by mean test MSE (1 = lowest; ties get mid-ranks), N = {friedman.Datasets} datasets, k = {friedman.Methods} methods: Friedman χ² = {friedman.ChiSquare:F2} (df {friedman.Methods - 1}), p = {friedman.PValue:G2}."));
        document.Table(["method", "average rank"], [.. methods.Select((m, i) => (IReadOnlyList<string>)[m, friedman.AverageRanks[i].ToString("F3", CultureInfo.InvariantCulture)])]);
        document.Paragraph(string.Create(CultureInfo.InvariantCulture,
            $"Nemenyi p-values (studentized range, infinite df). Critical difference at α = 0.05: CD = {comparison.CriticalDifference:F3}."));
        var rows = methods.Select((m, i) => (IReadOnlyList<string>)[m, .. methods.Select((_, j) => i == j ? "–" : p[i, j].ToString("F4", CultureInfo.InvariantCulture))]).ToList();
        var significant = new HashSet<(int, int)>();
        for (var i = 0; i < methods.Count; i++)
        {
            for (var j = 0; j < methods.Count; j++)
            {
                if (i != j && p[i, j] < 0.05)
                    significant.Add((i, j + 1));
            }
        }

        document.Table(["", .. methods], rows, significant);
        document.Paragraph("Bold: p < 0.05. In the diagram, methods joined by a thick line are not significantly different.");
        document.Figure("Critical-difference diagram", "cd-diagram.png", CdDiagram.Render(methods, friedman.AverageRanks, comparison.CriticalDifference));
    }

    private static void LeftOut(ReportDocument document, MethodComparison comparison)
    {
        if (comparison.LeftOutMethods.Count == 0 && comparison.LeftOutBlocks.Count == 0)
            return;
        var parts = comparison.LeftOutMethods.Select(x => $"method {x.Method} ({x.Reason})")
            .Concat(comparison.LeftOutBlocks.Select(x => $"dataset {x.Dataset} ({x.Reason})"));
        document.Paragraph($"Complete blocks only: a dataset enters the test when every compared method has a finite mean over all its splits. Left out: {string.Join("; ", parts)}.");
    }

    private static string Percent(double value) =>
        double.IsFinite(value) ? value.ToString("+0.0;−0.0;0.0", CultureInfo.InvariantCulture) + " %" : "–";
}
