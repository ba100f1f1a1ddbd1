using System.Globalization;
using Nona.Abstractions;

namespace Nona.Plugins.Heads.Regressors;

/// <summary>The linear regressor has no options.</summary>
public sealed class LinearOptions
{
}

/// <summary>Ordinary least squares with an intercept: the paper's "LR" baseline on raw inputs.</summary>
[NonaPlugin("linear", PluginKind.Regressor, Description = "least squares with intercept (the paper's LR baseline)")]
public sealed class LinearRegressorFactory : PluginFactory<LinearOptions, IRegressor>
{
    /// <inheritdoc />
    protected override IRegressor Create(LinearOptions options, PluginContext context) => new LinearRegressor();
}

/// <summary>Solves the normal equations (XᵀX) w = Xᵀy by Gaussian elimination with partial pivoting.</summary>
public sealed class LinearRegressor : IRegressor
{
    private double[] weights = [];

    /// <inheritdoc />
    public void Fit(double[][] x, double[] y)
    {
        var width = x[0].Length + 1; // the last column is the intercept
        var gram = new double[width, width + 1];
        for (var n = 0; n < x.Length; n++)
        {
            for (var i = 0; i < width; i++)
            {
                var xi = i < width - 1 ? x[n][i] : 1.0;
                for (var j = 0; j < width; j++)
                    gram[i, j] += xi * (j < width - 1 ? x[n][j] : 1.0);
                gram[i, width] += xi * y[n];
            }
        }

        weights = Solve(gram, width);
    }

    /// <inheritdoc />
    public double[] Predict(double[][] x) =>
        [.. x.Select(r => r.Select((v, j) => v * weights[j]).Sum() + weights[^1])];

    /// <inheritdoc />
    public string Describe() =>
        "w=[" + string.Join(", ", weights.Select(w => w.ToString("G6", CultureInfo.InvariantCulture))) + "]";

    private static double[] Solve(double[,] augmented, int n)
    {
        for (var col = 0; col < n; col++)
        {
            var pivot = col;
            for (var row = col + 1; row < n; row++)
            {
                if (Math.Abs(augmented[row, col]) > Math.Abs(augmented[pivot, col]))
                    pivot = row;
            }

            for (var j = 0; j <= n; j++)
                (augmented[col, j], augmented[pivot, j]) = (augmented[pivot, j], augmented[col, j]);

            // A singular system (a constant or duplicated feature) gets that weight 0 instead of NaN.
            if (Math.Abs(augmented[col, col]) < 1e-12)
                continue;
            for (var row = 0; row < n; row++)
            {
                if (row == col)
                    continue;
                var factor = augmented[row, col] / augmented[col, col];
                for (var j = col; j <= n; j++)
                    augmented[row, j] -= factor * augmented[col, j];
            }
        }

        var result = new double[n];
        for (var i = 0; i < n; i++)
            result[i] = Math.Abs(augmented[i, i]) < 1e-12 ? 0 : augmented[i, n] / augmented[i, i];
        return result;
    }
}
