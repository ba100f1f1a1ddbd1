using Nona.Abstractions;
using Nona.Plugins.Heads.Regressors;
using Xunit;

namespace Nona.Tests.Heads;

/// <summary>
/// IRegressor.Save / Load: a fresh instance reads a fitted one back and predicts the same bits (and describes the
/// same fit), whatever its own options; a stream it did not write is refused.
/// </summary>
public sealed class RegressorSaveTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_loaded_knn_predicts_the_same_bits(bool float32Inputs)
    {
        var (x, y) = Data(300, 6, seed: 1, float32Inputs);
        var (queries, _) = Data(50, 6, seed: 2, float32Inputs);
        var fitted = new KnnRegressor(new KnnOptions());
        fitted.Fit(x, y);
        using var stream = new MemoryStream();
        fitted.Save(stream);
        // Float32 rows (a float32 model's embeddings) are stored as float32: exact, and half the size.
        var rowBytes = 300L * 6 * (float32Inputs ? 4 : 8);
        Assert.InRange(stream.Length, rowBytes, rowBytes + (300 * 8) + 200);

        stream.Position = 0;
        var loaded = new KnnRegressor(new KnnOptions { K = [1], P = [3], Standardize = false, Threads = 1 });
        loaded.Load(stream);
        Assert.Equal(fitted.Describe(), loaded.Describe());
        Assert.Equal(fitted.Predict(queries).Select(BitConverter.DoubleToInt64Bits), loaded.Predict(queries).Select(BitConverter.DoubleToInt64Bits));
    }

    [Fact]
    public void A_loaded_linear_regressor_predicts_the_same_bits()
    {
        var (x, y) = Data(80, 3, seed: 3, float32: false);
        var (queries, _) = Data(20, 3, seed: 4, float32: false);
        var fitted = new LinearRegressor();
        fitted.Fit(x, y);
        using var stream = new MemoryStream();
        fitted.Save(stream);
        stream.Position = 0;
        var loaded = new LinearRegressor();
        loaded.Load(stream);
        Assert.Equal(fitted.Describe(), loaded.Describe());
        Assert.Equal(fitted.Predict(queries).Select(BitConverter.DoubleToInt64Bits), loaded.Predict(queries).Select(BitConverter.DoubleToInt64Bits));
    }

    [Fact]
    public void Saving_before_fitting_and_loading_another_format_fail_clearly()
    {
        IRegressor[] regressors = [new KnnRegressor(new KnnOptions()), new LinearRegressor()];
        foreach (var regressor in regressors)
        {
            Assert.Throws<InvalidOperationException>(() => regressor.Save(new MemoryStream()));
            Assert.Throws<InvalidDataException>(() => regressor.Load(new MemoryStream("not a regressor file"u8.ToArray())));
        }

        // Each plugin refuses the other's file.
        var linear = new LinearRegressor();
        linear.Fit([[0.0], [1.0], [2.0]], [0, 1, 2]);
        using var stream = new MemoryStream();
        linear.Save(stream);
        stream.Position = 0;
        Assert.Throws<InvalidDataException>(() => new KnnRegressor(new KnnOptions()).Load(stream));
    }

    private static (double[][] X, double[] Y) Data(int n, int width, int seed, bool float32)
    {
        var random = new Random(seed);
        var x = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, width).Select(_ => float32 ? (float)random.NextDouble() : random.NextDouble()).ToArray()).ToArray();
        return (x, [.. x.Select(r => r.Sum() + random.NextDouble())]);
    }
}
