using Nona.Abstractions.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace Nona.Tests.Guards;

/// <summary>
/// Deliberate breaks of the scalar-lifetime rule (and their safe spellings), for the test that proves the guard
/// catches them. Never called: only their IL is read.
/// </summary>
internal static class SeededScalarViolations
{
    public static Tensor UnsafeNumberOperand(Tensor x) => x * 2.0;

    public static Tensor UnsafeSquare(Tensor x) => x.square();

    public static Tensor UnsafeTensorSum(Tensor a, Tensor b) => a + b;

    public static Tensor UnsafeInlineToScalar(Tensor x) => x.clamp_min(1e-10.ToScalar());

    public static Tensor UnsafeUndisposedLocal(Tensor x)
    {
        var factor = 3.0.ToScalar();
        return x.mul(factor);
    }

    public static nn.Module<Tensor, Tensor> UnsafeBatchNorm() => nn.BatchNorm1d(4);

    public static double UnsafeReadBack(Tensor x) => x.ToScalar().ToDouble();

    public static Tensor SafeDisposedLocal(Tensor x)
    {
        using var factor = 3.0.ToScalar();
        return x.mul(factor);
    }

    public static Tensor SafeExplicitAlpha(Tensor a, Tensor b) => a.add(b, HeldScalars.One);

    public static Tensor SafeHeldConstant(Tensor x) => x.clamp_min(HeldScalars.Held(1e-10));

    public static Tensor SafeProduct(Tensor a, Tensor b) => a * b;
}
