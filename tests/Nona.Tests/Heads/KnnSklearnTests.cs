using System.Text.Json;
using Nona.Plugins.Heads.Regressors;
using Xunit;

namespace Nona.Tests.Heads;

/// <summary>
/// Our k-NN regressor against scikit-learn's KNeighborsRegressor (brute force) on tie-free data
/// (tests/fixtures/make_knn_fixture.py): each (k, p, weights) predicts the same values, and the grid search with
/// 5 contiguous folds chooses the same configuration with the same cross-validated MSE.
/// </summary>
public sealed class KnnSklearnTests
{
    private static readonly JsonElement Fixture = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "knn_sklearn.json"))).RootElement;

    [Fact]
    public void Each_configuration_predicts_what_scikit_learn_predicts()
    {
        var (train, labels, queries) = (Matrix("train"), Vector(Fixture.GetProperty("labels")), Matrix("queries"));
        var cases = Fixture.GetProperty("cases").EnumerateArray().ToList();
        Assert.Equal(16, cases.Count);
        foreach (var c in cases)
        {
            var weights = Enum.Parse<KnnWeighting>(c.GetProperty("weights").GetString()!, ignoreCase: true);
            var knn = new KnnRegressor(new KnnOptions { K = [c.GetProperty("k").GetInt32()], P = [c.GetProperty("p").GetInt32()], Weights = [weights], Standardize = false });
            knn.Fit(train, labels);
            var expected = Vector(c.GetProperty("predictions"));
            var actual = knn.Predict(queries);
            for (var q = 0; q < expected.Length; q++)
                Assert.True(Math.Abs(expected[q] - actual[q]) <= 1e-9, $"{knn.Describe()}, query {q}: scikit-learn {expected[q]:R}, ours {actual[q]:R}");
        }
    }

    [Fact]
    public void The_grid_search_chooses_what_scikit_learns_grid_search_chooses()
    {
        var grid = Fixture.GetProperty("grid");
        var knn = new KnnRegressor(new KnnOptions { Standardize = false, Folds = 5 });
        knn.Fit(Matrix("train"), Vector(Fixture.GetProperty("labels")));
        Assert.StartsWith($"k={grid.GetProperty("k").GetInt32()} p={grid.GetProperty("p").GetInt32()} weights={grid.GetProperty("weights").GetString()} ", knn.Describe(), StringComparison.Ordinal);
        // scikit-learn averages the 5 folds' MSEs, we divide the summed squared errors by n: equal for equal folds.
        Assert.Equal(grid.GetProperty("cv_mse").GetDouble(), knn.CrossValidatedMse, 1e-9);
        var expected = Vector(grid.GetProperty("predictions"));
        var actual = knn.Predict(Matrix("queries"));
        for (var q = 0; q < expected.Length; q++)
            Assert.True(Math.Abs(expected[q] - actual[q]) <= 1e-9, $"query {q}: scikit-learn {expected[q]:R}, ours {actual[q]:R}");
    }

    private static double[][] Matrix(string name) => [.. Fixture.GetProperty(name).EnumerateArray().Select(Vector)];

    private static double[] Vector(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetDouble())];
}
