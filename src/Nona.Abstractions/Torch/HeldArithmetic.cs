using TorchSharp;
using static TorchSharp.torch;

namespace Nona.Abstractions.Torch;

/// <summary>
/// The spellings of <c>a + b</c>, <c>x + c</c> and <c>c − x</c> that keep their Scalars alive (docs/torch-lifetimes.md):
/// TorchSharp's operators pass a temporary <c>alpha = 1</c> (and a temporary for the number), which a collection on
/// another thread may free mid-call. Each computes exactly what the operator does, with the same native call.
/// </summary>
public static class HeldArithmetic
{
    /// <summary><c>a + b</c>.</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, HeldScalars.One);

    /// <summary><c>a + value</c>, for a held <paramref name="value"/> (see <see cref="HeldScalars"/>).</summary>
    public static Tensor Plus(this Tensor a, Scalar value) => a.add(value, HeldScalars.One);

    /// <summary><c>value − a</c> as TorchSharp computes it: −a + value.</summary>
    public static Tensor Minus(this Scalar value, Tensor a) => a.negative().add(value, HeldScalars.One);

    /// <summary>
    /// A one-element tensor's value, on any device, as <c>ToDouble()</c> reads it but with the Scalar it reads through
    /// disposed after the read instead of left to a finalizer mid-call.
    /// </summary>
    public static double ScalarValue(this Tensor tensor)
    {
        using var value = tensor.ToScalar();
        return value.ToDouble();
    }

    /// <summary><c>arange(stop)</c>: 0, 1, …, stop − 1 (int64 unless <paramref name="dtype"/> says otherwise).</summary>
    public static Tensor Arange(long stop, ScalarType? dtype = null, Device? device = null)
    {
        using var end = stop.ToScalar(); // lengths vary per batch: a local, not a process-long HeldScalars entry
        return arange(HeldScalars.Held(0L), end, HeldScalars.One, dtype, device);
    }
}
