namespace Nona.Host.Predict;

/// <summary>One neighbour that carried weight in a prediction.</summary>
/// <param name="Row">Its row in the training dataset.</param>
/// <param name="Label">Its label, in the label's original units.</param>
/// <param name="Similarity">Sim(z, z_n).</param>
/// <param name="Mask">SoftStep's mask value (1 without a mask).</param>
/// <param name="Weight">Its attention weight (the row's weights sum to 1).</param>
internal sealed record ExplainedNeighbour(int Row, double Label, double Similarity, double Mask, double Weight);

/// <summary>One explained prediction.</summary>
/// <param name="Row">The query's row in its inputs.</param>
/// <param name="Prediction">The prediction, in the label's original units.</param>
/// <param name="Label">The query's own label (original units), or NaN.</param>
/// <param name="Neighbours">The top neighbours by weight, largest first (empty for a head without neighbours).</param>
/// <param name="TopShare">The share of the weight the listed neighbours carry.</param>
/// <param name="EffectiveNeighbours">1 / Σ w² over the whole bank.</param>
/// <param name="Rejected">Neighbours whose mask value is below 0.01.</param>
internal sealed record ExplainedPrediction(int Row, double Prediction, double Label, IReadOnlyList<ExplainedNeighbour> Neighbours, double TopShare, double EffectiveNeighbours, long Rejected);

/// <summary>What <c>nona explain</c> found, before it is written.</summary>
/// <param name="RunFolder">The run.</param>
/// <param name="Dataset">The run's dataset.</param>
/// <param name="Method">The method.</param>
/// <param name="Split">The split whose model explains.</param>
/// <param name="InputName">The queries' name (a file, a dataset, or the split's test rows).</param>
/// <param name="Units">The label's units.</param>
/// <param name="BankSize">How many training rows the head attends to.</param>
/// <param name="Predictions">One per query.</param>
/// <param name="Note">What the head can and cannot explain (dense: no neighbours).</param>
/// <param name="SoftStep">The head's SoftStep plugin (<c>s2</c>), or null when it names none.</param>
internal sealed record Explanation(string RunFolder, string Dataset, string Method, int Split, string InputName, LabelUnits Units, int BankSize, IReadOnlyList<ExplainedPrediction> Predictions, string? Note, string? SoftStep = null);
