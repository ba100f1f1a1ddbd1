using System.Text.Json;
using Nona.Host.Output;
using Xunit;

namespace Nona.Tests.Output;

/// <summary>run.json, model.json and sweep.json survive a diverged method's NaN and ±∞.</summary>
public sealed class JsonNonFiniteTests
{
    private static readonly object Diverged = new
    {
        val_mse_scaled = double.NaN,
        mse_scaled = double.PositiveInfinity,
        mse = (double?)double.NegativeInfinity,
        loss = float.NaN,
        missing = (double?)null,
        fine = 0.25,
        values = new[] { 1.5, double.NaN },
    };

    [Fact]
    public void Default_options_throw_on_non_finite_numbers()
    {
        var plain = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
        Assert.Throws<ArgumentException>(() => JsonSerializer.Serialize(Diverged, plain));
    }

    [Fact]
    public void Run_json_options_write_non_finite_numbers_as_null()
    {
        using var json = JsonDocument.Parse(JsonSerializer.Serialize(Diverged, RunInfo.JsonOptions));
        var root = json.RootElement;
        foreach (var name in new[] { "val_mse_scaled", "mse_scaled", "mse", "loss", "missing" })
            Assert.Equal(JsonValueKind.Null, root.GetProperty(name).ValueKind);
        Assert.Equal(0.25, root.GetProperty("fine").GetDouble());
        Assert.Equal(1.5, root.GetProperty("values")[0].GetDouble());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("values")[1].ValueKind);
    }

    [Fact]
    public void Null_reads_back_as_NaN()
    {
        var values = JsonSerializer.Deserialize<double[]>("[null, 2.5]", RunInfo.JsonOptions)!;
        Assert.True(double.IsNaN(values[0]));
        Assert.Equal(2.5, values[1]);
    }
}
