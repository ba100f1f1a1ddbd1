using System.Collections.Concurrent;
using TorchSharp;
using static TorchSharp.torch;

namespace Nona.Abstractions;

/// <summary>
/// Inputs loaded sample by sample (decoded images, audio clips, tokenised texts): the base every file-backed family
/// uses. A batch's samples load in parallel, and <see cref="Batches"/> keeps a bounded number of upcoming batches
/// ready on background threads, so the model does not wait on one thread of decoding.
/// </summary>
public abstract class SampleInputSource : InputSource
{
    /// <summary>How many batches are prepared ahead of the one being used.</summary>
    public int Prefetch { get; init; } = 4;

    /// <summary>Threads that decode the samples of one batch.</summary>
    public int DecodeThreads { get; init; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>Base seed of training-time augmentation: the same seed and call sequence give the same crops.</summary>
    public int AugmentationSeed { get; init; }

    private int augmentedPasses;

    /// <summary>
    /// Loads sample <paramref name="index"/> as a CPU float32 tensor of the same shape for every sample
    /// (e.g. (3, H, W)). <paramref name="augmentation"/> is null at evaluation; in training it is a generator
    /// private to this sample and pass, for random crops and flips. Throws <see cref="DataFormatException"/>
    /// naming the file when it cannot be read. Called from several threads at once.
    /// </summary>
    protected abstract Tensor LoadSample(int index, Random? augmentation);

    /// <inheritdoc />
    public override InputBatch Batch(long[] indices, ScalarType dtype, Device device) => Load(indices, dtype, device, pass: null);

    private InputBatch Load(long[] indices, ScalarType dtype, Device device, int? pass)
    {
        var samples = new Tensor[indices.Length];
        try
        {
            Parallel.For(0, indices.Length, new ParallelOptions { MaxDegreeOfParallelism = DecodeThreads }, i =>
            {
                var index = (int)indices[i];
                // A fixed mix (HashCode.Combine is randomised per process): the same seed, pass and sample give the same crop.
                var random = pass is { } p ? new Random(unchecked((AugmentationSeed * 1_000_003) + (p * 7_919) + index)) : null;
                samples[i] = LoadSample(index, random);
            });
            using var stacked = stack(samples);
            return new InputBatch(stacked.to(dtype, device));
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

    /// <inheritdoc />
    public override IEnumerable<InputBatch> Batches(IReadOnlyList<long[]> plan, ScalarType dtype, Device device, bool training = false, CancellationToken cancellationToken = default)
    {
        int? pass = training ? Interlocked.Increment(ref augmentedPasses) : null;
        using var queue = new BlockingCollection<InputBatch>(Math.Max(1, Prefetch));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Exception? failure = null;
        // A dedicated thread: the producer's Parallel.For needs pool threads, and a pool-thread producer starves it.
        var producer = Task.Factory.StartNew(() =>
        {
            try
            {
                // Batches are built on the CPU here; moving them to the device happens on the consumer's thread.
                foreach (var indices in plan)
                    queue.Add(Load(indices, dtype, CPU, pass), stop.Token);
            }
            catch (OperationCanceledException)
            {
                // The consumer stopped early (early stopping, an error): nothing more to prepare.
            }
            catch (Exception e)
            {
                failure = e;
            }
            finally
            {
                queue.CompleteAdding();
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        try
        {
            foreach (var batch in queue.GetConsumingEnumerable(cancellationToken))
            {
                if (device.type == DeviceType.CPU)
                {
                    yield return batch;
                    continue;
                }

                using (batch)
                    yield return new InputBatch(batch.Values.to(device), batch.Mask?.to(device));
            }
        }
        finally
        {
            stop.Cancel();
            foreach (var leftover in queue.GetConsumingEnumerable(CancellationToken.None))
                leftover.Dispose();
            producer.Wait(CancellationToken.None);
        }

        if (failure is not null)
            throw failure is NonaException ? failure : new InvalidOperationException("loading a batch failed", failure);
    }
}
