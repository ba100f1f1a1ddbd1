using Nona.Abstractions;
using Nona.Host.Torch;
using static TorchSharp.torch;

namespace Nona.Host.Protocol;

/// <summary>The labelled points NONA attends to at evaluation: eval-mode embeddings and scaled labels.</summary>
internal sealed record NeighbourBank(Tensor Embeddings, Tensor Labels) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        Embeddings.Dispose();
        Labels.Dispose();
    }
}

/// <summary>Eval-mode embeddings and predictions, in chunks so large splits fit in memory.</summary>
internal static class Inference
{
    /// <summary>Queries per chunk of evaluation.</summary>
    public const int Chunk = 256;

    /// <summary>Eval-mode embeddings of the rows at <paramref name="indices"/>: (n, d), no gradient.</summary>
    public static Tensor Embeddings(RegressionModel model, InputSource inputs, IReadOnlyList<int> indices, Placement placement)
    {
        model.eval();
        using var noGrad = no_grad();
        var parts = new List<Tensor>();
        var plan = indices.Chunk(Chunk).Select(c => c.Select(i => (long)i).ToArray()).ToList();
        foreach (var batch in inputs.Batches(plan, placement.DType, placement.Device))
        {
            using (batch)
                parts.Add(model.Embed(batch));
        }

        if (parts.Count == 0)
            return zeros(0, 0, placement.DType, placement.Device);

        var all = cat(parts, 0);
        parts.ForEach(p => p.Dispose());
        return all;
    }

    /// <summary>Predictions for query embeddings; NONA attends to <paramref name="bank"/>, never to itself.</summary>
    public static double[] Predict(RegressionModel model, Tensor queries, NeighbourBank? bank) => Predict(model, queries, bank, null);

    /// <summary>
    /// Predictions for the rows <paramref name="rows"/> from a bank of <paramref name="bankRows"/> (train, or
    /// train+val): when the rows are in the bank (validation rows with <c>neighbours: train+val</c>), each one is
    /// masked from its own entry, as in training — otherwise it would read its own label.
    /// </summary>
    public static double[] PredictRows(RegressionModel model, InputSource inputs, double[] scaledLabels, int[] rows, int[] bankRows, Placement placement)
    {
        using var queries = Embeddings(model, inputs, rows, placement);
        if (!model.UsesNeighbours)
            return Predict(model, queries, null);
        using var bank = Trainer.Bank(model, inputs, scaledLabels, bankRows, placement);
        return Predict(model, queries, bank, BankPositions(rows, bankRows));
    }

    /// <summary>Where each of <paramref name="rows"/> sits in <paramref name="bankRows"/>; null when none does.</summary>
    public static int[]? BankPositions(int[] rows, int[] bankRows)
    {
        var position = new Dictionary<int, int>(bankRows.Length);
        for (var i = 0; i < bankRows.Length; i++)
            position[bankRows[i]] = i;
        var inBank = rows.Count(position.ContainsKey);
        if (inBank == 0)
            return null;
        if (inBank != rows.Length)
            throw new InvalidOperationException($"{inBank} of {rows.Length} query rows are in the neighbour bank: all or none must be");
        return [.. rows.Select(r => position[r])];
    }

    private static double[] Predict(RegressionModel model, Tensor queries, NeighbourBank? bank, int[]? ownPositions)
    {
        model.eval();
        using var noGrad = no_grad();
        var result = new List<double>((int)queries.shape[0]);
        for (long start = 0; start < queries.shape[0]; start += Chunk)
        {
            using var scope = NewDisposeScope();
            var count = Math.Min(Chunk, queries.shape[0] - start);
            var z = queries.narrow(0, start, count);
            HeadInput input;
            if (bank is not null && ownPositions is not null)
            {
                // The chunk's own entries first, in query order, then the rest: query j's own entry is column j,
                // which ExcludeSelf masks (the order of the others does not change a softmax-weighted sum).
                var own = ownPositions[(int)start..(int)(start + count)];
                var ownSet = own.ToHashSet();
                long[] order = [.. own.Select(p => (long)p), .. Enumerable.Range(0, (int)bank.Labels.shape[0]).Where(p => !ownSet.Contains(p)).Select(p => (long)p)];
                var index = tensor(order, device: bank.Labels.device);
                input = new HeadInput(z, bank.Embeddings.index_select(0, index), bank.Labels.index_select(0, index), ExcludeSelf: true);
            }
            else
            {
                input = new HeadInput(z, bank?.Embeddings, bank?.Labels, ExcludeSelf: false);
            }

            result.AddRange(Placement.ToArray(model.Predict(input)));
        }

        return [.. result];
    }

    /// <summary>Mean squared error.</summary>
    public static double Mse(double[] predictions, double[] targets)
    {
        double sum = 0;
        for (var i = 0; i < predictions.Length; i++)
            sum += (predictions[i] - targets[i]) * (predictions[i] - targets[i]);
        return sum / predictions.Length;
    }
}
