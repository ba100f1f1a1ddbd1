using Nona.Abstractions;
using Nona.Plugins.Heads;
using Nona.Plugins.Heads.SoftStep;
using Nona.Tests.Support;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Nona.Tests.Heads;

/// <summary>
/// NONA at evaluation reads the bank in chunks (BankAttention): it must give what the whole-matrix training path
/// gives, on a bank that spans many chunks, for every similarity and SoftStep variant.
/// </summary>
public sealed class BankAttentionTests
{
    private const int Queries = 7;
    private const int BankRows = 300;
    private const int Width = 5;

    // 7 queries × 8 bytes × 16 temporaries × 40 columns: chunks of 40 bank rows, 8 chunks for 300 rows.
    private const long SmallBudget = Queries * 8 * 16 * 40;

    public static TheoryData<SimilarityKind, string, SoftStepParameterMode, SoftStepNormalization> Variants()
    {
        var data = new TheoryData<SimilarityKind, string, SoftStepParameterMode, SoftStepNormalization>();
        foreach (var kind in Enum.GetValues<SimilarityKind>())
        {
            data.Add(kind, "none", SoftStepParameterMode.Global, SoftStepNormalization.IncludeSelf);
            foreach (var mask in new[] { "s1", "s2" })
            {
                foreach (var mode in Enum.GetValues<SoftStepParameterMode>())
                    data.Add(kind, mask, mode, SoftStepNormalization.IncludeSelf);
                data.Add(kind, mask, SoftStepParameterMode.Pointwise, SoftStepNormalization.ExcludeSelf);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Chunked_evaluation_equals_the_whole_matrix_for_new_queries_and_for_queries_in_the_bank(
        SimilarityKind kind, string mask, SoftStepParameterMode mode, SoftStepNormalization normalization)
    {
        Assert.Equal(40, BankAttention.ChunkWidth(Queries, BankRows, 8, SmallBudget, excludeSelf: false));
        using var head = Head(kind, mask, mode, normalization);
        var (bank, labels) = NonaHeadTests.RandomBatch(BankRows, Width, seed: 21);
        var (outside, _) = NonaHeadTests.RandomBatch(Queries, Width, seed: 22);
        using var zn = Tensors.Matrix(bank);
        using var y = Tensors.Vector(labels);
        using var newQueries = Tensors.Matrix(outside);
        using var ownQueries = zn.narrow(0, 0, Queries).clone(); // the bank's first rows, masked from themselves

        foreach (var (queries, excludeSelf) in new[] { (newQueries, false), (ownQueries, true) })
        {
            var input = new HeadInput(queries, zn, y, excludeSelf);
            var whole = Tensors.Values(head.call(input)); // gradient enabled: the training path, one (B, N) matrix
            double[] chunked;
            using (no_grad())
                chunked = Tensors.Values(head.call(input));
            for (var i = 0; i < Queries; i++)
                Assert.Equal(whole[i], chunked[i], 1e-9);
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Attention_weights_sum_to_one_and_their_label_average_is_the_prediction(
        SimilarityKind kind, string mask, SoftStepParameterMode mode, SoftStepNormalization normalization)
    {
        using var head = Head(kind, mask, mode, normalization);
        var (bank, labels) = NonaHeadTests.RandomBatch(BankRows, Width, seed: 31);
        using var zn = Tensors.Matrix(bank);
        using var y = Tensors.Vector(labels);
        using var queries = zn.narrow(0, 0, Queries).clone();
        var input = new HeadInput(queries, zn, y, ExcludeSelf: true);

        using var all = head.Attend(input, BankRows)!;
        double[] prediction;
        using (no_grad())
            prediction = Tensors.Values(head.call(input));
        var indices = all.Indices.data<long>().ToArray();
        var weights = Tensors.Values(all.Weights);
        var masks = Tensors.Values(all.Masks);
        var effective = Tensors.Values(all.EffectiveNeighbours);
        var rejected = all.Rejected.data<long>().ToArray();
        var predicted = Tensors.Values(all.Predictions);
        for (var q = 0; q < Queries; q++)
        {
            var row = Enumerable.Range(q * BankRows, BankRows).ToArray();
            Assert.Equal(Enumerable.Range(0, BankRows).Select(i => (long)i), row.Select(i => indices[i]).Order()); // every neighbour once
            Assert.Equal(1.0, row.Sum(i => weights[i]), 1e-12);
            Assert.Equal(prediction[q], row.Sum(i => weights[i] * labels[indices[i]]), 1e-12);
            Assert.Equal(prediction[q], predicted[q], 0);
            Assert.Equal(0.0, row.Where(i => indices[i] == q).Sum(i => weights[i]), 0); // never its own label
            Assert.True(row.Zip(row.Skip(1)).All(p => weights[p.First] >= weights[p.Second]), "largest weight first");
            Assert.Equal(1 / row.Sum(i => weights[i] * weights[i]), effective[q], 1e-9);
            Assert.Equal(row.Count(i => indices[i] != q && masks[i] < NeighbourAttention.RejectedBelow), rejected[q]);
            Assert.All(row, i => Assert.InRange(masks[i], 0, 1));
        }

        // The top 4 are the first 4 of the whole ranking.
        using var top = head.Attend(input, 4)!;
        var topIndices = top.Indices.data<long>().ToArray();
        for (var q = 0; q < Queries; q++)
            Assert.Equal(indices.Skip(q * BankRows).Take(4), topIndices.Skip(q * 4).Take(4));
    }

    [Fact]
    public void A_head_without_neighbours_explains_nothing()
    {
        using var dense = new DenseHead(Width);
        using var z = zeros(2, Width, ScalarType.Float64);
        Assert.Null(dense.Attend(new HeadInput(z, null, null, false), 3));
    }

    [Fact]
    public void The_float32_l2_expansion_stays_within_its_stated_tolerance_of_the_difference_form()
    {
        // Projector outputs pass through tanh: coordinates in [−1, 1], 25 of them, so norms up to 5.
        var (bank, _) = NonaHeadTests.RandomBatch(2000, 25, seed: 41);
        using var zn = Tensors.Matrix(bank).to(ScalarType.Float32);
        using var q = zn.narrow(0, 0, 64).clone(); // includes exact duplicates: distance 0, worst cancellation
        using var exact = Similarity.Compute(SimilarityKind.L2, q, zn);
        using var fast = Similarity.ComputeForEvaluation(SimilarityKind.L2, q, zn);
        using var difference = (exact - fast).abs();
        using var gap = difference.max();
        using var apart = difference.masked_select(exact < -0.1f).max(); // neighbours at least 0.1 apart
        // At distance 0 the expansion's cancellation leaves ~1e-6 of squared distance, i.e. ~1e-3 of distance.
        Assert.True(gap.ToSingle() < 5e-3f, $"max |difference| {gap.ToSingle()}");
        Assert.True(apart.ToSingle() < 1e-4f, $"max |difference| beyond 0.1: {apart.ToSingle()}");
        using var l1 = (Similarity.Compute(SimilarityKind.L1, q, zn) - Similarity.ComputeForEvaluation(SimilarityKind.L1, q, zn)).abs().max();
        Assert.True(l1.ToSingle() < 1e-5f, $"l1 max |difference| {l1.ToSingle()}");
    }

    [Fact]
    public void Huge_embeddings_keep_their_l2_distances_and_nan_embeddings_stay_nan_in_both_forms()
    {
        // Entries near 1e30: ‖z‖² overflows float32, and an unscaled expansion would give ∞ − ∞ = NaN.
        var (bank, _) = NonaHeadTests.RandomBatch(50, 4, seed: 43);
        using var unit = Tensors.Matrix(bank).to(ScalarType.Float32);
        using var zn = unit * 1e30f;
        using var q = zn.narrow(0, 0, 5).clone();
        using var reference = Similarity.Compute(SimilarityKind.L2, unit.narrow(0, 0, 5), unit) * 1e30f;
        using var fast = Similarity.ComputeForEvaluation(SimilarityKind.L2, q, zn);
        Assert.False(fast.isnan().any().ToBoolean(), "the scaled expansion must not produce NaN");
        using var gap = ((fast - reference).abs() / 1e30f).max(); // the float32 tolerance of the test above, in units of 1e30
        Assert.True(gap.ToSingle() < 5e-3f, $"max |difference| / 1e30: {gap.ToSingle()}");

        // Ordinary entries: the power-of-two scaling never engages, and a NaN row is NaN in training and evaluation.
        using var broken = unit.narrow(0, 0, 2).clone();
        broken[1, 0] = float.NaN;
        foreach (var form in new[] { Similarity.Compute(SimilarityKind.L2, broken, unit), Similarity.ComputeForEvaluation(SimilarityKind.L2, broken, unit) })
        {
            using (form)
            {
                Assert.False(form[0].isnan().any().ToBoolean());
                Assert.True(form[1].isnan().all().ToBoolean(), "a NaN embedding must not read as distance 0");
            }
        }
    }

    private static NonaHead Head(SimilarityKind kind, string mask, SoftStepParameterMode mode, SoftStepNormalization normalization)
    {
        manual_seed(7);
        var options = new SoftStepOptions { Params = mode, Normalize = normalization };
        SoftStepMask softstep = mask switch
        {
            "s1" => new S1SoftStep(Width, options, ScalarType.Float64),
            "s2" => new S2SoftStep(Width, options, ScalarType.Float64),
            _ => new NoSoftStep(),
        };
        var head = new NonaHead(kind, softstep) { EvalMemoryBytes = SmallBudget };
        head.to(ScalarType.Float64);
        return head;
    }
}
