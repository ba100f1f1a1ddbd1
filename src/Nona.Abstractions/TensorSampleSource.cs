using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Nona.Abstractions;

/// <summary>
/// Samples held in memory in one float32 CPU tensor, the first axis indexing them (procedurally drawn images,
/// synthesised clips): keeps a handle of its own and fingerprints the tensor's shape and bytes once.
/// </summary>
public abstract class TensorSampleSource : SampleInputSource
{
    private readonly Lazy<string> fingerprint;

    /// <summary>
    /// Wraps <paramref name="samples"/> (float32, on the CPU, at least one axis). The source keeps its own reference
    /// to the storage, outside any dispose scope, so the caller may dispose its tensor. <paramref name="settings"/>
    /// names everything that changes what a sample turns into (a pipeline version and the evaluation options).
    /// </summary>
    protected TensorSampleSource(Tensor samples, string settings, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(settings);
        if (samples.dtype != ScalarType.Float32 || samples.device_type != DeviceType.CPU || samples.dim() == 0)
            throw new ArgumentException($"{parameterName} must be a float32 CPU tensor with a sample axis, got {samples.dtype} on {samples.device} with shape ({string.Join(", ", samples.shape)})", parameterName);
        using (var detached = samples.detach())
            Samples = detached.contiguous().DetachFromDisposeScope(); // detach's result held while contiguous reads it
        fingerprint = new Lazy<string>(() => Hash(settings), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The samples, (N, …).</summary>
    protected Tensor Samples { get; }

    /// <inheritdoc />
    public override int Count => (int)Samples.shape[0];

    /// <inheritdoc />
    public override long VectorDim => 0;

    /// <summary>SHA-256 (hex) of the settings, the tensor's shape and its bytes; computed once.</summary>
    public override string Fingerprint() => fingerprint.Value;

    private string Hash(string settings)
    {
        var values = Samples.data<float>().ToArray();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{settings};shape={string.Join('x', Samples.shape)}\n"));
        hash.AppendData(MemoryMarshal.AsBytes(values.AsSpan()));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
