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

    /// <summary>Threads of the neighbour search.</summary>
    [Description("threads for the neighbour search (0 = all cores); the results do not depend on it")]
    [Range(0, 4096)]
    public int Threads { get; set; }
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
/// Exact k-NN regression (deterministic: ties in distance go to the lower index, as a stable sort would). Fit
/// chooses (k, p, weights) on the grid by contiguous k-fold cross-validated MSE, first best on ties, then keeps
/// all points. Each (query, p) is searched once (<see cref="NeighbourSearch"/>) and every k and weighting of the
/// grid is read from that one sorted list.
/// </summary>
public sealed class KnnRegressor(KnnOptions options) : INeighbourRegressor
{
    private double[][] inputs = [];
    private double[] labels = [];
    private double[] mean = [];
    private double[] scale = [];
    private NeighbourSearch? search;
    private (int K, int P, KnnWeighting Weights) chosen;
    private double chosenCvMse;

    /// <inheritdoc />
    /// <remarks>Keeps references to <paramref name="x"/> (for <see cref="Save"/>) and <paramref name="y"/>; do not change them afterwards.</remarks>
    public void Fit(double[][] x, double[] y)
    {
        if (x.Length != y.Length || x.Length < 2)
            throw new ArgumentException("k-NN needs at least two rows and one label per row");
        (mean, scale) = options.Standardize ? Standardizer.Fit(x) : Standardizer.Identity(x[0].Length);
        inputs = x;
        labels = y;
        // The folds are the search's segments: a fold's validation rows are left out without copying the rest.
        var folds = Math.Min(options.Folds, x.Length);
        search = new NeighbourSearch(x, mean, scale, [.. Enumerable.Range(0, folds + 1).Select(f => f * x.Length / folds)]);
        (chosen, chosenCvMse) = CrossValidate(search, folds);
    }

    /// <inheritdoc />
    public double[] Predict(double[][] x)
    {
        var (neighbours, k) = Search(x);
        return [.. Enumerable.Range(0, x.Length).Select(q => Estimate(neighbours, q, labels, k, chosen.Weights))];
    }

    /// <inheritdoc />
    /// <remarks>
    /// The k nearest fitted rows with weights 1/k (uniform) or ∝ 1/distance (distance); under distance weighting a
    /// query that matches fitted rows exactly is their mean, as in <see cref="Predict"/>, so only those are listed.
    /// </remarks>
    public IReadOnlyList<RegressorNeighbours> Neighbours(double[][] x)
    {
        var (neighbours, k) = Search(x);
        var result = new RegressorNeighbours[x.Length];
        for (var q = 0; q < x.Length; q++)
        {
            var offset = q * neighbours.Count;
            var count = k;
            if (chosen.Weights == KnnWeighting.Distance && neighbours.Distances[offset] == 0)
                count = Enumerable.Range(0, k).TakeWhile(i => neighbours.Distances[offset + i] == 0).Count();
            var rows = neighbours.Rows.AsSpan(offset, count).ToArray();
            var distances = neighbours.Distances.AsSpan(offset, count).ToArray();
            var raw = distances.Select(d => chosen.Weights == KnnWeighting.Uniform || distances[0] == 0 ? 1.0 : 1.0 / d).ToArray();
            var total = raw.Sum();
            result[q] = new RegressorNeighbours(rows, [.. rows.Select(r => labels[r])], distances, [.. raw.Select(w => w / total)]);
        }

        return result;
    }

    // The fitted configuration's k nearest rows of each query, the queries standardised with the fitted bits.
    private (Neighbours Neighbours, int K) Search(double[][] x)
    {
        var bank = search ?? throw new InvalidOperationException("k-NN: Predict before Fit or Load");
        var k = Math.Min(chosen.K, bank.Rows);
        var queries = new double[x.Length * mean.Length];
        for (var q = 0; q < x.Length; q++)
        {
            for (var j = 0; j < mean.Length; j++)
                queries[(q * mean.Length) + j] = (x[q][j] - mean[j]) / scale[j]; // Standardizer.Apply's bits
        }

        return (bank.Search(queries, chosen.P, k, skipSegment: -1, options.Threads), k);
    }

    /// <summary>The chosen configuration's cross-validated MSE (mean over the fitting rows).</summary>
    public double CrossValidatedMse => chosenCvMse;

    /// <inheritdoc />
    public string Describe() => string.Create(
        CultureInfo.InvariantCulture,
        $"k={chosen.K} p={chosen.P} weights={chosen.Weights.ToString().ToLowerInvariant()} cv_mse={chosenCvMse:G6}");

    /// <inheritdoc />
    public void Save(Stream stream)
    {
        if (search is null)
            throw new InvalidOperationException("k-NN: Save before Fit");
        KnnFile.Write(stream, new KnnFile.State(inputs, labels, mean, scale, chosen.K, chosen.P, chosen.Weights, chosenCvMse));
    }

    /// <inheritdoc />
    public void Load(Stream stream)
    {
        var state = KnnFile.Read(stream);
        (inputs, labels, mean, scale) = (state.Inputs, state.Labels, state.Mean, state.Scale);
        (chosen, chosenCvMse) = ((state.K, state.P, state.Weights), state.CvMse);
        // Predictions do not depend on the segments, so one suffices; standardising again gives the fitted bits.
        search = new NeighbourSearch(inputs, mean, scale, [0, inputs.Length]);
    }

    private ((int, int, KnnWeighting), double) CrossValidate(NeighbourSearch bank, int folds)
    {
        var n = bank.Rows;
        var candidates = (from p in options.P from k in options.K from w in options.Weights select (k, p, w)).ToList();
        var errors = candidates.Select(_ => new double[n]).ToArray(); // per candidate and row, summed in row order below
        var maxK = options.K.Max();
        for (var fold = 0; fold < folds; fold++)
        {
            // Contiguous folds (scikit-learn's KFold without shuffling): the split already shuffled the rows.
            var start = bank.SegmentStart(fold);
            var size = bank.SegmentLength(fold);
            var trainCount = n - size;
            var queries = new double[size * bank.Width];
            for (var i = 0; i < size; i++)
                bank.CopyRow(start + i, queries.AsSpan(i * bank.Width, bank.Width));
            foreach (var p in options.P.Distinct())
            {
                var neighbours = bank.Search(queries, p, Math.Min(maxK, trainCount), skipSegment: fold, options.Threads);
                for (var c = 0; c < candidates.Count; c++)
                {
                    if (candidates[c].p != p)
                        continue;
                    for (var i = 0; i < size; i++)
                    {
                        var estimate = Estimate(neighbours, i, labels, Math.Min(candidates[c].k, trainCount), candidates[c].w);
                        errors[c][start + i] = (estimate - labels[start + i]) * (estimate - labels[start + i]);
                    }
                }
            }
        }

        var squaredError = new double[candidates.Count];
        for (var c = 0; c < candidates.Count; c++)
        {
            foreach (var e in errors[c])
                squaredError[c] += e;
        }

        var best = 0;
        for (var c = 1; c < candidates.Count; c++)
        {
            if (squaredError[c] < squaredError[best])
                best = c;
        }

        return (candidates[best], squaredError[best] / n);
    }

    /// <summary>The estimate of query <paramref name="q"/> from its first <paramref name="k"/> sorted neighbours.</summary>
    private static double Estimate(Neighbours neighbours, int q, double[] y, int k, KnnWeighting weighting)
    {
        var offset = q * neighbours.Count;
        var distances = neighbours.Distances;
        var rows = neighbours.Rows;
        if (weighting == KnnWeighting.Distance && distances[offset] == 0)
        {
            // As scikit-learn: exact matches take all the weight, shared equally.
            double sum = 0;
            long exact = 0;
            for (var i = 0; i < k && distances[offset + i] == 0; i++, exact++)
                sum += y[rows[offset + i]];
            return sum / exact;
        }

        double weighted = 0, total = 0;
        for (var i = 0; i < k; i++)
        {
            var w = weighting == KnnWeighting.Uniform ? 1.0 : 1.0 / distances[offset + i];
            weighted += w * y[rows[offset + i]];
            total += w;
        }

        return weighted / total;
    }
}
