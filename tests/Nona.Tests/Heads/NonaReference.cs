namespace Nona.Tests.Heads;

/// <summary>
/// An independent, loop-by-loop float64 implementation of docs/nona-spec (similarities, row normalisation, S1, S2,
/// NONA), written from the spec's formulas without TorchSharp, to check the modules against.
/// </summary>
internal static class NonaReference
{
    public static double Similarity(string kind, double[] a, double[] b) => kind switch
    {
        "l2" => -Math.Sqrt(a.Zip(b, (x, y) => (x - y) * (x - y)).Sum()),
        "l1" => -a.Zip(b, (x, y) => Math.Abs(x - y)).Sum(),
        "dot" => a.Zip(b, (x, y) => x * y).Sum() / a.Length,
        "cos" => a.Zip(b, (x, y) => x * y).Sum() / (Math.Max(Norm(a), 1e-12) * Math.Max(Norm(b), 1e-12)),
        _ => throw new ArgumentException(kind),
    };

    /// <summary>S̄ of one row; <paramref name="skip"/> is excluded from the min/max (−1: none).</summary>
    public static double[] Normalize(double[] row, int skip)
    {
        var kept = row.Where((_, j) => j != skip).ToArray();
        double min = kept.Min(), max = kept.Max();
        return [.. row.Select(v => max > min ? (v - min) / (max - min) : 1.0)];
    }

    public static double LogS2(double x, double b, double t, double eps) =>
        x < b ? t / (1 - t) * (b - x) * Math.Log(Math.Max(x, eps) / b) : 0.0;

    public static double LogS1(double x, double a, double b, double t)
    {
        if (x <= a)
            return double.NegativeInfinity;
        if (x >= b)
            return 0.0;
        var rise = Math.Pow(x - a, 1 / t);
        var fall = Math.Pow(b - x, 1 / t);
        return Math.Log(rise / (rise + fall));
    }

    /// <summary>NONA predictions with an optional mask: logMask(row S̄, query index) gives ln mask per column.</summary>
    public static double[] Predict(string kind, double[][] z, double[][] zn, double[] yn, bool excludeSelf, Func<double[], int, double[]>? logMask)
    {
        var result = new double[z.Length];
        for (var i = 0; i < z.Length; i++)
        {
            var s = zn.Select(n => Similarity(kind, z[i], n)).ToArray();
            if (logMask is not null)
            {
                var mask = logMask(s, i);
                s = [.. s.Select((v, j) => v + mask[j])];
            }

            if (excludeSelf)
                s[i] = double.NegativeInfinity;
            var max = s.Max();
            var weights = s.Select(v => Math.Exp(v - max)).ToArray();
            result[i] = weights.Zip(yn, (w, y) => w * y).Sum() / weights.Sum();
        }

        return result;
    }

    private static double Norm(double[] v) => Math.Sqrt(v.Sum(x => x * x));
}
