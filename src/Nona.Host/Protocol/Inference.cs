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
    private const int Chunk = 256;

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
    public static double[] Predict(RegressionModel model, Tensor queries, NeighbourBank? bank)
    {
        model.eval();
        using var noGrad = no_grad();
        var result = new List<double>((int)queries.shape[0]);
        for (long start = 0; start < queries.shape[0]; start += Chunk)
        {
            using var scope = NewDisposeScope();
            var z = queries.narrow(0, start, Math.Min(Chunk, queries.shape[0] - start));
            var input = new HeadInput(z, bank?.Embeddings, bank?.Labels, ExcludeSelf: false);
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
