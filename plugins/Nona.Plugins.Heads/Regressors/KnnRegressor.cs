using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Nona.Abstractions;

namespace Nona.Plugins.Heads.Regressors;

/// <summary>How neighbours' labels are averaged.</summary>
public enum KnnWeighting
{
    /// <summary>Plain mean of the k labels.</summary>
    Uniform,

    /// <summary>Weighted by 1/distance; neighbours at distance 0, if any, take all the weight.</summary>
    Distance,
}

/// <summary>Options of the <c>knn</c> regressor: the grid searched by cross-validation.</summary>
public sealed class KnnOptions
{
    /// <summary>Candidate neighbour counts.</summary>
    [Description("candidate k (paper: 3, 5, 7)")]
    public IList<int> K { get; set; } = [3, 5, 7];

    /// <summary>Candidate Minkowski exponents.</summary>
    [Description("candidate Minkowski p (1 = Manhattan, 2 = Euclidean)")]
    public IList<int> P { get; set; } = [1, 2];

    /// <summary>Candidate weightings.</summary>
    [Description("candidate weightings: uniform, distance")]
    public IList<KnnWeighting> Weights { get; set; } = [KnnWeighting.Uniform, KnnWeighting.Distance];

    /// <summary>Cross-validation folds.</summary>
    [Description("cross-validation folds used to choose k, p and weights (by MSE)")]
    [Range(2, 100)]
    public int Folds { get; set; } = 5;

    /// <summary>Standardise each feature with the fitting data's mean and standard deviation.</summary>
    [Description("standardise features with the training data's mean and sd")]
    public bool Standardize { get; set; } = true;
}

/// <summary>The tuned k-NN regressor of two-stage fine-tuning (and of the raw-input baseline).</summary>
[NonaPlugin("knn", PluginKind.Regressor, Description = "k-NN regression, k/p/weights chosen by k-fold CV MSE")]
public sealed class KnnRegressorFactory : PluginFactory<KnnOptions, IRegressor>
{
    /// <inheritdoc />
    protected override IRegressor Create(KnnOptions options, PluginContext context)
    {
        if (options.K.Count == 0 || options.K.Any(k => k < 1) || options.P.Count == 0 || options.P.Any(p => p < 1) || options.Weights.Count == 0)
            throw new NonaException($"{context.RecipePath}: {context.RecipeKey}: k and p need at least one value ≥ 1 and weights at least one value");
        return new KnnRegressor(options);
    }
}

/// <summary>
/// Brute-force k-NN regression (exact, deterministic: ties in distance go to the lower index). Fit chooses
/// (k, p, weights) on the grid by contiguous k-fold cross-validated MSE, first best on ties, then keeps all points.
/// </summary>
public sealed class KnnRegressor(KnnOptions options) : IRegressor
{
    private double[][] points = [];
    private double[] labels = [];
    private double[] mean = [];
    private double[] scale = [];
    private (int K, int P, KnnWeighting Weights) chosen;
    private double chosenCvMse;

    /// <inheritdoc />
    public void Fit(double[][] x, double[] y)
    {
        if (x.Length != y.Length || x.Length < 2)
            throw new ArgumentException("k-NN needs at least two rows and one label per row");
        (mean, scale) = options.Standardize ? Standardizer.Fit(x) : Standardizer.Identity(x[0].Length);
        points = Standardizer.Apply(x, mean, scale);
        labels = y;
        (chosen, chosenCvMse) = CrossValidate();
    }

    /// <inheritdoc />
    public double[] Predict(double[][] x)
    {
        var queries = Standardizer.Apply(x, mean, scale);
        var k = Math.Min(chosen.K, points.Length);
        return [.. queries.Select(q => Estimate(Nearest(q, points, chosen.P), labels, k, chosen.Weights))];
    }

    /// <inheritdoc />
    public string Describe() => string.Create(
        CultureInfo.InvariantCulture,
        $"k={chosen.K} p={chosen.P} weights={chosen.Weights.ToString().ToLowerInvariant()} cv_mse={chosenCvMse:G6}");

    private ((int, int, KnnWeighting), double) CrossValidate()
    {
        var folds = Math.Min(options.Folds, points.Length);
        var candidates = (from p in options.P from k in options.K from w in options.Weights select (k, p, w)).ToList();
        var squaredError = new double[candidates.Count];
        for (var fold = 0; fold < folds; fold++)
        {
            // Contiguous folds (scikit-learn's KFold without shuffling): the split already shuffled the rows.
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

        return (candidates[best], squaredError[best] / points.Length);
    }

    /// <summary>All reference points ordered by Minkowski distance to <paramref name="query"/>, ties by index.</summary>
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
            // As scikit-learn: exact matches take all the weight, shared equally.
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
