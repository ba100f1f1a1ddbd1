namespace Nona.Plugins.Heads.Regressors;

/// <summary>Per-feature standardisation with the fitting data's mean and (population) standard deviation.</summary>
internal static class Standardizer
{
    /// <summary>Mean and sd per column; a constant column gets sd 1 so it stays constant rather than NaN.</summary>
    public static (double[] Mean, double[] Scale) Fit(double[][] x)
    {
        var width = x[0].Length;
        var mean = new double[width];
        var scale = new double[width];
        for (var j = 0; j < width; j++)
        {
            mean[j] = x.Average(r => r[j]);
            var variance = x.Average(r => (r[j] - mean[j]) * (r[j] - mean[j]));
            scale[j] = variance > 0 ? Math.Sqrt(variance) : 1.0;
        }

        return (mean, scale);
    }

    /// <summary>Mean 0 and scale 1: no change.</summary>
    public static (double[] Mean, double[] Scale) Identity(int width) => (new double[width], Enumerable.Repeat(1.0, width).ToArray());

    /// <summary>(x − mean) / scale, row by row.</summary>
    public static double[][] Apply(double[][] x, double[] mean, double[] scale) =>
        [.. x.Select(r => r.Select((v, j) => (v - mean[j]) / scale[j]).ToArray())];
}
