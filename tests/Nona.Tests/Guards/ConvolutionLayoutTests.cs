using Xunit;
using static TorchSharp.torch;

namespace Nona.Tests.Guards;

/// <summary>
/// libtorch 2.10's oneDNN gives wrong float32 conv1d results on AVX-512 CPUs for some shapes (HuBERT's small
/// layer-norm conv stack, 24→16 channels, kernel 3, stride 2: NaN or errors of order 1, run to run; contiguous
/// input does not help). The host caps oneDNN at AVX2 there (OneDnnIsaCap; the test assembly does the same before
/// its first tensor). float64 takes ATen's own kernels and is the reference. Fails without the cap on such a CPU
/// (an AMD EPYC with AVX-512 here); passes anywhere with it.
/// </summary>
public sealed class ConvolutionLayoutTests
{
    [Theory]
    [InlineData(24, 16, 3, 2, 399, 1)] // HuBERT small layer-norm config, third conv layer
    [InlineData(16, 24, 3, 2, 799, 1)]
    [InlineData(32, 32, 15, 1, 99, 2)] // the positional conv
    [InlineData(512, 512, 3, 2, 399, 1)] // hubert-base's conv stack
    public void A_float32_conv1d_over_a_transposed_input_equals_the_float64_one(int input, int output, int kernel, int stride, int length, int groups)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(7);
        var x = randn([2, length, input], generator: generator, dtype: ScalarType.Float64).transpose(1, 2); // (B, C, L), a transposed view
        var weight = randn([output, input / groups, kernel], generator: generator, dtype: ScalarType.Float64);
        var reference = nn.functional.conv1d(x, weight, stride: stride, groups: groups);
        var single = nn.functional.conv1d(x.to(ScalarType.Float32), weight.to(ScalarType.Float32), stride: stride, groups: groups).to(ScalarType.Float64);
        var relative = (single - reference).abs().max().item<double>() / reference.abs().max().item<double>();
        Assert.True(relative < 1e-5, $"conv1d {input}→{output}, kernel {kernel}, stride {stride}, {groups} group(s): float32 differs from float64 by {relative:E2}");
    }
}
