using Nona.Abstractions;
using static TorchSharp.torch;

namespace Nona.Host.Protocol;

/// <summary>
/// A dataset's inputs without some rows (samples dropped mid-run under <c>on_bad_*: skip</c>): row i of the subset
/// is row <c>Kept[i]</c> of the source, and decoding errors keep reporting the source's index.
/// </summary>
internal sealed class SubsetInputs : InputSource
{
    private readonly InputSource source;
    private readonly int[] kept;
    private readonly IReadOnlyList<int>? lengths;

    /// <summary>The rows <paramref name="kept"/> of <paramref name="source"/>, in that order.</summary>
    public SubsetInputs(InputSource source, int[] kept)
    {
        this.source = source;
        this.kept = kept;
        SkipsBadSamples = source.SkipsBadSamples;
        lengths = source.Lengths is { } all ? [.. kept.Select(i => all[i])] : null; // read once per epoch by the batch plan
    }

    /// <inheritdoc />
    public override int Count => kept.Length;

    /// <inheritdoc />
    public override string Modality => source.Modality;

    /// <inheritdoc />
    public override long VectorDim => source.VectorDim;

    /// <inheritdoc />
    public override IReadOnlyList<int>? Lengths => lengths;

    /// <inheritdoc />
    public override InputBatch Batch(long[] indices, ScalarType dtype, Device device) => source.Batch(Map(indices), dtype, device);

    /// <inheritdoc />
    public override IEnumerable<InputBatch> Batches(IReadOnlyList<long[]> plan, ScalarType dtype, Device device, int? augmentationPass = null, CancellationToken cancellationToken = default) =>
        source.Batches([.. plan.Select(Map)], dtype, device, augmentationPass, cancellationToken);

    /// <inheritdoc />
    public override string? Fingerprint() =>
        source.Fingerprint() is { } inner ? $"{inner};without:{string.Join(',', Enumerable.Range(0, source.Count).Except(kept))}" : null;

    /// <inheritdoc />
    public override double[][]? AsVectors() => source.AsVectors() is { } rows ? [.. kept.Select(i => rows[i])] : null;

    /// <inheritdoc />
    public override SamplePreview? Preview(int index) => source.Preview(kept[index]);

    private long[] Map(long[] indices) => [.. indices.Select(i => (long)kept[i])];
}
