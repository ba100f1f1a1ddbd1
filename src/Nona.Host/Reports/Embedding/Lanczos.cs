using MathNet.Numerics.LinearAlgebra;

namespace Nona.Host.Reports.Embedding;

/// <summary>
/// The largest eigenpairs of a symmetric operator given only as a matrix–vector product, by the Lanczos iteration
/// with full reorthogonalisation. Used for UMAP's spectral initialisation, where the operator is sparse and only two
/// or three eigenvectors are wanted: this keeps the cost at O(iterations · (edges + iterations · n)) instead of a
/// dense O(n³) decomposition, and it is plain managed arithmetic, so the same input gives the same bits.
/// </summary>
internal static class Lanczos
{
    // How often the small tridiagonal problem is solved to test convergence (it costs O(m³)).
    private const int CheckEvery = 10;

    /// <summary>
    /// Up to <paramref name="count"/> eigenpairs of the largest eigenvalues, largest first, in the subspace orthogonal
    /// to the unit vector <paramref name="deflate"/> (a known eigenvector). Stops when every wanted Ritz pair's
    /// residual ‖Av − θv‖ is below <paramref name="tolerance"/>, when the Krylov space is exhausted, or after
    /// <paramref name="maxIterations"/> steps (then the Ritz pairs are returned as they are, an approximation).
    /// Returns null when the space orthogonal to <paramref name="deflate"/> has fewer than count dimensions.
    /// </summary>
    public static (double[] Values, double[][] Vectors, bool Converged)? Largest(
        Action<double[], double[]> multiply, double[] deflate, double[] start, int count, int maxIterations, double tolerance)
    {
        var n = start.Length;
        var basis = new List<double[]>();
        var alphas = new List<double>();
        var betas = new List<double>();
        var q = (double[])start.Clone();
        Orthogonalise(q, deflate, basis);
        if (!Normalise(q))
            return null;
        var w = new double[n];
        (double[] Values, double[][] Coefficients, bool Converged)? ritz = null;
        for (var j = 0; j < Math.Min(maxIterations, n - 1); j++)
        {
            basis.Add(q);
            multiply(q, w);
            var alpha = Dot(w, q);
            alphas.Add(alpha);
            for (var i = 0; i < n; i++)
                w[i] -= alpha * q[i];
            if (j > 0)
            {
                var previous = basis[j - 1];
                for (var i = 0; i < n; i++)
                    w[i] -= betas[j - 1] * previous[i];
            }

            // Full reorthogonalisation (twice is enough, Kahan–Parlett): without it the basis loses orthogonality as
            // Ritz values converge and ghost copies of the wanted eigenvalues appear.
            Orthogonalise(w, deflate, basis);
            Orthogonalise(w, deflate, basis);
            var beta = Math.Sqrt(Dot(w, w));
            betas.Add(beta);
            var exhausted = beta <= 1e-12 * Math.Max(1.0, Math.Abs(alpha));
            var size = j + 1;
            if (size >= count && (exhausted || size % CheckEvery == 0 || size == Math.Min(maxIterations, n - 1)))
            {
                ritz = RitzPairs(alphas, betas, count, tolerance);
                if (ritz.Value.Converged || exhausted)
                    break;
            }

            if (exhausted)
                break;
            q = new double[n];
            for (var i = 0; i < n; i++)
                q[i] = w[i] / beta;
        }

        if (ritz is null)
            return null;
        var (values, coefficients, converged) = ritz.Value;
        var vectors = new double[count][];
        for (var c = 0; c < count; c++)
        {
            vectors[c] = new double[n];
            for (var b = 0; b < coefficients[c].Length; b++)
            {
                var weight = coefficients[c][b];
                var vector = basis[b];
                for (var i = 0; i < n; i++)
                    vectors[c][i] += weight * vector[i];
            }
        }

        return (values, vectors, converged);
    }

    // Eigenpairs of the tridiagonal T (diagonal α, off-diagonal β); the residual of Ritz pair s is |β_m · s_m|.
    private static (double[] Values, double[][] Coefficients, bool Converged) RitzPairs(
        List<double> alphas, List<double> betas, int count, double tolerance)
    {
        var m = alphas.Count;
        var t = Matrix<double>.Build.Dense(m, m);
        for (var i = 0; i < m; i++)
        {
            t[i, i] = alphas[i];
            if (i + 1 < m)
            {
                t[i, i + 1] = betas[i];
                t[i + 1, i] = betas[i];
            }
        }

        var evd = t.Evd(Symmetricity.Symmetric);
        var order = Enumerable.Range(0, m).OrderByDescending(i => evd.EigenValues[i].Real).ThenBy(i => i).Take(count).ToArray();
        var values = order.Select(i => evd.EigenValues[i].Real).ToArray();
        var coefficients = order.Select(i => evd.EigenVectors.Column(i).ToArray()).ToArray();
        var converged = coefficients.All(s => Math.Abs(betas[m - 1] * s[m - 1]) <= tolerance);
        return (values, coefficients, converged);
    }

    private static void Orthogonalise(double[] w, double[] deflate, List<double[]> basis)
    {
        Subtract(w, deflate);
        foreach (var vector in basis)
            Subtract(w, vector);
    }

    private static void Subtract(double[] w, double[] unit)
    {
        var projection = Dot(w, unit);
        for (var i = 0; i < w.Length; i++)
            w[i] -= projection * unit[i];
    }

    private static bool Normalise(double[] v)
    {
        var norm = Math.Sqrt(Dot(v, v));
        if (!(norm > 1e-12))
            return false;
        for (var i = 0; i < v.Length; i++)
            v[i] /= norm;
        return true;
    }

    private static double Dot(double[] x, double[] y)
    {
        var sum = 0.0;
        for (var i = 0; i < x.Length; i++)
            sum += x[i] * y[i];
        return sum;
    }
}
