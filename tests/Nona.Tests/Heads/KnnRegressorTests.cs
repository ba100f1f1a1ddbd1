using Nona.Plugins.Heads.Regressors;
using Xunit;

namespace Nona.Tests.Heads;

public sealed class KnnRegressorTests
{
    [Theory]
    [InlineData(3, 1, KnnWeighting.Uniform)]
    [InlineData(5, 2, KnnWeighting.Distance)]
    [InlineData(7, 2, KnnWeighting.Uniform)]
    [InlineData(3, 1, KnnWeighting.Distance)]
    public void A_single_configuration_matches_brute_force(int k, int p, KnnWeighting weighting)
    {
        var (x, y) = Data(60, seed: 1);
        var (queries, _) = Data(15, seed: 2);
        var knn = new KnnRegressor(new KnnOptions { K = [k], P = [p], Weights = [weighting], Standardize = false });
        knn.Fit(x, y);
        var actual = knn.Predict(queries);
        for (var q = 0; q < queries.Length; q++)
            Assert.Equal(BruteForce(x, y, queries[q], k, p, weighting), actual[q], 1e-12);
    }

    [Fact]
    public void Cross_validation_picks_the_configuration_with_the_lowest_fold_MSE()
    {
        var (x, y) = Data(50, seed: 3);
        var knn = new KnnRegressor(new KnnOptions { Standardize = false, Folds = 5 });
        knn.Fit(x, y);
        var best = (Mse: double.MaxValue, Text: "");
        foreach (var p in new[] { 1, 2 })
        {
            foreach (var k in new[] { 3, 5, 7 })
            {
                foreach (var w in new[] { KnnWeighting.Uniform, KnnWeighting.Distance })
                {
                    double sum = 0;
                    for (var fold = 0; fold < 5; fold++)
                    {
                        int start = fold * 50 / 5, end = (fold + 1) * 50 / 5;
                        var trainIdx = Enumerable.Range(0, 50).Where(i => i < start || i >= end).ToArray();
                        for (var i = start; i < end; i++)
                        {
                            var e = BruteForce([.. trainIdx.Select(j => x[j])], [.. trainIdx.Select(j => y[j])], x[i], k, p, w) - y[i];
                            sum += e * e;
                        }
                    }

                    if (sum / 50 < best.Mse)
                        best = (sum / 50, $"k={k} p={p} weights={w.ToString().ToLowerInvariant()}");
                }
            }
        }

        Assert.StartsWith(best.Text + " ", knn.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void Standardisation_makes_predictions_invariant_to_feature_scale()
    {
        var (x, y) = Data(40, seed: 4);
        var scaled = x.Select(r => new[] { r[0] * 1000, r[1] * 0.001 }).ToArray();
        var a = new KnnRegressor(new KnnOptions());
        var b = new KnnRegressor(new KnnOptions());
        a.Fit(x, y);
        b.Fit(scaled, y);
        var (queries, _) = Data(10, seed: 5);
        var pa = a.Predict(queries);
        var pb = b.Predict([.. queries.Select(r => new[] { r[0] * 1000, r[1] * 0.001 })]);
        for (var i = 0; i < pa.Length; i++)
            Assert.Equal(pa[i], pb[i], 1e-9);
    }

    [Fact]
    public void Distance_weighting_gives_an_exact_match_all_the_weight()
    {
        var knn = new KnnRegressor(new KnnOptions { K = [3], P = [2], Weights = [KnnWeighting.Distance], Standardize = false });
        knn.Fit([[0, 0], [1, 0], [2, 0], [3, 0]], [10, 20, 30, 40]);
        Assert.Equal(20.0, knn.Predict([[1, 0]])[0]);
    }

    [Theory]
    [InlineData(5, 2, KnnWeighting.Uniform)]
    [InlineData(4, 1, KnnWeighting.Distance)]
    public void Neighbours_are_the_brute_force_nearest_rows_and_their_weights_give_the_prediction(int k, int p, KnnWeighting weighting)
    {
        var (x, y) = Data(60, seed: 4);
        var (queries, _) = Data(10, seed: 5);
        var knn = new KnnRegressor(new KnnOptions { K = [k], P = [p], Weights = [weighting], Standardize = false });
        knn.Fit(x, y);
        var predictions = knn.Predict(queries);
        var neighbours = knn.Neighbours(queries);
        for (var q = 0; q < queries.Length; q++)
        {
            var expected = x.Select((r, i) => (i, d: Math.Pow(r.Zip(queries[q], (a, b) => Math.Pow(Math.Abs(a - b), p)).Sum(), 1.0 / p)))
                .OrderBy(t => t.d).ThenBy(t => t.i).Take(k).ToArray();
            var n = neighbours[q];
            Assert.Equal(expected.Select(t => t.i), n.Rows);
            Assert.Equal(expected.Select(t => y[t.i]), n.Labels);
            for (var j = 0; j < k; j++)
                Assert.Equal(expected[j].d, n.Distances[j], 1e-12);
            Assert.Equal(1.0, n.Weights.Sum(), 1e-12);
            Assert.Equal(predictions[q], n.Weights.Zip(n.Labels, (w, l) => w * l).Sum(), 1e-12);
            if (weighting == KnnWeighting.Uniform)
                Assert.All(n.Weights, w => Assert.Equal(1.0 / k, w, 15));
            else
                Assert.Equal(n.Distances[1] / n.Distances[0], n.Weights[0] / n.Weights[1], 1e-9); // w ∝ 1/d
        }
    }

    [Fact]
    public void An_exact_match_under_distance_weighting_lists_only_the_exact_rows()
    {
        var knn = new KnnRegressor(new KnnOptions { K = [3], P = [2], Weights = [KnnWeighting.Distance], Standardize = false });
        knn.Fit([[0, 0], [1, 0], [1, 0], [3, 0]], [10, 20, 30, 40]);
        var n = Assert.Single(knn.Neighbours([[1, 0]]));
        Assert.Equal([1, 2], n.Rows);
        Assert.Equal([0.5, 0.5], n.Weights);
        Assert.Equal(knn.Predict([[1, 0]])[0], n.Weights.Zip(n.Labels, (w, l) => w * l).Sum());
    }

    [Fact]
    public void Linear_regressor_recovers_an_exact_linear_function()
    {
        var (x, _) = Data(30, seed: 6);
        var y = x.Select(r => (2 * r[0]) - (3 * r[1]) + 0.5).ToArray();
        var linear = new LinearRegressor();
        linear.Fit(x, y);
        var predictions = linear.Predict([[0.1, 0.2], [-1, 1]]);
        Assert.Equal((2 * 0.1) - (3 * 0.2) + 0.5, predictions[0], 1e-9);
        Assert.Equal(-2 - 3 + 0.5, predictions[1], 1e-9);
    }

    private static double BruteForce(double[][] x, double[] y, double[] q, int k, int p, KnnWeighting w)
    {
        var distances = x.Select((r, i) => (i, d: Math.Pow(r.Zip(q, (a, b) => Math.Pow(Math.Abs(a - b), p)).Sum(), 1.0 / p)))
            .OrderBy(t => t.d).ThenBy(t => t.i).Take(k).ToArray();
        if (w == KnnWeighting.Uniform)
            return distances.Average(t => y[t.i]);
        if (distances[0].d == 0)
            return distances.Where(t => t.d == 0).Average(t => y[t.i]);
        return distances.Sum(t => y[t.i] / t.d) / distances.Sum(t => 1 / t.d);
    }

    private static (double[][] X, double[] Y) Data(int n, int seed)
    {
        var random = new Random(seed);
        var x = Enumerable.Range(0, n).Select(_ => new[] { (random.NextDouble() * 2) - 1, (random.NextDouble() * 2) - 1 }).ToArray();
        return (x, [.. x.Select(r => Math.Sin(3 * r[0]) + (r[1] * r[1]) + (0.05 * random.NextDouble()))]);
    }
}
