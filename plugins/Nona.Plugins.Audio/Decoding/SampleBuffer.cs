namespace Nona.Plugins.Audio.Decoding;

/// <summary>A growable run of float samples: decoders append packet by packet, then take a trimmed copy.</summary>
internal sealed class SampleBuffer
{
    private float[] items = new float[16_384];

    /// <summary>Samples appended so far (all channels).</summary>
    public int Count { get; private set; }

    /// <summary>Room for <paramref name="count"/> more samples, to be filled and then committed with <see cref="Advance"/>.</summary>
    public Span<float> Reserve(int count)
    {
        if (Count + count > items.Length)
            Array.Resize(ref items, Math.Max(items.Length * 2, Count + count));
        return items.AsSpan(Count, count);
    }

    /// <summary>Keeps <paramref name="count"/> samples of the span <see cref="Reserve"/> returned.</summary>
    public void Advance(int count) => Count += count;

    /// <summary>Drops the last <paramref name="count"/> samples (at most all of them).</summary>
    public void Truncate(int count) => Count -= Math.Min(count, Count);

    /// <summary>A copy of samples [<paramref name="start"/>, <paramref name="end"/>), clamped to what was appended.</summary>
    public float[] ToArray(int start, int end)
    {
        end = Math.Clamp(end, 0, Count);
        start = Math.Clamp(start, 0, end);
        return items.AsSpan(start, end - start).ToArray();
    }
}
