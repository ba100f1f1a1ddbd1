namespace Nona.Host.Protocol;

/// <summary>
/// The seeds of one epoch, derived from (split seed, epoch): batch order, torch's generator (dropout) and the
/// augmentation pass. Reseeding at every epoch makes each epoch a function of its number alone, so a run resumed
/// at an epoch boundary replays the rest exactly without saving any generator's state.
/// </summary>
internal static class EpochSeeds
{
    /// <summary>The seed of the epoch's batch order.</summary>
    public static int BatchOrder(int splitSeed, int epoch) => Mix(splitSeed, epoch, 1);

    /// <summary>The seed torch's generator starts the epoch with.</summary>
    public static long Torch(int splitSeed, int epoch) => Mix(splitSeed, epoch, 2);

    /// <summary>The augmentation pass number of the epoch.</summary>
    public static int AugmentationPass(int splitSeed, int epoch) => Mix(splitSeed, epoch, 3);

    // SplitMix64's finaliser over the three numbers: nearby seeds and epochs give unrelated streams.
    private static int Mix(int seed, int epoch, int salt)
    {
        unchecked
        {
            var z = ((ulong)(uint)seed << 32) ^ ((ulong)(uint)epoch << 8) ^ (ulong)salt;
            z += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            return (int)(z & 0x7FFFFFFF);
        }
    }
}
