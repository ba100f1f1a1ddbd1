using Nona.Abstractions;

namespace Nona.Host.Predict;

/// <summary>The rendered inputs a page shows: each query's and each listed neighbour's, once per row.</summary>
/// <param name="Queries">Query row → its preview.</param>
/// <param name="Neighbours">Training row → its preview.</param>
/// <param name="BankPoints">For 2-D vector data, the bank's points (for the panel behind each query); else null.</param>
internal sealed record ExplainPreviews(IReadOnlyDictionary<int, SamplePreview> Queries, IReadOnlyDictionary<int, SamplePreview> Neighbours, IReadOnlyList<double[]>? BankPoints)
{
    // Points drawn behind a 2-D panel: enough to see the data's shape, few enough to keep the page light.
    private const int MaxBankPoints = 1500;

    /// <summary>Renders what the explanation lists; a source that cannot render gives no entry.</summary>
    public static ExplainPreviews Collect(InputSource queries, InputSource? training, IReadOnlyList<ExplainedPrediction> explained, int[]? bankRows)
    {
        var queryPreviews = new Dictionary<int, SamplePreview>();
        foreach (var e in explained)
        {
            if (!queryPreviews.ContainsKey(e.Row) && queries.Preview(e.Row) is { } preview)
                queryPreviews[e.Row] = preview;
        }

        var neighbourPreviews = new Dictionary<int, SamplePreview>();
        List<double[]>? points = null;
        if (training is not null)
        {
            foreach (var row in explained.SelectMany(e => e.Neighbours).Select(n => n.Row).Distinct())
            {
                if (training.Preview(row) is { } preview)
                    neighbourPreviews[row] = preview;
            }

            if (bankRows is not null && training.VectorDim == 2 && training.AsVectors() is { } vectors)
            {
                var step = Math.Max(1, bankRows.Length / MaxBankPoints);
                points = [.. bankRows.Where((_, i) => i % step == 0).Select(r => vectors[r])];
            }
        }

        return new ExplainPreviews(queryPreviews, neighbourPreviews, points);
    }
}
