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
}
