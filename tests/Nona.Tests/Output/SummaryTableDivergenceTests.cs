using Nona.Host.Cli;
using Nona.Host.Output;
using Nona.Host.Protocol;
using Spectre.Console;
using Xunit;

namespace Nona.Tests.Output;

/// <summary>summary.md and the console table of a run where a method diverged (NaN rows).</summary>
public sealed class SummaryTableDivergenceTests
{
    // Test MSE × 10³: dense 10–14, nona lower (5–9) but NaN on split 2, knn NaN everywhere.
    private static readonly List<ResultRow> Rows =
    [
        .. Enumerable.Range(0, 5).Select(s => Row("d", "dense", s, 10 + s)),
        .. Enumerable.Range(0, 5).Select(s => Row("d", "nona", s, s == 2 ? double.NaN : 5 + s)),
        .. Enumerable.Range(0, 5).Select(s => Row("d", "knn", s, double.NaN)),
    ];

    [Fact]
    public void A_cell_averages_the_finite_splits_and_counts_the_diverged_ones()
    {
        var summary = SummaryTable.From(Rows);
        var nona = summary.Cells[("d", "nona")];
        Assert.Equal((5 + 6 + 8 + 9) / 4.0, nona.Mean, 9);
        Assert.Equal((5, 1), (nona.Splits, nona.Diverged));
        Assert.Equal("7.0 ± 1.8 (1/5 diverged)", summary.Text("d", "nona"));
        Assert.Equal("diverged (5/5)", summary.Text("d", "knn"));
        Assert.Equal("12.0 ± 1.6", summary.Text("d", "dense"));
    }

    [Fact]
    public void Best_ignores_cells_with_a_diverged_split()
    {
        var summary = SummaryTable.From(Rows);
        Assert.Equal("dense", summary.Best("d"));
        Assert.Null(SummaryTable.From([.. Rows.Where(r => r.Method != "dense")]).Best("d"));
    }

    [Fact]
    public void Markdown_shows_counts_and_a_footnote_and_never_NaN()
    {
        var markdown = SummaryTable.From(Rows).Markdown("t");
        Assert.Contains("| d | **12.0 ± 1.6** | 7.0 ± 1.8 (1/5 diverged) | diverged (5/5) |", markdown, StringComparison.Ordinal);
        Assert.Contains(SummaryTable.DivergedNote, markdown, StringComparison.Ordinal);
        AssertNoNonFiniteText(markdown);
        Assert.DoesNotContain("Diverged:", SummaryTable.From([.. Rows.Where(r => r.Method == "dense")]).Markdown("t"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_console_table_shows_counts_and_the_footnote()
    {
        using var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = 250;
        console.Write(SummaryRenderer.Table(SummaryTable.From(Rows), "t"));
        var text = output.ToString();
        Assert.Contains("7.0 ± 1.8 (1/5 diverged)", text, StringComparison.Ordinal);
        Assert.Contains("diverged (5/5)", text, StringComparison.Ordinal);
        Assert.Contains("Diverged: training met a non-finite loss", text, StringComparison.Ordinal);
        AssertNoNonFiniteText(text);
    }

    /// <summary>Fails when <paramref name="text"/> shows a non-finite number the way .NET formats one.</summary>
    internal static void AssertNoNonFiniteText(string text)
    {
        foreach (var bad in new[] { "NaN", "∞", "Infinity" })
            Assert.DoesNotContain(bad, text, StringComparison.Ordinal);
    }

    private static ResultRow Row(string dataset, string method, int split, double milli) =>
        new(dataset, method, split, milli / 1e3, milli / 1e3, milli);
}
