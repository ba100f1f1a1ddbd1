using Nona.Plugins.Heads.Regressors;

namespace Nona.Tests.Heads;

/// <summary>
/// The k-NN regressor as it was before <c>NeighbourSearch</c>: every query sorts all reference points by
/// (distance, index) and each grid candidate reads its own estimate from that order. The straightforward
/// definition the fast one must match bit for bit.
/// </summary>
internal sealed class ReferenceKnn(KnnOptions options)
{
    private double[][] points = [];
    private double[] labels = [];
    private double[] mean = [];
    private double[] scale = [];

    public (int K, int P, KnnWeighting Weights) Chosen { get; private set; }

    public double CvMse { get; private set; }

    public void Fit(double[][] x, double[] y)
    {
        (mean, scale) = options.Standardize ? StandardizeFit(x) : (new double[x[0].Length], Enumerable.Repeat(1.0, x[0].Length).ToArray());
        points = Apply(x, mean, scale);
        labels = y;
        var folds = Math.Min(options.Folds, points.Length);
        var candidates = (from p in options.P from k in options.K from w in options.Weights select (k, p, w)).ToList();
        var squaredError = new double[candidates.Count];
        for (var fold = 0; fold < folds; fold++)
        {
            var start = fold * points.Length / folds;
            var end = (fold + 1) * points.Length / folds;
            var trainIdx = Enumerable.Range(0, points.Length).Where(i => i < start || i >= end).ToArray();
            var trainPoints = trainIdx.Select(i => points[i]).ToArray();
            var trainLabels = trainIdx.Select(i => labels[i]).ToArray();
            foreach (var p in options.P.Distinct())
            {
                for (var i = start; i < end; i++)
                {
                    var order = Nearest(points[i], trainPoints, p);
                    for (var c = 0; c < candidates.Count; c++)
                    {
                        if (candidates[c].p != p)
                            continue;
                        var estimate = Estimate(order, trainLabels, Math.Min(candidates[c].k, trainPoints.Length), candidates[c].w);
                        squaredError[c] += (estimate - labels[i]) * (estimate - labels[i]);
                    }
                }
            }
        }

        var best = 0;
        for (var c = 1; c < candidates.Count; c++)
        {
            if (squaredError[c] < squaredError[best])
                best = c;
        }

        Chosen = candidates[best];
        CvMse = squaredError[best] / points.Length;
    }

    public double[] Predict(double[][] x)
    {
        var queries = Apply(x, mean, scale);
        var k = Math.Min(Chosen.K, points.Length);
        return [.. queries.Select(q => Estimate(Nearest(q, points, Chosen.P), labels, k, Chosen.Weights))];
    }

    private static (double[] Mean, double[] Scale) StandardizeFit(double[][] x)
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

    private static double[][] Apply(double[][] x, double[] mean, double[] scale) =>
        [.. x.Select(r => r.Select((v, j) => (v - mean[j]) / scale[j]).ToArray())];

    private static (int Index, double Distance)[] Nearest(double[] query, double[][] reference, int p)
    {
        var result = new (int Index, double Distance)[reference.Length];
        for (var i = 0; i < reference.Length; i++)
            result[i] = (i, Minkowski(query, reference[i], p));
        Array.Sort(result, (l, r) => l.Distance != r.Distance ? l.Distance.CompareTo(r.Distance) : l.Index.CompareTo(r.Index));
        return result;
    }

    private static double Minkowski(double[] a, double[] b, int p)
    {
        double sum = 0;
        for (var j = 0; j < a.Length; j++)
        {
            var d = Math.Abs(a[j] - b[j]);
            sum += p switch { 1 => d, 2 => d * d, _ => Math.Pow(d, p) };
        }

        return p switch { 1 => sum, 2 => Math.Sqrt(sum), _ => Math.Pow(sum, 1.0 / p) };
    }

    private static double Estimate((int Index, double Distance)[] order, double[] y, int k, KnnWeighting weighting)
    {
        if (weighting == KnnWeighting.Distance && order[0].Distance == 0)
        {
            var exact = order.TakeWhile(o => o.Distance == 0).Take(k).ToArray();
            return exact.Average(o => y[o.Index]);
        }

        double weighted = 0, total = 0;
        for (var i = 0; i < k; i++)
        {
            var w = weighting == KnnWeighting.Uniform ? 1.0 : 1.0 / order[i].Distance;
            weighted += w * y[order[i].Index];
            total += w;
        }

        return weighted / total;
    }
}
