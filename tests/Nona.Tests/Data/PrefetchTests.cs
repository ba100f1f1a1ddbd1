using Nona.Abstractions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Nona.Tests.Data;

/// <summary>
/// <see cref="SampleInputSource.Prefetch"/>: the next batch decodes in the background while the consumer holds this
/// one; the batches are the bits of decoding on demand; a bad sample fails when its batch is asked for; an
/// enumeration left early leaves no decoding running and never runs more than one batch ahead.
/// </summary>
public sealed class PrefetchTests
{
    private static readonly long[][] Plan = [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11], [12, 13]];

    [Fact]
    public void Prefetched_batches_are_the_bits_of_batches_decoded_on_demand_with_and_without_augmentation()
    {
        foreach (var pass in new int?[] { null, 3 })
        {
            var onDemand = Values(new CountingSource { Prefetch = false }, pass);
            var prefetched = Values(new CountingSource { Prefetch = true }, pass);
            Assert.Equal(onDemand.Count, prefetched.Count);
            for (var i = 0; i < onDemand.Count; i++)
                Assert.Equal(onDemand[i], prefetched[i]);
        }
    }

    [Fact]
    public void The_next_batch_decodes_while_the_consumer_holds_this_one()
    {
        var source = new CountingSource { Prefetch = true };
        using var batches = source.Batches(Plan, ScalarType.Float32, CPU).GetEnumerator();
        Assert.True(batches.MoveNext());
        using (batches.Current)
        {
            // Without asking for batch 1, its samples get decoded (in the background).
            Assert.True(SpinWait.SpinUntil(() => source.Loaded.Contains(5), TimeSpan.FromSeconds(10)), "batch 1 was not decoded ahead");
            Thread.Sleep(200);
            Assert.DoesNotContain(6, source.Loaded); // one batch ahead, never two
        }
    }

    [Fact]
    public void A_sample_that_fails_to_decode_fails_when_its_batch_is_asked_for()
    {
        var source = new CountingSource { Prefetch = true, Broken = 7 };
        var received = 0;
        var e = Assert.Throws<SampleDecodeException>(() =>
        {
            foreach (var batch in source.Batches(Plan, ScalarType.Float32, CPU))
            {
                using (batch)
                    received++;
            }
        });
        Assert.Equal(2, received); // batches 0 and 1; batch 2 holds sample 7
        Assert.Equal(7, e.Index);
    }

    [Fact]
    public void An_enumeration_left_early_waits_for_the_batch_in_flight_and_decodes_nothing_more()
    {
        var source = new CountingSource { Prefetch = true, Delay = TimeSpan.FromMilliseconds(50) };
        foreach (var batch in source.Batches(Plan, ScalarType.Float32, CPU))
        {
            batch.Dispose();
            break;
        }

        Assert.Equal(0, source.InFlight);
        var loaded = source.Loaded.Count;
        Thread.Sleep(300);
        Assert.Equal(loaded, source.Loaded.Count);
        Assert.Equal(6, loaded); // batch 0 and the one prefetched batch
    }

    private static List<float[]> Values(CountingSource source, int? pass)
    {
        var values = new List<float[]>();
        foreach (var batch in source.Batches(Plan, ScalarType.Float32, CPU, pass))
        {
            using (batch)
                values.Add(batch.Values.data<float>().ToArray());
        }

        return values;
    }

    /// <summary>Samples whose values are a function of their index (and augmentation), recording what was decoded.</summary>
    private sealed class CountingSource : SampleInputSource
    {
        private int inFlight;

        public System.Collections.Concurrent.ConcurrentBag<int> Loaded { get; } = [];

        public int InFlight => Volatile.Read(ref inFlight);

        public int? Broken { get; init; }

        public TimeSpan Delay { get; init; }

        public override int Count => 14;

        public override string Modality => "test";

        public override long VectorDim => 4;

        protected override LoadedSample LoadSample(int index, Random? augmentation)
        {
            Interlocked.Increment(ref inFlight);
            try
            {
                Thread.Sleep(Delay);
                if (index == Broken)
                    throw new DataFormatException($"sample {index}.png: not a PNG");
                var shift = augmentation?.Next(100) ?? 0;
                Loaded.Add(index);
                return new LoadedSample(torch.tensor(new float[] { index, index + 0.5f, shift, -index }));
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
            }
        }
    }
}
