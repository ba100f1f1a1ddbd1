namespace Nona.Host.Reports.Embedding;

/// <summary>
/// UMAP's low-dimensional similarity 1 / (1 + a·d^(2b)), with a and b fitted (least squares, as umap-learn's
/// find_ab_params with scipy's curve_fit) to the offset exponential that is 1 up to min_dist and
/// exp(−(d − min_dist) / spread) beyond, on 300 evenly spaced distances in [0, 3·spread].
/// </summary>
internal static class CurveParameters
{
    private const int Samples = 300;
    private const int MaxIterations = 500;

    /// <summary>The fitted (a, b); about (1.577, 0.895) for spread 1 and min_dist 0.1.</summary>
    public static (double A, double B) Fit(double spread, double minDist)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(spread);
        ArgumentOutOfRangeException.ThrowIfNegative(minDist);
        var x = new double[Samples];
        var y = new double[Samples];
        for (var i = 0; i < Samples; i++)
        {
            x[i] = 3.0 * spread * i / (Samples - 1);
            y[i] = x[i] < minDist ? 1.0 : Math.Exp(-(x[i] - minDist) / spread);
        }

        return LevenbergMarquardt(x, y);
    }

    // Levenberg–Marquardt from curve_fit's start (1, 1), with the analytic Jacobian and Marquardt's diagonal scaling.
    private static (double A, double B) LevenbergMarquardt(double[] x, double[] y)
    {
        double a = 1.0, b = 1.0, lambda = 1e-3;
        var cost = Cost(x, y, a, b);
        for (var iteration = 0; iteration < MaxIterations; iteration++)
        {
            // Normal equations JᵀJ·δ = Jᵀr for the residuals r = y − f(x; a, b).
            double jaa = 0, jab = 0, jbb = 0, ga = 0, gb = 0;
            for (var i = 0; i < x.Length; i++)
            {
                var (f, dfa, dfb) = Curve(x[i], a, b);
                var r = y[i] - f;
                jaa += dfa * dfa;
                jab += dfa * dfb;
                jbb += dfb * dfb;
                ga += dfa * r;
                gb += dfb * r;
            }

            var improved = false;
            while (lambda < 1e12)
            {
                var maa = jaa * (1 + lambda);
                var mbb = jbb * (1 + lambda);
                var det = (maa * mbb) - (jab * jab);
                var stepA = ((mbb * ga) - (jab * gb)) / det;
                var stepB = ((maa * gb) - (jab * ga)) / det;
                var trialCost = Cost(x, y, a + stepA, b + stepB);
                if (double.IsFinite(trialCost) && trialCost < cost)
                {
                    var converged = cost - trialCost <= 1e-15 * cost
                        && Math.Abs(stepA) <= 1e-12 * Math.Abs(a) && Math.Abs(stepB) <= 1e-12 * Math.Abs(b);
                    a += stepA;
                    b += stepB;
                    cost = trialCost;
                    lambda = Math.Max(lambda / 10, 1e-12);
                    improved = !converged;
                    break;
                }

                lambda *= 10;
            }

            // No step lowers the cost any more (or the last one was negligible): at the minimum to rounding.
            if (!improved)
                break;
        }

        return (a, b);
    }

    private static double Cost(double[] x, double[] y, double a, double b)
    {
        var sum = 0.0;
        for (var i = 0; i < x.Length; i++)
        {
            var r = y[i] - Curve(x[i], a, b).F;
            sum += r * r;
        }

        return sum;
    }

    // f = 1 / (1 + a·x^(2b)) and its partial derivatives; at x = 0, x^(2b)·ln x → 0 (b > 0), so ∂f/∂b = 0 there.
    private static (double F, double DfDa, double DfDb) Curve(double x, double a, double b)
    {
        if (x == 0.0)
            return (1.0, 0.0, 0.0);
        var power = Math.Pow(x, 2 * b);
        var denominator = 1 + (a * power);
        var f = 1 / denominator;
        var dfa = -power * f * f;
        return (f, dfa, dfa * a * 2 * Math.Log(x));
    }
}
