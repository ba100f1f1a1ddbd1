using System.Globalization;
using Nona.Tests.Support;
using Xunit;

namespace Nona.Tests.Reports;

/// <summary><c>nona report</c> over results.csv files, as a user merges runs.</summary>
public sealed class ReportCommandTests
{
    // The paper's Table 1 means (MSE × 10³: dense, dense+k-NN, NONA, NONA+k-NN) as printed, except COUGHVID NONA+k-NN
    // = 23.21 and Books NONA = 7.481, which break two printed ties the one way that reproduces Figure 5.
    private static readonly (string Dataset, double[] Means)[] TableOne =
    [
        ("RSNA", [5.12, 5.56, 4.13, 4.03]), ("MedSegBench", [6.69, 7.37, 4.02, 2.38]), ("ADReSSo", [96.2, 41.3, 28.0, 24.8]),
        ("CoughVid", [39.7, 23.2, 21.2, 23.21]), ("NoseMic", [7.96, 7.23, 6.01, 5.89]), ("Udacity", [0.435, 0.732, 0.358, 0.239]),
        ("Pitchfork", [69.6, 14.8, 10.2, 10.5]), ("Houses", [303, 20.0, 13.2, 14.7]), ("Books", [8.33, 7.96, 7.481, 7.48]),
        ("Austin", [2.29, 2.26, 2.05, 2.06]),
    ];

    private static readonly string[] Methods = ["dense", "dense+knn", "nona", "nona+knn"];

    [Fact]
    public void Table_1_through_nona_report_reproduces_Figure_5_and_the_median_reduction()
    {
        using var folder = new TempFolder();
        var run = WriteResults(folder, "table1", TableOne);
        var (code, _, errors) = Cli.Run("report", run);
        Assert.True(code == 0, errors);

        var report = File.ReadAllText(Path.Combine(run, "report.md"));
        Assert.Contains("Friedman χ² = 22.44 (df 3), p = 5.3E-05", report, StringComparison.Ordinal);
        Assert.Contains("CD = 1.483", report, StringComparison.Ordinal);
        Assert.Contains("| dense | – | 0.8224 | **0.0016** | **0.0008** |", report, StringComparison.Ordinal);
        Assert.Contains("| dense+knn | 0.8224 | – | **0.0286** | **0.0171** |", report, StringComparison.Ordinal);
        Assert.Contains("| nona | **0.0016** | **0.0286** | – | 0.9982 |", report, StringComparison.Ordinal);
        Assert.Contains("| median | +6.8 % | +32.2 % | +43.3 % |", report, StringComparison.Ordinal);

        var html = File.ReadAllText(Path.Combine(run, "report.html"));
        Assert.Contains("<img alt=\"Critical-difference diagram\" src=\"data:image/png;base64,", html, StringComparison.Ordinal);
        Assert.DoesNotContain("cd-diagram.png\"", html, StringComparison.Ordinal); // self-contained: no file links
        Assert.Equal([0x89, 0x50, 0x4E, 0x47], File.ReadAllBytes(Path.Combine(run, "cd-diagram.png"))[..4]);
    }

    [Fact]
    public void Runs_of_different_datasets_merge_and_overlapping_runs_are_refused()
    {
        using var folder = new TempFolder();
        var first = WriteResults(folder, "a", TableOne[..5]);
        var second = WriteResults(folder, "b", TableOne[5..]);
        var merged = Path.Combine(folder.Path, "merged");
        Assert.Equal(0, Cli.Run("report", first, second, "--out", merged).Code);
        Assert.Contains("Friedman χ² = 22.44", File.ReadAllText(Path.Combine(merged, "report.md")), StringComparison.Ordinal);

        var overlap = WriteResults(folder, "c", TableOne[4..6]);
        var (code, _, errors) = Cli.Run("report", first, overlap, "--out", Path.Combine(folder.Path, "bad"));
        Assert.NotEqual(0, code);
        Assert.Contains("NoseMic / dense / split 0 is also in", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void Too_few_datasets_for_Friedman_is_said_not_computed()
    {
        using var folder = new TempFolder();
        var run = WriteResults(folder, "one", TableOne[..1]);
        Assert.Equal(0, Cli.Run("report", run).Code);
        Assert.Contains("Needs at least 2 datasets and 3 methods", File.ReadAllText(Path.Combine(run, "report.md")), StringComparison.Ordinal);
    }

    private static string WriteResults(TempFolder folder, string name, IEnumerable<(string Dataset, double[] Means)> table)
    {
        var lines = new List<string> { "dataset,method,split,val_mse_scaled,mse_scaled,mse" };
        foreach (var (dataset, means) in table)
        {
            for (var m = 0; m < Methods.Length; m++)
            {
                var value = (means[m] / 1000).ToString("R", CultureInfo.InvariantCulture);
                lines.Add($"{dataset},{Methods[m]},0,{value},{value},{value}");
            }
        }

        folder.Write(Path.Combine(name, "results.csv"), string.Join('\n', lines) + "\n");
        return Path.Combine(folder.Path, name);
    }
}
