using Nona.Host.Protocol;
using Nona.Host.Torch;
using Nona.Plugins.Heads;
using Nona.Plugins.Heads.SoftStep;
using Xunit;
using static TorchSharp.torch;

namespace Nona.Tests.Units;

/// <summary>
/// With <c>neighbours: train+val</c> the bank holds the validation rows themselves; scoring a validation row must not
/// read its own label (it did: Trainer validated with ExcludeSelf false against that bank, so early stopping,
/// val_mse_scaled and sweep winners saw leaked labels).
/// </summary>
public sealed class ValidationLeakTests
{
    [Fact]
    public void A_validation_row_is_predicted_from_the_bank_without_itself_exactly_as_brute_force()
    {
        manual_seed(3);
        var placement = new Placement(CPU, ScalarType.Float64);
        using var model = placement.Place(new RegressionModel(new PrecomputedBackbone(2), new MlpProjector(2, [4]), new NonaHead(SimilarityKind.L2, new NoSoftStep())));
        var generator = new Random(5);
        var rows = Enumerable.Range(0, 30).Select(_ => new[] { generator.NextDouble(), generator.NextDouble() }).ToArray();
        var labels = rows.Select(r => r[0] * r[1]).ToArray();
        var inputs = new Nona.Abstractions.VectorInputs(rows);
        int[] train = [.. Enumerable.Range(0, 20)];
        int[] val = [.. Enumerable.Range(20, 10)];
        int[] bank = [.. train, .. val];

        var predictions = Inference.PredictRows(model, inputs, labels, val, bank, placement);

        for (var i = 0; i < val.Length; i++)
        {
            // Brute force: the bank without this row, no self-masking needed.
            int[] others = [.. bank.Where(r => r != val[i])];
            using var z = Inference.Embeddings(model, inputs, [val[i]], placement);
            using var withoutSelf = Trainer.Bank(model, inputs, labels, others, placement);
            var expected = Inference.Predict(model, z, withoutSelf)[0];
            Assert.Equal(expected, predictions[i], 12);

            // And what the leak gave: with itself in the bank, a row's own label pulls its prediction.
            using var withSelf = Trainer.Bank(model, inputs, labels, bank, placement);
            Assert.NotEqual(expected, Inference.Predict(model, z, withSelf)[0], 6);
        }
    }

    [Fact]
    public void Rows_are_either_all_in_the_bank_or_none()
    {
        Assert.Null(Inference.BankPositions([5, 6], [0, 1, 2]));
        Assert.Equal([2, 0], Inference.BankPositions([7, 5], [5, 6, 7])!);
        Assert.Throws<InvalidOperationException>(() => Inference.BankPositions([5, 9], [5, 6]));
    }
}
