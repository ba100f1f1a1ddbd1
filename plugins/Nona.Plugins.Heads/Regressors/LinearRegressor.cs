using System.Globalization;
using System.Text;
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
    private static readonly byte[] Magic = Encoding.ASCII.GetBytes("NONA-LIN");
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

    /// <inheritdoc />
    /// <remarks>Format: <c>NONA-LIN</c>, version 1 (int32), the weight count (int32), the weights (float64), the last one the intercept.</remarks>
    public void Save(Stream stream)
    {
        if (weights.Length == 0)
            throw new InvalidOperationException("linear: Save before Fit");
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(1);
        writer.Write(weights.Length);
        foreach (var w in weights)
            writer.Write(w);
    }

    /// <inheritdoc />
    public void Load(Stream stream)
    {
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        if (!reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
            throw new InvalidDataException("not a linear regressor file (no NONA-LIN header)");
        if (reader.ReadInt32() is var version && version != 1)
            throw new InvalidDataException($"linear regressor file version {version}; this build reads version 1");
        var count = reader.ReadInt32();
        if (count < 1)
            throw new InvalidDataException($"linear regressor file: {count} weights");
        var read = new double[count];
        for (var i = 0; i < count; i++)
            read[i] = reader.ReadDouble();
        weights = read;
    }

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
