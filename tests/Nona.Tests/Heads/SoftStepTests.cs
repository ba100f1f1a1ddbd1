using Nona.Abstractions;
using Nona.Plugins.Heads;
using Nona.Plugins.Heads.SoftStep;
using Nona.Tests.Support;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Nona.Tests.Heads;

public sealed class SoftStepTests
{
    private static readonly double[][] Similarities =
    [
        [0.0, -1.0, -3.0, -0.5],
        [-2.0, 0.0, -0.25, -4.0],
        [-1.0, -1.5, 0.0, -0.75],
    ];

    [Fact]
    public void S2_log_mask_equals_the_spec_formula_including_the_clamped_least_similar_neighbour()
    {
        using var mask = NonaHeadTests.S2(0.8, 0.3);
        using var sim = Tensors.Matrix(Similarities);
        using var z = zeros(3, 3, ScalarType.Float64);
        var actual = Tensors.Values(mask.call(new SoftStepInput(sim, z, ExcludeSelf: false)));
        for (var i = 0; i < 3; i++)
        {
            var x = NonaReference.Normalize(Similarities[i], -1);
            for (var j = 0; j < 4; j++)
                Assert.Equal(NonaReference.LogS2(x[j], 0.8, 0.3, 1e-12), actual[(i * 4) + j], 1e-12);
        }

        // x = 0 (each row's least similar) is clamped to ε: finite, and far below every other entry.
        Assert.All(actual, v => Assert.True(double.IsFinite(v)));
        Assert.Equal(0.3 / 0.7 * 0.8 * Math.Log(1e-12 / 0.8), actual[2], 1e-9);
    }

    [Fact]
    public void S1_matches_the_spec_and_its_threshold_adjustment_keeps_the_best_neighbour()
    {
        // a0 ≈ 1 asks to reject everything; a = min(a0, top) − ε must still keep the row's best non-self neighbour.
        const double a0 = 0.999999, b0 = 0.5, t = 0.4;
        using var mask = new S1SoftStep(3, new SoftStepOptions { Params = SoftStepParameterMode.Global }, ScalarType.Float64);
        mask.to(ScalarType.Float64);
        Tensors.Set(mask, "global", [Tensors.Logit(a0), Tensors.Logit(b0), Tensors.Logit(t)]);
        using var sim = Tensors.Matrix(Similarities);
        using var z = zeros(3, 3, ScalarType.Float64);
        var actual = Tensors.Values(mask.call(new SoftStepInput(sim, z, ExcludeSelf: true)));
        for (var i = 0; i < 3; i++)
        {
            var x = NonaReference.Normalize(Similarities[i], -1);
            var top = x.Where((_, j) => j != i).Max();
            var a = Math.Min(a0, top) - 1e-12;
            var b = a + (b0 * (1 - a));
            var row = actual.Skip(i * 4).Take(4).ToArray();
            for (var j = 0; j < 4; j++)
            {
                var expected = NonaReference.LogS1(x[j], a, b, t);
                if (double.IsNegativeInfinity(expected))
                    Assert.True(double.IsNegativeInfinity(row[j]));
                else
                    Assert.Equal(expected, row[j], 1e-9);
            }

            Assert.Contains(row.Where((_, j) => j != i), double.IsFinite); // at least one neighbour survives
        }
    }

    [Fact]
    public void A_row_of_equal_similarities_normalises_to_one_not_NaN()
    {
        using var sim = full(2, 3, -1.5, ScalarType.Float64);
        var normalized = Tensors.Values(SoftStepBase.NormalizeRows(sim, excludeDiagonal: false));
        Assert.All(normalized, v => Assert.Equal(1.0, v));
    }

    [Fact]
    public void Exclude_self_normalisation_ignores_the_diagonal_for_min_and_max()
    {
        using var sim = Tensors.Matrix(Similarities[..3].Select(r => r[..3]).ToArray());
        var normalized = Tensors.Values(SoftStepBase.NormalizeRows(sim, excludeDiagonal: true));
        var expected = NonaReference.Normalize([0.0, -1.0, -3.0], 0); // row 0 without its diagonal: min −3, max −1
        Assert.Equal(expected[1], normalized[1], 1e-12);
        Assert.Equal(expected[2], normalized[2], 1e-12);
        Assert.Equal(1.0, normalized[1], 1e-12);
        Assert.Equal(0.0, normalized[2], 1e-12);
    }

    public static TheoryData<string, int, double> GradientCases => new()
    {
        { "s2", 2, 0.5 }, { "s1", 2, 0.5 }, { "s2", 5, 1e-9 }, { "s2", 5, 1 - 1e-9 }, { "s1", 5, 1e-9 }, { "s1", 5, 1 - 1e-9 },
    };

    [Theory]
    [MemberData(nameof(GradientCases))]
    public void Gradients_stay_finite_for_a_batch_of_two_and_t_near_0_and_1(string kind, int batch, double t)
    {
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.Float64 })
        {
            var (values, labels) = NonaHeadTests.RandomBatch(batch, 3, seed: 2);
            using var head = Head(kind, dtype, a0: 0.4, b0: 0.5, t);
            using var z = Tensors.Matrix(values).to(dtype).requires_grad_(true);
            using var y = Tensors.Vector(labels).to(dtype);
            AssertFiniteGradients(head, z, y);
        }
    }

    [Theory]
    [InlineData("s1")]
    [InlineData("s2")]
    [InlineData("none")]
    public void Gradients_stay_finite_for_identical_embeddings(string kind)
    {
        using var head = Head(kind, ScalarType.Float32, a0: 0.4, b0: 0.5, t: 0.5);
        using var z = full(4, 3, 0.25, ScalarType.Float32).requires_grad_(true);
        using var y = Tensors.Vector(0.1, 0.4, 0.6, 0.9).to(ScalarType.Float32);
        AssertFiniteGradients(head, z, y);
    }

    private static void AssertFiniteGradients(NonaHead head, Tensor z, Tensor y)
    {
        var predictions = head.call(new HeadInput(z, z, y, ExcludeSelf: true));
        Assert.All(Tensors.Values(predictions), p => Assert.True(double.IsFinite(p)));
        nn.functional.mse_loss(predictions, y).backward();
        Assert.All(Tensors.Values(z.grad!), g => Assert.True(double.IsFinite(g), "embedding gradient"));
        foreach (var (name, parameter) in head.named_parameters())
            Assert.All(Tensors.Values(parameter.grad!), g => Assert.True(double.IsFinite(g), name));
    }

    private static NonaHead Head(string kind, ScalarType dtype, double a0, double b0, double t)
    {
        var options = new SoftStepOptions { Params = SoftStepParameterMode.Global };
        SoftStepMask mask = kind switch
        {
            "s1" => new S1SoftStep(3, options, dtype),
            "s2" => new S2SoftStep(3, options, dtype),
            _ => new NoSoftStep(),
        };
        var head = new NonaHead(SimilarityKind.L2, mask);
        head.to(dtype);
        if (kind != "none")
            Tensors.Set(mask, "global", [Tensors.Logit(a0), Tensors.Logit(b0), Tensors.Logit(t)]);
        return head;
    }
}
