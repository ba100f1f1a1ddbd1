using TorchSharp;
using static TorchSharp.torch;

namespace Nona.Host.Torch;

/// <summary>
/// The one place modules and tensors get their device and floating type, so a GPU run needs no other change.
/// </summary>
internal sealed class Placement(Device device, ScalarType dtype)
{
    /// <summary>The device every module and tensor lives on.</summary>
    public Device Device { get; } = device;

    /// <summary>The floating type of parameters and activations.</summary>
    public ScalarType DType { get; } = dtype;

    /// <summary>Moves <paramref name="module"/> to the device and type (in place) and returns it.</summary>
    public T Place<T>(T module)
        where T : nn.Module
    {
        module.to(Device);
        module.to(DType);
        return module;
    }

    /// <summary>A 1-D tensor of <paramref name="values"/> on the device, in the floating type.</summary>
    public Tensor Vector(double[] values)
    {
        using var cpu = torch.tensor(values, ScalarType.Float64);
        return cpu.to(DType, Device);
    }

    /// <summary>A tensor back on the CPU as doubles.</summary>
    public static double[] ToArray(Tensor tensor)
    {
        // Each intermediate is held by a disposed local: this runs outside dispose scopes (docs/torch-lifetimes.md).
        using var detached = tensor.detach();
        using var doubles = detached.to(ScalarType.Float64, CPU);
        using var cpu = doubles.contiguous();
        return cpu.data<double>().ToArray();
    }

    /// <summary>A (n, d) tensor as rows of doubles.</summary>
    public static double[][] ToRows(Tensor matrix)
    {
        var flat = ToArray(matrix);
        var width = (int)matrix.shape[1];
        return [.. Enumerable.Range(0, (int)matrix.shape[0]).Select(i => flat.AsSpan(i * width, width).ToArray())];
    }
}
