using Nona.Host.Protocol;
using Nona.Host.Recipes;
using Xunit;

namespace Nona.Tests.Protocol;

public sealed class SplitAndBatchTests
{
    [Fact]
    public void Splits_partition_the_rows_with_the_protocol_shares_and_repeat_for_a_seed()
    {
        var labels = Enumerable.Range(0, 1000).Select(i => i * 0.001).ToArray();
        var split = DataSplit.Make(labels, seed: 3, new EvaluationOptions());
        Assert.Equal(200, split.Test.Length); // 20 % test
        Assert.Equal(120, split.Val.Length); // 15 % of the 800 development rows
        Assert.Equal(680, split.Train.Length);
        Assert.Equal(Enumerable.Range(0, 1000), split.Train.Concat(split.Val).Concat(split.Test).Order());
        Assert.Equal(split.Test, DataSplit.Make(labels, seed: 3, new EvaluationOptions()).Test);
        Assert.NotEqual(split.Test, DataSplit.Make(labels, seed: 4, new EvaluationOptions()).Test);
    }

    [Fact]
    public void Stratified_splits_spread_every_label_bin_over_the_test_split()
    {
        var labels = Enumerable.Range(0, 500).Select(i => (double)i).ToArray();
        var split = DataSplit.Make(labels, seed: 1, new EvaluationOptions { Stratify = true, StratifyBins = 5 });
        var perBin = split.Test.GroupBy(i => i / 100).Select(g => g.Count()).ToArray();
        Assert.Equal(5, perBin.Length);
        Assert.All(perBin, count => Assert.Equal(20, count));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Grouped_splits_keep_every_group_in_one_part_near_the_requested_shares(bool stratify)
    {
        // 60 groups of 1 to 19 rows (about 600 rows); a group's label is its index, so groups differ in mean label.
        var random = new Random(11);
        var groups = new List<string>();
        var labels = new List<double>();
        for (var g = 0; g < 60; g++)
        {
            var size = random.Next(1, 20);
            for (var r = 0; r < size; r++)
            {
                groups.Add($"speaker{g}");
                labels.Add(g + (0.01 * r));
            }
        }

        var options = new EvaluationOptions { Stratify = stratify, StratifyBins = 5 };
        var split = DataSplit.Make([.. labels], seed: 3, options, groups);
        var n = labels.Count;
        Assert.Equal(Enumerable.Range(0, n), split.Train.Concat(split.Val).Concat(split.Test).Order());
        var partOf = new Dictionary<string, HashSet<int>>();
        foreach (var (part, rows) in new[] { (0, split.Train), (1, split.Val), (2, split.Test) })
        {
            foreach (var row in rows)
                (partOf.TryGetValue(groups[row], out var set) ? set : partOf[groups[row]] = []).Add(part);
        }

        Assert.All(partOf.Values, parts => Assert.Single(parts));
        // Whole groups overshoot the targets by less than one group (19 rows) per stratum.
        var slack = 19.0 * (stratify ? 5 : 1) / n;
        Assert.InRange((double)split.Test.Length / n, 0.2, 0.2 + slack + 0.01);
        Assert.InRange((double)split.Val.Length / (n - split.Test.Length), 0.15, 0.15 + slack + 0.01);
        var again = DataSplit.Make([.. labels], seed: 3, options, groups);
        Assert.Equal(split.Test, again.Test);
        Assert.Equal(split.Val, again.Val);
        Assert.Equal(split.Train, again.Train);
        Assert.NotEqual(split.Test.Order(), DataSplit.Make([.. labels], seed: 4, options, groups).Test.Order());
    }

    [Fact]
    public void Without_groups_the_split_is_the_row_level_one()
    {
        // The row-level algorithm, written out: one shuffle, test rounded up, then validation rounded up.
        var labels = Enumerable.Range(0, 97).Select(i => i * 0.5).ToArray();
        var order = Enumerable.Range(0, 97).ToArray();
        new Random(7).Shuffle(order);
        var split = DataSplit.Make(labels, seed: 7, new EvaluationOptions(), groups: null);
        Assert.Equal(order[..20], split.Test);
        Assert.Equal(order[20..32], split.Val);
        Assert.Equal(order[32..], split.Train);
    }

    [Fact]
    public void One_row_per_group_splits_by_the_same_shares()
    {
        var labels = Enumerable.Range(0, 1000).Select(i => i * 0.001).ToArray();
        var split = DataSplit.Make(labels, seed: 3, new EvaluationOptions(), [.. Enumerable.Range(0, 1000).Select(i => $"g{i}")]);
        Assert.Equal(200, split.Test.Length);
        Assert.Equal(120, split.Val.Length);
        Assert.Equal(680, split.Train.Length);
    }

    [Theory]
    [InlineData(66, 32, new[] { 32, 34 })] // a last batch of 2 joins the previous one
    [InlineData(67, 32, new[] { 32, 32, 3 })]
    [InlineData(64, 32, new[] { 32, 32 })]
    public void Batches_merge_a_last_batch_of_fewer_than_three(int rows, int batchSize, int[] sizes)
    {
        var batches = BatchPlan.Epoch([.. Enumerable.Range(0, rows)], batchSize, new Random(0));
        Assert.Equal(sizes, batches.Select(b => b.Length));
        Assert.Equal(Enumerable.Range(0, rows).Select(i => (long)i), batches.SelectMany(b => b).Order());
    }

    [Fact]
    public void Length_bucketed_batches_cover_every_row_once_and_group_similar_lengths()
    {
        var random = new Random(5);
        var lengths = Enumerable.Range(0, 200).Select(_ => random.Next(3, 300)).ToArray();
        var batches = BatchPlan.Epoch([.. Enumerable.Range(0, 200)], 16, new Random(1), lengths);
        Assert.Equal(Enumerable.Range(0, 200).Select(i => (long)i), batches.SelectMany(b => b).Order());
        // Padding to each batch's longest row wastes far less than in plain shuffled batches.
        static long Padding(IEnumerable<long[]> plan, int[] l) => plan.Sum(b => b.Sum(i => b.Max(j => l[j]) - l[i]));
        var plain = BatchPlan.Epoch([.. Enumerable.Range(0, 200)], 16, new Random(1));
        Assert.True(Padding(batches, lengths) * 4 < Padding(plain, lengths));
        Assert.Equal(batches.Select(b => b.ToList()), BatchPlan.Epoch([.. Enumerable.Range(0, 200)], 16, new Random(1), lengths).Select(b => b.ToList()));
    }

    [Fact]
    public void Label_scaler_maps_the_training_range_to_zero_one()
    {
        var scaler = LabelScaler.Fit([5, 1, 9, 3], [0, 1, 3]);
        Assert.Equal(0.5, scaler.Scale(3));
        Assert.Equal(0.0, scaler.Scale(1));
        Assert.Equal(9.0, scaler.Unscale(2));
        Assert.Equal(1.0, new LabelScaler(2, 2).Range);
    }
}
