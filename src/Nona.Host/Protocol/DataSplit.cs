using Nona.Host.Recipes;

namespace Nona.Host.Protocol;

/// <summary>Row indices of one split's train, validation and test parts.</summary>
internal sealed record DataSplit(int[] Train, int[] Val, int[] Test)
{
    /// <summary>
    /// The protocol's split for <paramref name="seed"/>: test_fraction of the data for test, then val_fraction of the
    /// rest for validation; optionally stratified on quantile bins of the labels. Same seed ⇒ same split for every head.
    /// </summary>
    public static DataSplit Make(double[] labels, int seed, EvaluationOptions options)
    {
        var random = new Random(seed);
        var groups = options.Stratify ? QuantileBins(labels, options.StratifyBins) : [Enumerable.Range(0, labels.Length).ToArray()];
        List<int> train = [], val = [], test = [];
        foreach (var group in groups)
        {
            var order = group.ToArray();
            random.Shuffle(order);
            // As scikit-learn's train_test_split: the held-out part is rounded up.
            var testCount = (int)Math.Ceiling(options.TestFraction * order.Length);
            var development = order[testCount..];
            var valCount = (int)Math.Ceiling(options.ValFraction * development.Length);
            test.AddRange(order[..testCount]);
            val.AddRange(development[..valCount]);
            train.AddRange(development[valCount..]);
        }

        // Stratified groups are concatenated; shuffle again so no part is ordered by label.
        var parts = new[] { train.ToArray(), val.ToArray(), test.ToArray() };
        if (options.Stratify)
        {
            foreach (var part in parts)
                random.Shuffle(part);
        }

        return new DataSplit(parts[0], parts[1], parts[2]);
    }

    private static int[][] QuantileBins(double[] labels, int bins)
    {
        var order = Enumerable.Range(0, labels.Length).OrderBy(i => labels[i]).ThenBy(i => i).ToArray();
        var count = Math.Min(bins, Math.Max(1, labels.Length / 2));
        return [.. Enumerable.Range(0, count).Select(b => order[(b * order.Length / count)..((b + 1) * order.Length / count)])];
    }
}
