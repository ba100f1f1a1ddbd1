using Nona.Plugins.Heads;
using Nona.Tests.Support;
using Xunit;

namespace Nona.Tests.Heads;

public sealed class SimilarityTests
{
    private static readonly double[][] Query = [[1, 2]];
    private static readonly double[][] Neighbours = [[1, 2], [4, 6], [0, 0]];

    [Theory]
    [InlineData(SimilarityKind.L2, new[] { 0.0, -5.0, -2.23606797749979 })]
    [InlineData(SimilarityKind.L1, new[] { 0.0, -7.0, -3.0 })]
    [InlineData(SimilarityKind.Dot, new[] { 2.5, 8.0, 0.0 })]
    [InlineData(SimilarityKind.Cos, new[] { 1.0, 0.99227787671366763, 0.0 })]
    public void Matches_hand_computed_values(SimilarityKind kind, double[] expected)
    {
        using var z = Tensors.Matrix(Query);
        using var zn = Tensors.Matrix(Neighbours);
        using var sim = Similarity.Compute(kind, z, zn);
        Assert.Equal([1, 3], sim.shape);
        var actual = Tensors.Values(sim);
        for (var j = 0; j < expected.Length; j++)
            Assert.Equal(expected[j], actual[j], 1e-12);
    }

    [Theory]
    [InlineData(SimilarityKind.L2, "l2")]
    [InlineData(SimilarityKind.L1, "l1")]
    [InlineData(SimilarityKind.Dot, "dot")]
    [InlineData(SimilarityKind.Cos, "cos")]
    public void Matches_the_reference_on_random_matrices(SimilarityKind kind, string name)
    {
        var random = new Random(7);
        var z = Enumerable.Range(0, 5).Select(_ => Enumerable.Range(0, 4).Select(_ => random.NextDouble() - 0.5).ToArray()).ToArray();
        var zn = Enumerable.Range(0, 6).Select(_ => Enumerable.Range(0, 4).Select(_ => random.NextDouble() - 0.5).ToArray()).ToArray();
        using var zt = Tensors.Matrix(z);
        using var znt = Tensors.Matrix(zn);
        var actual = Tensors.Values(Similarity.Compute(kind, zt, znt));
        for (var i = 0; i < z.Length; i++)
        {
            for (var j = 0; j < zn.Length; j++)
                Assert.Equal(NonaReference.Similarity(name, z[i], zn[j]), actual[(i * zn.Length) + j], 1e-12);
        }
    }
}
