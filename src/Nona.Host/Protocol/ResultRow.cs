namespace Nona.Host.Protocol;

/// <summary>One line of results.csv: a method's errors on one split of one dataset.</summary>
/// <param name="Dataset">Dataset name.</param>
/// <param name="Method">Method name (dense, dense+knn, nona, nona+knn, linear, knn-raw, or a head's label).</param>
/// <param name="Split">Split index (0-based).</param>
/// <param name="ValMseScaled">Validation MSE in [0, 1]-scaled label units.</param>
/// <param name="MseScaled">Test MSE in scaled units.</param>
/// <param name="Mse">Test MSE in the dataset's own units.</param>
internal sealed record ResultRow(string Dataset, string Method, int Split, double ValMseScaled, double MseScaled, double Mse);
