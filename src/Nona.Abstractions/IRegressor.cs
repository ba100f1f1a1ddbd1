namespace Nona.Abstractions;

/// <summary>
/// A non-differentiable regressor fitted on fixed vectors: the k-NN of two-stage fine-tuning (fitted on a trained
/// model's embeddings) and the baselines on raw inputs. Deterministic for the same data.
/// </summary>
public interface IRegressor
{
    /// <summary>Fits on <paramref name="x"/> (n rows of equal width) and labels <paramref name="y"/>.</summary>
    void Fit(double[][] x, double[] y);

    /// <summary>Predicts one value per row. Only valid after <see cref="Fit"/>.</summary>
    double[] Predict(double[][] x);

    /// <summary>What was fitted, for logs and run.json (e.g. <c>k=5 p=2 weights=distance</c>).</summary>
    string Describe();

    /// <summary>
    /// Writes the fitted state to <paramref name="stream"/> (the plugin's own binary format; the stream is left
    /// open), so that a fresh instance made by the same plugin can <see cref="Load"/> it. Only valid after
    /// <see cref="Fit"/> or <see cref="Load"/>; throws <see cref="InvalidOperationException"/> before.
    /// </summary>
    void Save(Stream stream);

    /// <summary>
    /// Reads what <see cref="Save"/> wrote, replacing any fitted state: afterwards <see cref="Predict"/> returns the
    /// same bits, and <see cref="Describe"/> the same text, as the saved instance did. The state read wins over
    /// this instance's fitting options. Throws <see cref="InvalidDataException"/> for a stream this plugin did not
    /// write.
    /// </summary>
    void Load(Stream stream);
}

/// <summary>
/// A regressor that predicts from the rows it was fitted on and can name them (k-NN): <c>nona explain</c> lists
/// them for a two-stage model as it lists a NONA head's neighbours. A regressor that does not combine fitted rows
/// implements <see cref="IRegressor"/> only.
/// </summary>
public interface INeighbourRegressor : IRegressor
{
    /// <summary>
    /// For each row of <paramref name="x"/>, the fitted rows its prediction combines, nearest first, with the weight
    /// each carries: the weights of a row sum to 1 and Σ weight · label is what <see cref="IRegressor.Predict"/>
    /// returns for it, up to rounding. Only valid after <see cref="IRegressor.Fit"/> or <see cref="IRegressor.Load"/>.
    /// </summary>
    IReadOnlyList<RegressorNeighbours> Neighbours(double[][] x);
}

/// <summary>The fitted rows one prediction of an <see cref="INeighbourRegressor"/> combines, nearest first.</summary>
/// <param name="Rows">Their positions in the rows given to <see cref="IRegressor.Fit"/>.</param>
/// <param name="Labels">Their labels, as given to <see cref="IRegressor.Fit"/>.</param>
/// <param name="Distances">Their distances from the query, in the regressor's own metric.</param>
/// <param name="Weights">Their weights, summing to 1.</param>
public sealed record RegressorNeighbours(int[] Rows, double[] Labels, double[] Distances, double[] Weights);
