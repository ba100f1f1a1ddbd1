using Nona.Abstractions;
using Nona.Plugins.Heads;
using Nona.Plugins.Heads.SoftStep;
using Nona.Tests.Support;
using TorchSharp;
using Xunit;

namespace Nona.Tests.Heads;

public sealed class NonaHeadTests
{
    [Fact]
    public void Plain_NONA_in_training_matches_a_hand_computed_value_and_never_sees_its_own_label()
    {
        // z = 0, 1, 3 on a line; l2 similarities −|zi − zj|. Point 0 attends to points 1 (S = −1) and 2 (S = −3):
        // weights σ(2) and 1 − σ(2), so ŷ0 = 0.5·σ(2) + 1·(1 − σ(2)).
        using var head = new NonaHead(SimilarityKind.L2, new NoSoftStep());
        using var z = Tensors.Matrix([[0], [1], [3]]);
        using var y = Tensors.Vector(0, 0.5, 1);
        var predictions = Tensors.Values(head.call(new HeadInput(z, z, y, ExcludeSelf: true)));
        var sigma2 = 1 / (1 + Math.Exp(-2));
        Assert.Equal((0.5 * sigma2) + (1 - sigma2), predictions[0], 1e-12);
        // Point 1's neighbours are equidistant (S = −1 and −2 → weights σ(1), 1 − σ(1)) — never its own 0.5.
        var sigma1 = 1 / (1 + Math.Exp(-1));
        Assert.Equal((0 * sigma1) + (1 * (1 - sigma1)), predictions[1], 1e-12);
    }

    [Theory]
    [InlineData(SimilarityKind.L2, "l2", true)]
    [InlineData(SimilarityKind.L1, "l1", false)]
    [InlineData(SimilarityKind.Dot, "dot", true)]
    [InlineData(SimilarityKind.Cos, "cos", false)]
    public void Plain_NONA_matches_the_reference_for_every_similarity(SimilarityKind kind, string name, bool excludeSelf)
    {
        var (z, y) = RandomBatch(6, 3, seed: 11);
        using var head = new NonaHead(kind, new NoSoftStep());
        using var zt = Tensors.Matrix(z);
        using var yt = Tensors.Vector(y);
        var actual = Tensors.Values(head.call(new HeadInput(zt, zt, yt, excludeSelf)));
        var expected = NonaReference.Predict(name, z, z, y, excludeSelf, null);
        for (var i = 0; i < z.Length; i++)
            Assert.Equal(expected[i], actual[i], 1e-12);
        Assert.All(actual, p => Assert.InRange(p, y.Min(), y.Max())); // a convex combination of labels
    }

    [Theory]
    [InlineData(0.3, 0.2, true)]
    [InlineData(0.7, 0.9, false)]
    [InlineData(0.5, 0.05, true)]
    public void NONA_with_S2_global_matches_the_reference(double b, double t, bool training)
    {
        var (z, y) = RandomBatch(7, 4, seed: 5);
        using var head = new NonaHead(SimilarityKind.L2, S2(b, t));
        using var zt = Tensors.Matrix(z);
        using var yt = Tensors.Vector(y);
        var actual = Tensors.Values(head.call(new HeadInput(zt, zt, yt, training)));
        var expected = NonaReference.Predict("l2", z, z, y, training, (row, _) =>
            [.. NonaReference.Normalize(row, -1).Select(x => NonaReference.LogS2(x, b, t, 1e-12))]);
        for (var i = 0; i < z.Length; i++)
            Assert.Equal(expected[i], actual[i], 1e-10);
    }

    [Fact]
    public void NONA_at_inference_attends_to_other_neighbours_without_masking()
    {
        var (z, y) = RandomBatch(5, 3, seed: 3);
        var (queries, _) = RandomBatch(4, 3, seed: 4);
        using var head = new NonaHead(SimilarityKind.L1, S2(0.6, 0.4));
        using var zn = Tensors.Matrix(z);
        using var q = Tensors.Matrix(queries);
        using var yt = Tensors.Vector(y);
        var actual = Tensors.Values(head.call(new HeadInput(q, zn, yt, ExcludeSelf: false)));
        var expected = NonaReference.Predict("l1", queries, z, y, false, (row, _) =>
            [.. NonaReference.Normalize(row, -1).Select(x => NonaReference.LogS2(x, 0.6, 0.4, 1e-12))]);
        for (var i = 0; i < queries.Length; i++)
            Assert.Equal(expected[i], actual[i], 1e-10);
    }

    internal static S2SoftStep S2(double b, double t)
    {
        var mask = new S2SoftStep(3, new SoftStepOptions { Params = SoftStepParameterMode.Global }, torch.ScalarType.Float64);
        mask.to(torch.ScalarType.Float64);
        Tensors.Set(mask, "global", [0.0, Tensors.Logit(b), Tensors.Logit(t)]);
        return mask;
    }

    internal static (double[][] Z, double[] Y) RandomBatch(int n, int d, int seed)
    {
        var random = new Random(seed);
        var z = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, d).Select(_ => (random.NextDouble() * 2) - 1).ToArray()).ToArray();
        var y = Enumerable.Range(0, n).Select(_ => random.NextDouble()).ToArray();
        return (z, y);
    }
}
