using Nona.Host.Recipes;

namespace Nona.Host.Protocol;

/// <summary>Row indices of one split's train, validation and test parts.</summary>
internal sealed record DataSplit(int[] Train, int[] Val, int[] Test)
{
    /// <summary>
    /// The protocol's split for <paramref name="seed"/>: test_fraction of the data for test, then val_fraction of the
    /// rest for validation; optionally stratified on quantile bins of the labels. Same seed ⇒ same split for every head.
    /// With <paramref name="groups"/> (one key per row) whole groups are assigned instead of rows (see
    /// <see cref="MakeGrouped"/>); without them the split is exactly the row-level one.
    /// </summary>
    public static DataSplit Make(double[] labels, int seed, EvaluationOptions options, IReadOnlyList<string>? groups = null)
    {
        if (groups is not null)
            return MakeGrouped(labels, groups, seed, options);

        var random = new Random(seed);
        var strata = options.Stratify ? QuantileBins(labels, options.StratifyBins) : [Enumerable.Range(0, labels.Length).ToArray()];
        List<int> train = [], val = [], test = [];
        foreach (var stratum in strata)
        {
            var order = stratum.ToArray();
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

    /// <summary>
    /// The group-aware split: the groups (in order of first appearance) are shuffled with the seed, and whole groups
    /// go to test until test_fraction of the rows (rounded up) is reached, then to validation until val_fraction of
    /// the remaining rows is reached; the rest train. With stratification the groups are binned on their mean label
    /// and each bin is split that way. Each part is shuffled at the end, so no part is ordered by group.
    /// </summary>
    private static DataSplit MakeGrouped(double[] labels, IReadOnlyList<string> groups, int seed, EvaluationOptions options)
    {
        if (groups.Count != labels.Length)
            throw new ArgumentException($"{groups.Count} group keys for {labels.Length} rows", nameof(groups));

        var members = new List<List<int>>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var row = 0; row < groups.Count; row++)
        {
            var key = groups[row] ?? throw new ArgumentException($"row {row} has no group key", nameof(groups));
            if (!index.TryGetValue(key, out var g))
            {
                index.Add(key, g = members.Count);
                members.Add([]);
            }

            members[g].Add(row);
        }

        var random = new Random(seed);
        int[][] strata = options.Stratify
            ? QuantileBins([.. members.Select(m => m.Average(row => labels[row]))], options.StratifyBins)
            : [Enumerable.Range(0, members.Count).ToArray()];
        List<int> train = [], val = [], test = [];
        foreach (var stratum in strata)
        {
            var order = stratum.ToArray();
            random.Shuffle(order);
            var rows = order.Sum(g => members[g].Count);
            var testEnd = TakeUntil(order, 0, (int)Math.Ceiling(options.TestFraction * rows), members);
            var developmentRows = order[testEnd..].Sum(g => members[g].Count);
            var valEnd = TakeUntil(order, testEnd, (int)Math.Ceiling(options.ValFraction * developmentRows), members);
            test.AddRange(order[..testEnd].SelectMany(g => members[g]));
            val.AddRange(order[testEnd..valEnd].SelectMany(g => members[g]));
            train.AddRange(order[valEnd..].SelectMany(g => members[g]));
        }

        var parts = new[] { train.ToArray(), val.ToArray(), test.ToArray() };
        foreach (var part in parts)
            random.Shuffle(part);
        return new DataSplit(parts[0], parts[1], parts[2]);
    }

    /// <summary>
    /// The end of the run of groups from <paramref name="start"/> whose rows first reach <paramref name="target"/>;
    /// at least one group is always left after it, so training never ends up empty.
    /// </summary>
    private static int TakeUntil(int[] order, int start, int target, List<List<int>> members)
    {
        var (end, taken) = (start, 0);
        while (taken < target && end < order.Length - 1)
            taken += members[order[end++]].Count;
        return end;
    }

    private static int[][] QuantileBins(double[] labels, int bins)
    {
        var order = Enumerable.Range(0, labels.Length).OrderBy(i => labels[i]).ThenBy(i => i).ToArray();
        var count = Math.Min(bins, Math.Max(1, labels.Length / 2));
        return [.. Enumerable.Range(0, count).Select(b => order[(b * order.Length / count)..((b + 1) * order.Length / count)])];
    }
}
