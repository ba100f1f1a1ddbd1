using System.Collections.Concurrent;
using TorchSharp;

namespace Nona.Abstractions.Torch;

/// <summary>
/// TorchSharp <see cref="Scalar"/>s that live as long as the process. A Scalar is a native handle freed by its
/// finalizer, and TorchSharp passes the handle to native code without keeping the object alive: a number written
/// straight into a tensor operation (<c>x * 2.0</c>, <c>x.clamp_min(1e-10)</c>, the hidden <c>alpha = 1</c> of
/// <c>a + b</c>) becomes a temporary that a collection on any thread may free mid-call — seen as "Unknown scalar
/// type" crashes or, worse, as a wrong number. Every number our code passes to a tensor operation is therefore one
/// of these (or a <c>using var</c> local for values that change per step); docs/torch-lifetimes.md has the rule
/// and the test that enforces it.
/// </summary>
public static class HeldScalars
{
    // Constants of code and configuration (epsilons, offsets, fill values) are few; a value per step belongs in a
    // `using var` local instead, and a cache that grows past this says somebody put one here.
    private const int MaxDistinctValues = 4096;
    private static readonly ConcurrentDictionary<(long Bits, bool Integral), Scalar> Cache = new();

    /// <summary>The integer 1: the <c>alpha</c> of <c>add</c>/<c>sub</c>, what <c>a + b</c> passes implicitly.</summary>
    public static Scalar One { get; } = Held(1L);

    /// <summary>The held Scalar for the floating-point <paramref name="value"/> (the same Scalar on every call).</summary>
    public static Scalar Held(double value) => Get((BitConverter.DoubleToInt64Bits(value), false));

    /// <summary>
    /// The held Scalar for the integer <paramref name="value"/>: integer tensors stay integer (a floating Scalar
    /// would promote them), and <c>pow</c> with an integer exponent is what <c>square()</c> computes.
    /// </summary>
    public static Scalar Held(long value) => Get((value, true));

    private static Scalar Get((long Bits, bool Integral) key)
    {
        if (Cache.TryGetValue(key, out var held))
            return held;
        if (Cache.Count >= MaxDistinctValues)
            throw new InvalidOperationException($"HeldScalars holds {MaxDistinctValues} distinct values: values that change per call belong in a `using var` Scalar, not here");
        return Cache.GetOrAdd(key, static k => k.Integral ? k.Bits.ToScalar() : BitConverter.Int64BitsToDouble(k.Bits).ToScalar());
    }
}
