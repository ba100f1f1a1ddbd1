using System.Globalization;
using Nona.Tests.Output;
using Nona.Tests.Support;
using Xunit;

namespace Nona.Tests.Reports;

/// <summary><c>nona report</c> over a results.csv where one method diverged on one split.</summary>
public sealed class DivergedReportCommandTests
{
    [Fact]
    public void A_NaN_row_gives_a_report_that_counts_it_and_shows_no_NaN()
    {
        using var folder = new TempFolder();
        var lines = new List<string> { "dataset,method,split,val_mse_scaled,mse_scaled,mse" };
        string[] methods = ["dense", "dense+knn", "nona", "nona+knn"];
        foreach (var dataset in new[] { "a", "b", "c" })
        {
            for (var split = 0; split < 3; split++)
            {
                for (var m = 0; m < methods.Length; m++)
                {
                    var value = dataset == "b" && methods[m] == "nona" && split == 1
                        ? "NaN"
                        : ((20 - (4 * m) + split + dataset[0] - 'a') / 1000.0).ToString("R", CultureInfo.InvariantCulture);
                    lines.Add($"{dataset},{methods[m]},{split},{value},{value},{value}");
                }
            }
        }

        var run = Path.GetDirectoryName(folder.Write("run/results.csv", string.Join('\n', lines) + "\n"))!;
        var output = Path.Combine(folder.Path, "report");
        var (code, _, errors) = Cli.Run("report", run, "--out", output);
        Assert.True(code == 0, errors);

        var markdown = File.ReadAllText(Path.Combine(output, "report.md"));
        var html = File.ReadAllText(Path.Combine(output, "report.html"));
        SummaryTableDivergenceTests.AssertNoNonFiniteText(markdown);
        SummaryTableDivergenceTests.AssertNoNonFiniteText(html);
        Assert.Contains("(1/3 diverged)", markdown, StringComparison.Ordinal);
        Assert.Contains("(1/3 diverged)", html, StringComparison.Ordinal);
        Assert.Contains("dataset b (nona diverged on 1/3 split(s))", markdown, StringComparison.Ordinal);
        Assert.Contains("N = 2 datasets", markdown, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(output, "cd-diagram.png")));
    }
}
