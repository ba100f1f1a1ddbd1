using MathNet.Numerics;
using MathNet.Numerics.Integration;
using MathNet.Numerics.RootFinding;

namespace Nona.Host.Reports.Statistics;

/// <summary>
/// The studentized range distribution with infinite degrees of freedom: the range of k independent standard normals.
/// The Nemenyi test compares mean ranks, whose variance is known, so it needs this limit and not the finite-df case.
/// </summary>
public static class StudentizedRange
{
    // Beyond |z| = 9 the weight φ(z) is below 1e-18 and the bracket [...] is at most 1, so the tails add nothing.
    private const double Limit = 9.0;
    private const double PanelWidth = 0.5;

    // 20-point Gauss–Legendre on 36 panels of width 0.5: the integrand is analytic with features no narrower than ~0.3
    // (for k up to a few hundred), so the rule is exact to rounding; a fixed rule keeps Cdf smooth and monotone in q,
    // which the root finder in Quantile relies on.
    private static readonly GaussLegendreRule Rule = new(-1, 1, 20);

    /// <summary>P(Q_k ≤ q) = k ∫ φ(z) [Φ(z) − Φ(z − q)]^(k − 1) dz, to about 1e-14 absolute.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> below 2, or <paramref name="q"/> is NaN.</exception>
    public static double Cdf(double q, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 2);
        if (double.IsNaN(q))
        {
            throw new ArgumentOutOfRangeException(nameof(q), "q is NaN.");
        }

        if (q <= 0)
        {
            return 0;
        }

        if (double.IsPositiveInfinity(q))
        {
            return 1;
        }

        double sum = 0;
        var half = PanelWidth / 2;
        for (var left = -Limit; left < Limit - 1e-9; left += PanelWidth)
        {
            var middle = left + half;
            for (var i = 0; i < Rule.Order; i++)
            {
                var z = middle + (half * Rule.Abscissas[i]);
                sum += Rule.Weights[i] * half * Integrand(z, q, k);
            }
        }

        return Math.Clamp(k * sum, 0, 1);
    }

    /// <summary>The q with <see cref="Cdf"/>(q, k) = <paramref name="p"/>, to about 1e-12.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> outside (0, 1), or <paramref name="k"/> below 2.</exception>
    public static double Quantile(double p, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 2);
        if (!(p > 0 && p < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "The probability must lie strictly between 0 and 1.");
        }

        // Bracket by doubling: Cdf is 0 at q = 0 and increases to 1, so some finite upper end exceeds p.
        double lower = 0, upper = 1;
        while (Cdf(upper, k) < p)
        {
            lower = upper;
            upper *= 2;
            if (upper > 1e3)
            {
                throw new ArgumentOutOfRangeException(nameof(p), p, "The probability is too close to 1 to invert.");
            }
        }

        return Brent.FindRoot(q => Cdf(q, k) - p, lower, upper, 1e-12, 200);
    }

    private static double Integrand(double z, double q, int k)
    {
        // Φ(z) − Φ(z − q) from whichever tails are small, so the difference keeps its digits at both ends.
        var inner = z <= q / 2
            ? 0.5 * (SpecialFunctions.Erfc(-z / Constants.Sqrt2) - SpecialFunctions.Erfc(-(z - q) / Constants.Sqrt2))
            : 0.5 * (SpecialFunctions.Erfc((z - q) / Constants.Sqrt2) - SpecialFunctions.Erfc(z / Constants.Sqrt2));
        var density = Math.Exp(-0.5 * z * z) / Constants.Sqrt2Pi;
        return density * Math.Pow(inner, k - 1);
    }
}
