namespace Nona.Host.Protocol;

/// <summary>One epoch's batches (docs/nona-spec: "Batches").</summary>
internal static class BatchPlan
{
    /// <summary>
    /// Shuffles <paramref name="train"/> with <paramref name="random"/> and cuts it into batches of
    /// <paramref name="batchSize"/>; a last batch of fewer than 3 points joins the previous one, because BatchNorm in
    /// train mode and self-masked NONA need 2 points and SoftStep's row normalisation 3.
    /// </summary>
    public static List<long[]> Epoch(int[] train, int batchSize, Random random)
    {
        var order = train.Select(i => (long)i).ToArray();
        random.Shuffle(order);
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
}
