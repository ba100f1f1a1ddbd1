using Nona.Abstractions;
using Nona.Host.Reports;
using Nona.Tests.Support;
using Xunit;

namespace Nona.Tests.Output;

/// <summary>results.csv rows of a diverged method (NaN errors) read back as NaN.</summary>
public sealed class ResultsReaderTests
{
    [Fact]
    public void NaN_and_infinite_errors_read_back_as_NaN()
    {
        using var folder = new TempFolder();
        folder.Write("results.csv", "dataset,method,split,val_mse_scaled,mse_scaled,mse\nd,dense,0,0.5,0.25,2\nd,nona,0,NaN,NaN,NaN\nd,nona,1,Infinity,-Infinity,NaN\n");
        var rows = ResultsReader.Read([folder.Path]);
        Assert.Equal(3, rows.Count);
        Assert.Equal((0.5, 0.25, 2.0), (rows[0].ValMseScaled, rows[0].MseScaled, rows[0].Mse));
        Assert.All(rows.Skip(1), r => Assert.True(double.IsNaN(r.ValMseScaled) && double.IsNaN(r.MseScaled) && double.IsNaN(r.Mse)));
    }

    [Fact]
    public void A_value_that_is_not_a_number_is_still_an_error_naming_the_line_and_column()
    {
        using var folder = new TempFolder();
        folder.Write("results.csv", "dataset,method,split,val_mse_scaled,mse_scaled,mse\nd,dense,0,0.5,oops,2\n");
        var error = Assert.ThrowsAny<NonaException>(() => ResultsReader.Read([folder.Path]));
        Assert.Contains("results.csv:2: column 'mse_scaled'", error.Message, StringComparison.Ordinal);
    }
}
