using Nona.Abstractions;
using Nona.Host.Output;
using Nona.Tests.Support;
using Xunit;

namespace Nona.Tests.Output;

/// <summary>surfaces.png with a diverged method's NaN and ±∞ predictions.</summary>
public sealed class SurfacePlotTests
{
    [Fact]
    public void A_surface_of_non_finite_predictions_still_renders()
    {
        var data = new DatasetData
        {
            Name = "spiral",
            Inputs = new VectorInputs([[0.5, -0.5], [-0.5, 0.5], [0, 0]]),
            Labels = [0, 1, 0.5],
        };
        var panels = new SurfacePanels("spiral", data);
        panels.Add("dense", grid => [.. Enumerable.Range(0, SurfacePanels.Resolution * SurfacePanels.Resolution).Select(i => (i % 7) / 7.0)]);
        panels.Add("linear", grid => [.. Enumerable.Range(0, SurfacePanels.Resolution * SurfacePanels.Resolution).Select(i => i % 2 == 0 ? double.NaN : 0.5)]);
        panels.Add("nona", grid => [.. Enumerable.Range(0, SurfacePanels.Resolution * SurfacePanels.Resolution).Select(i => (i % 3) switch { 0 => double.NaN, 1 => double.PositiveInfinity, _ => double.NegativeInfinity })]);

        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "surfaces.png");
        SurfacePlot.Save(path, [panels]);
        Assert.Equal([0x89, 0x50, 0x4E, 0x47], File.ReadAllBytes(path)[..4]);
        Assert.True(double.IsPositiveInfinity(panels.Surfaces[2].Values[0, 1])); // the kept surface is not rewritten
    }
}
