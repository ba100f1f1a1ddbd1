using Nona.Host.Output;
using Spectre.Console;

namespace Nona.Host.Cli;

/// <summary>The summary table on the console.</summary>
internal static class SummaryRenderer
{
    /// <summary>A Spectre table: datasets × methods, mean ± sd of test MSE × 10³, best per row in bold, a note under it when a split diverged.</summary>
    public static Table Table(SummaryTable summary, string title)
    {
        var table = new Table().Title($"{Markup.Escape(title)}: test MSE × 10³ (scaled), mean ± sd").AddColumn("dataset");
        foreach (var method in summary.Methods)
            table.AddColumn(new TableColumn(Markup.Escape(method)).RightAligned());
        foreach (var dataset in summary.Datasets)
        {
            var best = summary.Best(dataset);
            var cells = summary.Methods.Select(m => m == best ? $"[bold green]{Markup.Escape(summary.Text(dataset, m))}[/]" : Markup.Escape(summary.Text(dataset, m)));
            table.AddRow([Markup.Escape(dataset), .. cells]);
        }

        if (summary.AnyDiverged)
            table.Caption(Markup.Escape(SummaryTable.DivergedNote));
        return table;
    }
}
