using MathNet.Numerics.LinearAlgebra;

namespace Nona.Host.Reports.Embedding;

/// <summary>Principal component analysis, the linear baseline next to UMAP's maps.</summary>
public static class Pca
{
    /// <summary>
    /// The centred data projected on the top <paramref name="components"/> eigenvectors of its covariance matrix,
    /// largest variance first (the same numbers as sklearn's PCA.transform up to each component's sign). Signs are
    /// fixed so that each component's largest-|value| loading is positive (ties: the first feature), so a map never
    /// flips between runs or machines. Cost: O(n·d²) for the covariance plus O(d³) for its decomposition.
    /// </summary>
    public static double[][] Project(double[][] data, int components = 2)
    {
        if (data.Length == 0)
            throw new ArgumentException("PCA needs at least one point.", nameof(data));
        var features = data[0].Length;
        if (data.Any(row => row.Length != features))
            throw new ArgumentException("Every point needs the same number of features.", nameof(data));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(components);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(components, features);

        var n = data.Length;
        var mean = new double[features];
        foreach (var row in data)
        {
            for (var f = 0; f < features; f++)
                mean[f] += row[f];
        }

        for (var f = 0; f < features; f++)
            mean[f] /= n;
        var centred = data.Select(row => row.Select((v, f) => v - mean[f]).ToArray()).ToArray();

        // The scale of the covariance (n − 1, as sklearn) does not change the eigenvectors; n = 1 would divide by 0.
        var sums = new double[features * features];
        foreach (var row in centred)
        {
            for (var f = 0; f < features; f++)
            {
                var value = row[f];
                for (var g = f; g < features; g++)
                    sums[(f * features) + g] += value * row[g];
            }
        }

        var divisor = Math.Max(1, n - 1);
        var covariance = Matrix<double>.Build.Dense(features, features, (f, g) => sums[(Math.Min(f, g) * features) + Math.Max(f, g)] / divisor);
        var evd = covariance.Evd(Symmetricity.Symmetric);
        var order = Enumerable.Range(0, features).OrderByDescending(i => evd.EigenValues[i].Real).ThenBy(i => i).Take(components).ToArray();
        var loadings = order.Select(i => SignNormalised(evd.EigenVectors.Column(i).ToArray())).ToArray();
        return [.. centred.Select(row => loadings.Select(loading => Dot(row, loading)).ToArray())];
    }

    private static double[] SignNormalised(double[] loading)
    {
        var pivot = 0;
        for (var f = 1; f < loading.Length; f++)
        {
            if (Math.Abs(loading[f]) > Math.Abs(loading[pivot]))
                pivot = f;
        }

        return loading[pivot] < 0 ? [.. loading.Select(v => -v)] : loading;
    }

    private static double Dot(double[] x, double[] y)
    {
        var sum = 0.0;
        for (var i = 0; i < x.Length; i++)
            sum += x[i] * y[i];
        return sum;
    }
}
