namespace Nona.Host.Protocol;

/// <summary>One epoch's batches (docs/nona-spec: "Batches").</summary>
internal static class BatchPlan
{
    /// <summary>
    /// Shuffles <paramref name="train"/> with <paramref name="random"/> and cuts it into batches of
    /// <paramref name="batchSize"/>; a last batch of fewer than 3 points joins the previous one, because BatchNorm in
    /// train mode and self-masked NONA need 2 points and SoftStep's row normalisation 3. With
    /// <paramref name="lengths"/> (token counts), batches are length-bucketed.
    /// </summary>
    public static List<long[]> Epoch(int[] train, int batchSize, Random random, IReadOnlyList<int>? lengths = null)
    {
        var order = train.Select(i => (long)i).ToArray();
        random.Shuffle(order);
        return lengths is null ? Cut(order, batchSize) : Bucketed(order, batchSize, random, lengths);
    }

    private static List<long[]> Cut(long[] order, int batchSize)
    {
        var batches = new List<long[]>();
        for (var start = 0; start < order.Length; start += batchSize)
            batches.Add(order[start..Math.Min(order.Length, start + batchSize)]);
        if (batches.Count > 1 && batches[^1].Length < 3)
        {
            batches[^2] = [.. batches[^2], .. batches[^1]];
            batches.RemoveAt(batches.Count - 1);
        }

        return batches;
    }

    /// <summary>
    /// Length-bucketed batches: the shuffled rows are cut into pools of 50 batches, each pool sorted by length and cut
    /// into batches, then the batches are shuffled — each batch holds similar lengths (little padding) while the
    /// epoch's order stays random. Ties keep the shuffled order, so the plan depends only on the seed.
    /// </summary>
    private static List<long[]> Bucketed(long[] shuffled, int batchSize, Random random, IReadOnlyList<int> lengths)
    {
        var batches = new List<long[]>();
        foreach (var pool in shuffled.Chunk(batchSize * 50))
            batches.AddRange(Cut([.. pool.OrderBy(i => lengths[(int)i])], batchSize));
        var order = batches.ToArray();
        random.Shuffle(order);
        return [.. order];
    }
}
