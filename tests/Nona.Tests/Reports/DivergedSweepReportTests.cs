using Nona.Host.Sweeps;
using Nona.Tests.Output;
using Nona.Tests.Support;
using Xunit;

namespace Nona.Tests.Reports;

/// <summary>A sweep configuration whose selecting method diverged shows "diverged" in the sweep report.</summary>
public sealed class DivergedSweepReportTests
{
    [Fact]
    public void A_configuration_with_a_non_finite_mean_is_shown_as_diverged()
    {
        using var folder = new TempFolder();
        folder.Write("configs/cfg-good/results.csv", "dataset,method,split,val_mse_scaled,mse_scaled,mse\nd,nona,0,0.004,0.005,0.5\n");
        folder.Write("configs/cfg-bad/results.csv", "dataset,method,split,val_mse_scaled,mse_scaled,mse\nd,nona,0,NaN,NaN,NaN\n");

        // As SweepRunner writes it through RunInfo.JsonOptions: a NaN mean is null; "NaN" is what a named-literal writer gives.
        folder.Write("sweep.json", """
            {
              "mode": "grid", "select_method": "nona",
              "stages": [{ "key": "grid", "winner": "lr=0.01", "results": [
                { "overrides": ["lr=0.01"], "value": "0.01", "folder": "cfg-good", "val_mse_scaled": 0.004, "mse_scaled": 0.005 },
                { "overrides": ["lr=10"], "value": "10", "folder": "cfg-bad", "val_mse_scaled": null, "mse_scaled": null },
                { "overrides": ["lr=20"], "value": "20", "folder": "cfg-bad", "val_mse_scaled": "NaN", "mse_scaled": "NaN" } ] }],
              "chosen": { "overrides": ["lr=0.01"], "value": "0.01", "folder": "cfg-good", "val_mse_scaled": 0.004, "mse_scaled": 0.005 }
            }
            """);
        var markdown = SweepReport.Build("t", folder.Path).Markdown();
        Assert.Contains("| **lr=0.01** | **4.00** | 5.00 | cfg-good |", markdown, StringComparison.Ordinal);
        Assert.Contains("| lr=10 | diverged | diverged | cfg-bad |", markdown, StringComparison.Ordinal);
        Assert.Contains("| lr=20 | diverged | diverged | cfg-bad |", markdown, StringComparison.Ordinal);
        SummaryTableDivergenceTests.AssertNoNonFiniteText(markdown);
    }
}
