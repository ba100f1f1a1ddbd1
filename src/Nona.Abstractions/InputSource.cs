using TorchSharp;
using static TorchSharp.torch;

namespace Nona.Abstractions;

/// <summary>
/// The inputs of a dataset, materialised batch by batch. A backbone declares the <see cref="Modality"/> it accepts;
/// the host checks the pair before any work starts.
/// </summary>
public abstract class InputSource
{
    /// <summary>Number of samples.</summary>
    public abstract int Count { get; }

    /// <summary>What the inputs are: <c>vector</c>, <c>image</c>, <c>text</c>, <c>audio</c>.</summary>
    public abstract string Modality { get; }

    /// <summary>Width of one input vector, or 0 when inputs are not fixed-width vectors.</summary>
    public abstract long VectorDim { get; }

    /// <summary>Builds the backbone's input for the samples at <paramref name="indices"/>, on <paramref name="device"/>.</summary>
    public abstract InputBatch Batch(long[] indices, ScalarType dtype, Device device);

    /// <summary>
    /// The batches of <paramref name="plan"/>, in order. File-backed sources prepare upcoming batches in the
    /// background (see <see cref="SampleInputSource"/>); the default builds each batch when it is asked for.
    /// With an <paramref name="augmentationPass"/> (training), sources that augment (random crops, flips) do so, and
    /// the same pass number gives the same augmentation, whatever ran before — so a resumed run replays an epoch
    /// exactly; null (evaluation) never augments. The caller disposes each batch.
    /// </summary>
    public virtual IEnumerable<InputBatch> Batches(IReadOnlyList<long[]> plan, ScalarType dtype, Device device, int? augmentationPass = null, CancellationToken cancellationToken = default)
    {
        foreach (var indices in plan)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return Batch(indices, dtype, device);
        }
    }

    /// <summary>
    /// A string that changes whenever any input changes (e.g. a hash of the files' bytes), for the frozen-backbone
    /// feature cache; null when the source cannot say, which disables caching on disk.
    /// </summary>
    public virtual string? Fingerprint() => null;

    /// <summary>The raw inputs as vectors (for baselines on raw inputs), or null when they are not vectors.</summary>
    public virtual double[][]? AsVectors() => null;

    /// <summary>
    /// Sample <paramref name="index"/> rendered for a person (thumbnails, texts, audio excerpts on the pages of
    /// <c>nona explain</c>), as it reaches the backbone at evaluation; null when the source cannot render it.
    /// </summary>
    public virtual SamplePreview? Preview(int index) => null;

    /// <summary>
    /// True when a sample whose body fails to decode mid-run (<see cref="SampleDecodeException"/>) may be dropped for
    /// the rest of the run (the dataset's <c>on_bad_*: skip</c>); false stops the run naming the file.
    /// </summary>
    public bool SkipsBadSamples { get; init; }

    /// <summary>
    /// Each sample's length when batches are padded to their longest sample (token counts), or null. With lengths,
    /// training batches group samples of similar length, so padding does not dominate the compute.
    /// </summary>
    public virtual IReadOnlyList<int>? Lengths => null;
}

/// <summary>A batch of backbone input: values and, for sequences, an attention mask.</summary>
/// <param name="Values">The input tensor, batch first.</param>
/// <param name="Mask">1 where a sequence position holds data, 0 where it is padding; null for fixed-size inputs.</param>
public sealed record InputBatch(Tensor Values, Tensor? Mask = null) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        Values.Dispose();
        Mask?.Dispose();
    }
}

/// <summary>Fixed-width numeric inputs (tabular data, synthetic targets): the <c>vector</c> modality.</summary>
public sealed class VectorInputs : InputSource
{
    private readonly double[][] rows;
    private Tensor? all;

    /// <summary>Wraps rows of equal width.</summary>
    public VectorInputs(double[][] rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Length > 0 && rows.Any(r => r.Length != rows[0].Length))
            throw new ArgumentException("every row must have the same width", nameof(rows));
        this.rows = rows;
    }

    /// <inheritdoc />
    public override int Count => rows.Length;

    /// <inheritdoc />
    public override string Modality => "vector";

    /// <inheritdoc />
    public override long VectorDim => rows.Length == 0 ? 0 : rows[0].Length;

    /// <inheritdoc />
    public override InputBatch Batch(long[] indices, ScalarType dtype, Device device)
    {
        // Rows are gathered from one tensor built once: no managed buffer per batch, so training on wide inputs
        // does not churn the large-object heap (and the garbage collector) at every step.
        using var index = torch.tensor(indices, ScalarType.Int64);
        using var selected = All().index_select(0, index);
        return new InputBatch(selected.to(dtype, device, copy: true));
    }

    private Tensor All()
    {
        lock (rows)
        {
            if (all is null)
            {
                var width = (int)VectorDim;
                var flat = new double[rows.Length * width];
                for (var i = 0; i < rows.Length; i++)
                    Array.Copy(rows[i], 0, flat, i * width, width);
                // Detached: built on first use, which may fall inside a caller's dispose scope that would free it.
                all = torch.tensor(flat, [rows.Length, width], ScalarType.Float64).DetachFromDisposeScope();
            }

            return all;
        }
    }

    /// <inheritdoc />
    public override double[][] AsVectors() => rows;

    /// <inheritdoc />
    public override SamplePreview Preview(int index) => new VectorPreview(rows[index]);
}
