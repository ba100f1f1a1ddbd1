using Nona.Host.Output;
using Nona.Host.Protocol;
using Nona.Host.Reports;
using Nona.Tests.Output;
using Xunit;

namespace Nona.Tests.Reports;

/// <summary>Friedman, Nemenyi, the CD diagram and the reductions when a method diverged (NaN rows).</summary>
public sealed class DivergedStatisticsTests
{
    // Four datasets × two splits; nona diverges on one split of "b", knn on some split of every dataset.
    private static readonly List<ResultRow> Rows = Build();

    [Fact]
    public void The_test_uses_complete_blocks_only_and_says_what_it_left_out()
    {
        var comparison = MethodComparison.From(SummaryTable.From(Rows));
        Assert.Equal(["dense", "linear", "nona"], comparison.Methods);
        Assert.Equal(["a", "c", "d"], comparison.Blocks);
        Assert.Equal([("knn", "diverged on at least one split of every dataset")], comparison.LeftOutMethods);
        Assert.Equal([("b", "nona diverged on 1/2 split(s)")], comparison.LeftOutBlocks);
        var friedman = comparison.Friedman!;
        Assert.Equal((3, 3), (friedman.Datasets, friedman.Methods));
        Assert.Equal([3.0, 2.0, 1.0], friedman.AverageRanks);
        Assert.True(double.IsFinite(comparison.CriticalDifference));
    }

    [Fact]
    public void Reductions_and_their_median_skip_diverged_cells()
    {
        var comparison = MethodComparison.From(SummaryTable.From(Rows));
        Assert.True(double.IsNaN(comparison.Reduction("b", "nona")));
        Assert.True(comparison.ReductionDiverged("b", "nona"));
        Assert.Equal(50, comparison.Reduction("a", "nona"), 9);
        Assert.Equal(50, comparison.MedianReduction("nona"), 9);
        Assert.True(double.IsNaN(comparison.MedianReduction("knn")));
    }

    [Fact]
    public void The_report_renders_without_non_finite_text_and_names_the_divergence()
    {
        var document = ReportBuilder.Build("t", Rows, ["run"]);
        var markdown = document.Markdown();
        var html = document.Html("t");
        SummaryTableDivergenceTests.AssertNoNonFiniteText(markdown);
        SummaryTableDivergenceTests.AssertNoNonFiniteText(html);
        Assert.Contains("Left out: method knn (diverged on at least one split of every dataset); dataset b (nona diverged on 1/2 split(s)).", markdown, StringComparison.Ordinal);
        Assert.Contains("(1/2 diverged)", markdown, StringComparison.Ordinal);
        Assert.Contains("| b | +25.0 % | diverged | diverged |", markdown, StringComparison.Ordinal);
        Assert.Contains(document.Figures, f => f.FileName == "cd-diagram.png" && f.Png.Length > 0);
    }

    [Fact]
    public void Every_method_diverged_somewhere_leaves_no_test_and_no_best_without_throwing()
    {
        List<ResultRow> rows = [.. Rows.Select(r => r.Split == 1 ? r with { MseScaled = double.NaN } : r)];
        var document = ReportBuilder.Build("t", rows, ["run"]);
        var markdown = document.Markdown();
        SummaryTableDivergenceTests.AssertNoNonFiniteText(markdown);
        Assert.Contains("Needs at least 2 datasets and 3 methods", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("**", markdown, StringComparison.Ordinal);
    }

    private static List<ResultRow> Build()
    {
        // Per dataset, test MSE × 10³: dense 20, linear 15, nona 10 (nona best everywhere); knn NaN on split 0.
        var rows = new List<ResultRow>();
        foreach (var dataset in new[] { "a", "b", "c", "d" })
        {
            for (var split = 0; split < 2; split++)
            {
                rows.Add(Row(dataset, "dense", split, 20));
                rows.Add(Row(dataset, "linear", split, 15 + split - 0.5));
                rows.Add(Row(dataset, "nona", split, dataset == "b" && split == 1 ? double.NaN : 10));
                rows.Add(Row(dataset, "knn", split, split == 0 ? double.NaN : 12));
            }
        }

        return rows;
    }

    private static ResultRow Row(string dataset, string method, int split, double milli) =>
        new(dataset, method, split, milli / 1e3, milli / 1e3, milli);
}
