using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Nona.Host.Reports.Embedding;
using Xunit;
using Xunit.Abstractions;

namespace Nona.Tests.Reports;

/// <summary>
/// Our UMAP, PCA and map measures against umap-learn 0.5.3 and scikit-learn 1.2.1 on scikit-learn's digits
/// (tests/fixtures/make_umap_fixture.py writes digits.csv and umap_reference.json).
/// </summary>
public sealed class UmapTests(UmapTests.Digits digits, ITestOutputHelper output) : IClassFixture<UmapTests.Digits>
{
    [Fact]
    public void The_digits_map_is_as_trustworthy_as_umap_learns()
    {
        var map = digits.Map.Value;
        var reference = digits.Reference.GetProperty("umap");
        var trust = Trustworthiness.Compute(digits.Pixels, map, 10);
        var preservation = Trustworthiness.NeighbourPreservation(digits.Pixels, map, 10);
        output.WriteLine($"ours: trustworthiness {trust:F4}, 10-NN preservation {preservation:F4}");
        output.WriteLine($"umap-learn: {reference.GetProperty("trustworthiness_k10").GetDouble():F4}, {reference.GetProperty("knn_preservation_k10").GetDouble():F4}");

        Assert.All(map, point => Assert.True(double.IsFinite(point[0]) && double.IsFinite(point[1])));
        Assert.Equal(reference.GetProperty("trustworthiness_k10").GetDouble(), trust, 0.03);
        Assert.True(preservation >= 0.40, $"10-NN preservation {preservation:F4} < 0.40");
    }

    [Fact]
    public void The_same_seed_gives_the_same_map_and_another_seed_a_different_one()
    {
        // A slice of digits and fewer epochs keep this quick; determinism does not depend on the size.
        var data = digits.Pixels[..400];
        var umap = new Umap(new UmapOptions { Epochs = 100 });
        var first = umap.FitTransform(data, seed: 7);
        var again = umap.FitTransform(data, seed: 7);
        var other = umap.FitTransform(data, seed: 8);

        for (var i = 0; i < data.Length; i++)
            Assert.Equal(first[i], again[i]); // exact: bit-for-bit equality of every coordinate
        Assert.Contains(Enumerable.Range(0, data.Length), i => first[i][0] != other[i][0] || first[i][1] != other[i][1]);
    }

    [Fact]
    public void Curve_parameters_match_umap_learns_find_ab_params()
    {
        foreach (var expected in digits.Reference.GetProperty("ab_params").EnumerateArray())
        {
            var (a, b) = CurveParameters.Fit(expected.GetProperty("spread").GetDouble(), expected.GetProperty("min_dist").GetDouble());
            output.WriteLine($"min_dist {expected.GetProperty("min_dist").GetDouble()}: a {a:F6} b {b:F6}");
            Assert.Equal(expected.GetProperty("a").GetDouble(), a, 1e-3);
            Assert.Equal(expected.GetProperty("b").GetDouble(), b, 1e-3);
        }

        // The values the UMAP paper's defaults are known by.
        var (a01, b01) = CurveParameters.Fit(1.0, 0.1);
        Assert.Equal(1.577, a01, 1e-3);
        Assert.Equal(0.895, b01, 1e-3);
    }

    [Fact]
    public void Trustworthiness_equals_sklearns_on_tie_free_data()
    {
        var check = digits.Reference.GetProperty("trustworthiness_check");
        var high = Matrix(check.GetProperty("high"));
        var low = Matrix(check.GetProperty("low"));
        var k = check.GetProperty("k").GetInt32();

        Assert.Equal(check.GetProperty("trustworthiness").GetDouble(), Trustworthiness.Compute(high, low, k), 1e-12);
    }

    [Fact]
    public void Pca_of_digits_matches_sklearns_variances_and_map_quality()
    {
        var reference = digits.Reference.GetProperty("pca");
        var map = Pca.Project(digits.Pixels);
        var variances = Enumerable.Range(0, 2).Select(c => Variance(map.Select(p => p[c]).ToArray())).ToArray();
        var expected = reference.GetProperty("explained_variance").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var trust = Trustworthiness.Compute(digits.Pixels, map, 10);
        var preservation = Trustworthiness.NeighbourPreservation(digits.Pixels, map, 10);
        output.WriteLine($"PCA ours: trustworthiness {trust:F6}, preservation {preservation:F4}; variances {variances[0]:F6}, {variances[1]:F6}");

        Assert.Equal(expected[0], variances[0], 1e-9 * expected[0]);
        Assert.Equal(expected[1], variances[1], 1e-9 * expected[1]);
        // Same projection up to sign, so the measures agree up to how the many exactly tied pixel distances are
        // ordered (sklearn: argsort's order; ours: by index).
        Assert.Equal(reference.GetProperty("trustworthiness_k10").GetDouble(), trust, 2e-3);
        Assert.Equal(reference.GetProperty("knn_preservation_k10").GetDouble(), preservation, 0.01);
    }

    [Fact]
    public void Pcas_first_component_follows_the_long_axis_of_an_elongated_gaussian()
    {
        // Standard deviations 5 along (cos 30°, sin 30°) and 0.5 across it, shifted away from the origin.
        var random = new Random(3);
        var (along, across) = (new[] { Math.Cos(Math.PI / 6), Math.Sin(Math.PI / 6) }, new[] { -Math.Sin(Math.PI / 6), Math.Cos(Math.PI / 6) });
        var latent = Enumerable.Range(0, 2000).Select(_ => (Long: 5 * Normal(random), Short: 0.5 * Normal(random))).ToArray();
        var data = latent.Select(t => new[] { 3 + (t.Long * along[0]) + (t.Short * across[0]), -2 + (t.Long * along[1]) + (t.Short * across[1]) }).ToArray();

        var map = Pca.Project(data);

        // The largest loading of the long axis (cos 30°) is positive, so component 1 grows with the long coordinate.
        Assert.True(Correlation(map.Select(p => p[0]).ToArray(), latent.Select(t => t.Long).ToArray()) > 0.999);
        Assert.True(Math.Abs(Correlation(map.Select(p => p[1]).ToArray(), latent.Select(t => t.Short).ToArray())) > 0.95);
        Assert.Equal(25, Variance(map.Select(p => p[0]).ToArray()), 2.0);
        Assert.Equal(0.25, Variance(map.Select(p => p[1]).ToArray()), 0.03);
    }

    [Fact]
    public void Smooth_knn_distances_give_every_point_log2_k_total_membership()
    {
        var (indices, distances) = NearestNeighbours.Find(digits.Pixels[..300], 15, includeSelf: true);
        var (sigmas, rhos) = FuzzyGraph.SmoothKnnDistances(distances, 15);
        var strengths = FuzzyGraph.MembershipStrengths(indices, distances, sigmas, rhos);

        for (var i = 0; i < strengths.Length; i++)
        {
            Assert.Equal(i, indices[i][0]);
            Assert.Equal(0.0, strengths[i][0]); // the point itself
            Assert.Equal(1.0, strengths[i][1]); // the nearest neighbour sits at ρ
            Assert.Equal(Math.Log2(15), strengths[i].Sum(), 1e-4);
        }
    }

    [Fact]
    public void The_fuzzy_union_is_symmetric_with_weights_a_plus_b_minus_ab()
    {
        // 0 → 1 (0.5) and 1 → 0 (0.4) combine to 0.7; 1 → 2 (0.8) alone stays 0.8; the zero self-strengths vanish.
        int[][] indices = [[0, 1], [1, 0, 2], [2]];
        double[][] strengths = [[0.0, 0.5], [0.0, 0.4, 0.8], [0.0]];
        var graph = FuzzyGraph.Union(3, indices, strengths);

        Assert.Equal([0, 1, 3, 4], graph.RowStart);
        Assert.Equal([1, 0, 2, 1], graph.Columns);
        Assert.Equal([0.7, 0.7, 0.8, 0.8], graph.Weights.Select(w => Math.Round(w, 12)));
    }

    [Fact]
    public void A_disconnected_neighbour_graph_still_gets_a_map_that_keeps_the_clusters_apart()
    {
        // Two blobs far apart: no k-NN edge joins them, so the spectral start is laid out per component.
        var random = new Random(5);
        var data = Enumerable.Range(0, 120).Select(i => Enumerable.Range(0, 3).Select(_ => Normal(random) + (i < 60 ? 0 : 1000)).ToArray()).ToArray();

        var map = new Umap(new UmapOptions { Epochs = 100 }).FitTransform(data, seed: 1);

        Assert.All(map, point => Assert.True(double.IsFinite(point[0]) && double.IsFinite(point[1])));
        var (mapNeighbours, _) = NearestNeighbours.Find(map, 10, includeSelf: false);
        for (var i = 0; i < data.Length; i++)
            Assert.All(mapNeighbours[i], j => Assert.Equal(i < 60, j < 60));
    }

    [Fact]
    public void A_map_equal_to_the_data_is_perfectly_trustworthy()
    {
        var random = new Random(9);
        var data = Enumerable.Range(0, 80).Select(_ => new[] { Normal(random), Normal(random) }).ToArray();

        Assert.Equal(1.0, Trustworthiness.Compute(data, data, 5), 1e-15);
        Assert.Equal(1.0, Trustworthiness.NeighbourPreservation(data, data, 5), 1e-15);
        Assert.True(Trustworthiness.Compute(data, data.Select(p => new[] { p[0], 0.0 }).ToArray(), 5) < 1.0);
    }

    private static double[][] Matrix(JsonElement rows) =>
        [.. rows.EnumerateArray().Select(row => row.EnumerateArray().Select(v => v.GetDouble()).ToArray())];

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static double Variance(double[] values)
    {
        var mean = values.Average();
        return values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1);
    }

    private static double Correlation(double[] x, double[] y)
    {
        double mx = x.Average(), my = y.Average();
        double sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < x.Length; i++)
        {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }

        return sxy / Math.Sqrt(sxx * syy);
    }

    /// <summary>The digits pixels and the reference numbers, read once; the 1,797-point map is made once, on first use.</summary>
    public sealed class Digits
    {
        public Digits()
        {
            var folder = Path.Combine(AppContext.BaseDirectory, "fixtures");
            Pixels = [.. File.ReadLines(Path.Combine(folder, "digits.csv")).Skip(1)
                .Select(line => line.Split(',')[..64].Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray())];
            using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "umap_reference.json")));
            Reference = document.RootElement.Clone();
            Map = new Lazy<double[][]>(() => new Umap(new UmapOptions { Neighbours = 15, MinDist = 0.1 }).FitTransform(Pixels, seed: 42));
        }

        public double[][] Pixels { get; }

        public JsonElement Reference { get; }

        /// <summary>Our map of all digits (seed 42).</summary>
        public Lazy<double[][]> Map { get; }
    }
}
