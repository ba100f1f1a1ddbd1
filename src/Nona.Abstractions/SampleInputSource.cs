using TorchSharp;
using static TorchSharp.torch;

namespace Nona.Abstractions;

/// <summary>
/// Inputs loaded sample by sample (decoded images, audio clips): the base every file-backed family uses. A batch's
/// samples decode in parallel on every core, and — with <see cref="Prefetch"/> — the next batch decodes on a
/// background task while the consumer computes on this one, so the model does not wait on decoding.
/// </summary>
public abstract class SampleInputSource : InputSource
{
    /// <summary>Threads that decode the samples of one batch.</summary>
    public int DecodeThreads { get; init; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>
    /// Decode batch i + 1 in the background while the consumer works on batch i (default on; the host sets it
    /// from <c>training.prefetch</c>). The batches are the same either way: each sample's augmentation is seeded by
    /// (seed, pass, sample), never by the order of decoding. A sample that fails to decode fails when the consumer
    /// asks for its batch, as without prefetch.
    /// </summary>
    public bool Prefetch { get; set; } = true;

    /// <summary>Base seed of training-time augmentation: the same seed, pass and sample give the same crop.</summary>
    public int AugmentationSeed { get; init; }

    /// <summary>
    /// Loads sample <paramref name="index"/> as a CPU float32 tensor of the same shape for every sample
    /// (e.g. (3, H, W)), with its data length when the sample is zero-padded at the end (see
    /// <see cref="LoadedSample"/>). <paramref name="augmentation"/> is null at evaluation; in training it is a
    /// generator private to this sample and pass, for random crops and flips. Throws
    /// <see cref="DataFormatException"/> naming the file when it cannot be read. Called from several threads at once.
    /// </summary>
    protected abstract LoadedSample LoadSample(int index, Random? augmentation);

    /// <inheritdoc />
    public override InputBatch Batch(long[] indices, ScalarType dtype, Device device) => Load(indices, dtype, device, pass: null);

    private InputBatch Load(long[] indices, ScalarType dtype, Device device, int? pass)
    {
        var samples = new Tensor[indices.Length];
        var lengths = new int?[indices.Length];
        try
        {
            Parallel.For(0, indices.Length, new ParallelOptions { MaxDegreeOfParallelism = DecodeThreads }, i =>
            {
                var index = (int)indices[i];
                // A fixed mix (HashCode.Combine is randomised per process): the same seed, pass and sample give the same crop.
                var random = pass is { } p ? new Random(unchecked((AugmentationSeed * 1_000_003) + (p * 7_919) + index)) : null;
                try
                {
                    (samples[i], lengths[i]) = LoadSample(index, random);
                }
                catch (DataFormatException e) when (e is not SampleDecodeException)
                {
                    throw new SampleDecodeException(index, e);
                }
            });
            using var stacked = stack(samples);
            var values = stacked.to(dtype, device);
            return new InputBatch(values, lengths.Any(l => l is not null) ? Mask(lengths, stacked.shape[^1], device) : null);
        }
        catch (AggregateException e) when (e.InnerExceptions.FirstOrDefault() is NonaException first)
        {
            throw first;
        }
        finally
        {
            foreach (var sample in samples)
                sample?.Dispose();
        }
    }

    /// <summary>(B, T) int64: 1 at the positions of the last axis that hold data, 0 at the padding after them.</summary>
    private static Tensor Mask(int?[] lengths, long positions, Device device)
    {
        var mask = new long[lengths.Length * positions];
        for (var row = 0; row < lengths.Length; row++)
            Array.Fill(mask, 1L, (int)(row * positions), (int)Math.Min(lengths[row] ?? positions, positions));
        using var cpu = torch.tensor(mask, [lengths.Length, positions]);
        return cpu.to(device, copy: true);
    }

    /// <inheritdoc />
    public override IEnumerable<InputBatch> Batches(IReadOnlyList<long[]> plan, ScalarType dtype, Device device, int? augmentationPass = null, CancellationToken cancellationToken = default)
    {
        if (!Prefetch || plan.Count < 2)
        {
            // Each batch decodes in parallel on every core, on the consumer's own turn.
            foreach (var indices in plan)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return Load(indices, dtype, device, augmentationPass);
            }

            yield break;
        }

        // One batch ahead, never more: memory stays at two batches. The background task only decodes and stacks
        // (no scalar temporaries: the rule of docs/torch-lifetimes.md), the consumer owns every batch it receives.
        Task<InputBatch>? next = Task.Run(() => Load(plan[0], dtype, device, augmentationPass), cancellationToken);
        try
        {
            for (var i = 0; i < plan.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var current = next!.GetAwaiter().GetResult(); // rethrows a decode failure as itself
                next = null;
                if (i + 1 < plan.Count)
                {
                    var following = plan[i + 1];
                    next = Task.Run(() => Load(following, dtype, device, augmentationPass), CancellationToken.None);
                }

                yield return current;
            }
        }
        finally
        {
            // The consumer stopped early (an exception, early stopping, a signal): the batch in flight is nobody's.
            if (next is not null)
            {
                try
                {
                    next.GetAwaiter().GetResult().Dispose();
                }
                catch (Exception e) when (e is NonaException or OperationCanceledException)
                {
                    // It would have failed when asked for; nobody asks now.
                }
            }
        }
    }
}

/// <summary>One loaded sample of a <see cref="SampleInputSource"/>.</summary>
/// <param name="Values">The sample, a CPU float32 tensor of the source's fixed shape.</param>
/// <param name="Length">
/// For a sample zero-padded at the end of its last axis (an audio clip shorter than the clip length): how many
/// leading positions hold data. Null when every position does. When any sample of a batch has a length, the batch
/// carries a <see cref="InputBatch.Mask"/> over the last axis, so backbones can pool over data only.
/// </param>
public readonly record struct LoadedSample(Tensor Values, int? Length = null);
