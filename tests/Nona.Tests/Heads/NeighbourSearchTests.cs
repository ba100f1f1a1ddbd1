using System.Globalization;
using Nona.Plugins.Heads.Regressors;
using Xunit;

namespace Nona.Tests.Heads;

/// <summary>
/// The k-NN regressor's fast search gives the bits of the straightforward one (<see cref="ReferenceKnn"/>: sort
/// every point by (distance, index) per query): the same grid choice, the same cross-validated MSE and the same
/// predictions, on data full of ties and duplicate rows, at any thread count.
/// </summary>
public sealed class NeighbourSearchTests
{
    public static TheoryData<string, int, bool, int, int> Cases => new()
    {
        // data, rows, standardize, folds, threads
        { "grid", 157, false, 5, 1 },
        { "grid", 157, true, 3, 2 },
        { "grid", 61, true, 5, 3 },
        { "continuous", 203, true, 5, 0 },
        { "continuous", 203, false, 7, 2 },
        { "continuous", 9, true, 5, 1 },
        { "duplicates", 40, false, 4, 2 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_fast_search_gives_the_bits_of_a_full_sort(string data, int rows, bool standardize, int folds, int threads)
    {
        var (x, y) = Make(data, rows, seed: rows);
        var (queries, _) = Make(data, 37, seed: rows + 1);
        queries = [.. queries, .. x.Take(5)]; // training rows again: distance 0, the exact-match rule
        var grid = new KnnOptions { K = [1, 2, 3, 5, 7, 40, 500], P = [1, 2, 3], Folds = folds, Standardize = standardize, Threads = threads };
        var fast = new KnnRegressor(grid);
        fast.Fit(x, y);
        var reference = new ReferenceKnn(grid);
        reference.Fit(x, y);

        Assert.StartsWith(string.Create(CultureInfo.InvariantCulture, $"k={reference.Chosen.K} p={reference.Chosen.P} weights={reference.Chosen.Weights.ToString().ToLowerInvariant()} "), fast.Describe(), StringComparison.Ordinal);
        Assert.Equal(BitConverter.DoubleToInt64Bits(reference.CvMse), BitConverter.DoubleToInt64Bits(fast.CrossValidatedMse));
        AssertSameBits(reference.Predict(queries), fast.Predict(queries));

        // Every configuration of the grid on its own, which also exercises each (k, p, weights) in Predict.
        foreach (var k in new[] { 1, 3, 7, 500 })
        {
            foreach (var p in new[] { 1, 2, 3 })
            {
                foreach (var w in new[] { KnnWeighting.Uniform, KnnWeighting.Distance })
                {
                    var one = new KnnOptions { K = [k], P = [p], Weights = [w], Folds = folds, Standardize = standardize, Threads = threads };
                    var a = new KnnRegressor(one);
                    a.Fit(x, y);
                    var b = new ReferenceKnn(one);
                    b.Fit(x, y);
                    AssertSameBits(b.Predict(queries), a.Predict(queries));
                }
            }
        }
    }

    [Fact]
    public void The_thread_count_does_not_change_a_bit()
    {
        var (x, y) = Make("continuous", 700, seed: 8);
        var (queries, _) = Make("continuous", 300, seed: 9);
        double[]? first = null;
        string? describe = null;
        foreach (var threads in new[] { 1, 2, 3, 0 })
        {
            var knn = new KnnRegressor(new KnnOptions { Threads = threads });
            knn.Fit(x, y);
            var predictions = knn.Predict(queries);
            first ??= predictions;
            describe ??= knn.Describe();
            AssertSameBits(first, predictions);
            Assert.Equal(describe, knn.Describe());
        }
    }

    private static void AssertSameBits(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.DoubleToInt64Bits(expected[i]) == BitConverter.DoubleToInt64Bits(actual[i]), $"row {i}: {expected[i]:R} expected, {actual[i]:R} actual");
    }

    // grid: 3 features in {−1, 0, 1} (27 distinct points, so many equal distances and repeated rows); duplicates:
    // 4 distinct points repeated; continuous: 5 uniform features (no ties, odd widths for the vector lanes).
    private static (double[][] X, double[] Y) Make(string kind, int n, int seed)
    {
        var random = new Random(seed);
        var x = kind switch
        {
            "grid" => Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, 3).Select(_ => (double)random.Next(-1, 2)).ToArray()).ToArray(),
            "duplicates" => Enumerable.Range(0, n).Select(_ => random.Next(4)).Select(c => new[] { c * 0.5, -c * 0.25 }).ToArray(),
            _ => Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, 5).Select(_ => (random.NextDouble() * 2) - 1).ToArray()).ToArray(),
        };
        return (x, [.. x.Select(r => r.Sum() + Math.Round(random.NextDouble(), 1))]);
    }
}
