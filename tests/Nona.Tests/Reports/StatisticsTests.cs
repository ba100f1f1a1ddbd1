using System.Text.Json;
using Nona.Host.Reports.Statistics;
using Xunit;

namespace Nona.Tests.Reports;

/// <summary>
/// Pins the Friedman / Nemenyi statistics against SciPy 1.10 (tests/fixtures/statistics.json, made by
/// tests/fixtures/make_statistics_fixtures.py) and against the numbers printed with the paper's Figure 5.
/// </summary>
public sealed class StatisticsTests
{
    private const int DenseColumn = 0, DenseKnnColumn = 1, NonaColumn = 2, NonaKnnColumn = 3;

    private static readonly JsonElement Fixture = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "statistics.json"))).RootElement;

    // Table 1 of the paper as printed: mean test MSE × 10³, columns Dense, Dense + k-NN, NONA, NONA + k-NN.
    private static readonly double[,] Table1 =
    {
        { 5.12, 5.56, 4.13, 4.03 }, // RSNA
        { 6.69, 7.37, 4.02, 2.38 }, // MedSegBench
        { 96.2, 41.3, 28.0, 24.8 }, // ADReSSo
        { 39.7, 23.2, 21.2, 23.2 }, // CoughVid
        { 7.96, 7.23, 6.01, 5.89 }, // NoseMic
        { 0.435, 0.732, 0.358, 0.239 }, // Udacity
        { 69.6, 14.8, 10.2, 10.5 }, // Pitchfork
        { 303, 20.0, 13.2, 14.7 }, // Houses
        { 8.33, 7.96, 7.48, 7.48 }, // Books
        { 2.29, 2.26, 2.05, 2.06 }, // Austin
    };

    public static TheoryData<string> FriedmanCases() => [.. Fixture.GetProperty("friedman").EnumerateArray().Select(c => c.GetProperty("name").GetString()!)];

    [Theory]
    [MemberData(nameof(FriedmanCases))]
    public void Friedman_statistic_p_value_and_mean_ranks_match_scipy(string name)
    {
        var fixtureCase = Fixture.GetProperty("friedman").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);
        var rows = fixtureCase.GetProperty("scores").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
        var scores = new double[rows.Length, rows[0].Length];
        for (var i = 0; i < rows.Length; i++)
        {
            for (var j = 0; j < rows[i].Length; j++)
            {
                scores[i, j] = rows[i][j];
            }
        }

        var result = Friedman.Test(scores);

        var chiSquare = fixtureCase.GetProperty("statistic").GetDouble();
        Assert.True(Math.Abs(result.ChiSquare - chiSquare) <= 1e-9 * Math.Abs(chiSquare), $"{name}: χ² {result.ChiSquare:R}, SciPy {chiSquare:R}");
        Assert.Equal(fixtureCase.GetProperty("pvalue").GetDouble(), result.PValue, 1e-8);
        var ranks = fixtureCase.GetProperty("average_ranks").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.Equal(ranks.Length, result.AverageRanks.Count);
        Assert.All(ranks.Zip(result.AverageRanks), pair => Assert.Equal(pair.First, pair.Second, 1e-12));
        Assert.Equal((rows.Length, rows[0].Length), (result.Datasets, result.Methods));
    }

    [Fact]
    public void Fixture_covers_rows_with_ties()
    {
        // The tie correction is only pinned if some SciPy cases actually contain tied rows.
        var tied = Fixture.GetProperty("friedman").EnumerateArray().Where(c => c.GetProperty("rows_with_ties").GetInt32() > 0).ToArray();
        Assert.True(tied.Length >= 4, $"only {tied.Length} fixture cases have ties");
    }

    [Fact]
    public void Mid_ranks_share_the_mean_rank_within_a_tie_lowest_first()
    {
        Assert.Equal([2.5, 1, 2.5, 4], Friedman.MidRanks([3.0, 1.0, 3.0, 9.0]));
        Assert.Equal([2, 2, 2], Friedman.MidRanks([7.0, 7.0, 7.0]));
        Assert.Equal([4, 1.5, 3, 1.5, 5], Friedman.MidRanks([5.0, -2.0, 0.5, -2.0, 8.0]));
    }

    [Fact]
    public void Friedman_rejects_too_few_methods_or_datasets_and_non_finite_scores()
    {
        Assert.Throws<ArgumentException>(() => Friedman.Test(new double[5, 2]));
        Assert.Throws<ArgumentException>(() => Friedman.Test(new double[1, 4]));
        Assert.Throws<ArgumentException>(() => Friedman.Test(new[,] { { 1.0, 2.0, double.NaN }, { 1.0, 2.0, 3.0 } }));
        Assert.Throws<ArgumentException>(() => Friedman.Test(new[,] { { 1.0, 2.0, double.PositiveInfinity }, { 1.0, 2.0, 3.0 } }));
        Assert.Throws<ArgumentException>(() => Friedman.Test(new[,] { { 1.0, 1.0, 1.0 }, { 2.0, 2.0, 2.0 } }));
    }

    [Fact]
    public void Studentized_range_cdf_matches_scipy_with_infinite_degrees_of_freedom()
    {
        foreach (var point in Fixture.GetProperty("studentized_range").EnumerateArray())
        {
            var q = point.GetProperty("q").GetDouble();
            var k = point.GetProperty("k").GetInt32();
            var expected = point.GetProperty("cdf").GetDouble();
            var actual = StudentizedRange.Cdf(q, k);
            Assert.True(Math.Abs(actual - expected) <= 1e-6, $"Cdf({q}, {k}) = {actual:R}, SciPy {expected:R}");
        }

        Assert.Equal(0, StudentizedRange.Cdf(0, 4));
        Assert.Equal(0, StudentizedRange.Cdf(-1, 4));
        Assert.Equal(1, StudentizedRange.Cdf(double.PositiveInfinity, 4));
    }

    [Fact]
    public void Studentized_range_quantiles_match_scipy_and_invert_the_cdf()
    {
        foreach (var point in Fixture.GetProperty("studentized_range_ppf").EnumerateArray())
        {
            var p = point.GetProperty("p").GetDouble();
            var k = point.GetProperty("k").GetInt32();
            var expected = point.GetProperty("q").GetDouble();
            var actual = StudentizedRange.Quantile(p, k);
            Assert.True(Math.Abs(actual - expected) <= 1e-4, $"Quantile({p}, {k}) = {actual:R}, SciPy {expected:R}");
            Assert.Equal(p, StudentizedRange.Cdf(actual, k), 1e-10);
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => StudentizedRange.Quantile(1, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => StudentizedRange.Quantile(0, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => StudentizedRange.Cdf(1, 1));
    }

    [Fact]
    public void Nemenyi_p_values_are_symmetric_with_a_unit_diagonal()
    {
        var p = Nemenyi.PValues([1.0, 2.5, 2.5, 4.0], datasets: 6);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(1, p[i, i]);
            for (var j = 0; j < 4; j++)
            {
                Assert.Equal(p[i, j], p[j, i]);
            }
        }

        Assert.Equal(1, p[1, 2], 1e-12); // equal mean ranks
        Assert.True(p[0, 3] < p[0, 1], "a larger rank gap must give a smaller p-value");
    }

    [Fact]
    public void Figure_5_is_reproduced_from_Table_1_with_the_printed_ties_broken()
    {
        var scores = (double[,])Table1.Clone();
        // The printed ties hide unrounded means; these orders reproduce every number printed with Figure 5.
        scores[3, NonaKnnColumn] = 23.21; // CoughVid: Dense + k-NN's 23.2 ranks ahead of NONA + k-NN
        scores[8, NonaColumn] = 7.481; // Books: NONA + k-NN's 7.48 ranks ahead of NONA

        var friedman = Friedman.Test(scores);

        Assert.Equal([3.7, 3.2, 1.6, 1.5], friedman.AverageRanks.Select(r => Math.Round(r, 10)));
        Assert.Equal(22.44, Math.Round(friedman.ChiSquare, 2));
        Assert.Equal(5.3e-5, Math.Round(friedman.PValue, 6));
        Assert.Equal(1.483, Math.Round(Nemenyi.CriticalDifference(4, 10, alpha: 0.05), 3));

        var p = Nemenyi.PValues(friedman.AverageRanks, friedman.Datasets);
        Assert.Equal(0.0016, Math.Round(p[DenseColumn, NonaColumn], 4));
        Assert.Equal(0.0286, Math.Round(p[DenseKnnColumn, NonaColumn], 4));
        Assert.Equal(0.0008, Math.Round(p[DenseColumn, NonaKnnColumn], 4));
        Assert.Equal(0.0171, Math.Round(p[DenseKnnColumn, NonaKnnColumn], 4));
        Assert.Equal(0.9982, Math.Round(p[NonaColumn, NonaKnnColumn], 4));
        Assert.Equal(0.8224, Math.Round(p[DenseColumn, DenseKnnColumn], 4));
    }

    [Fact]
    public void Table_1_with_the_printed_ties_kept_uses_scipy_tie_correction()
    {
        var friedman = Friedman.Test(Table1);

        Assert.Equal([3.7, 3.25, 1.55, 1.5], friedman.AverageRanks.Select(r => Math.Round(r, 10)));
        // Two tie groups of 2 (CoughVid, Books): correction 1 − 12 / (10 · 4 · 15) = 0.98; uncorrected it would be 23.43.
        Assert.Equal(23.91, Math.Round(friedman.ChiSquare, 2));
        var p = Nemenyi.PValues(friedman.AverageRanks, friedman.Datasets);
        Assert.Equal(0.0011, Math.Round(p[DenseColumn, NonaColumn], 4));
    }
}
