using System.Buffers.Binary;
using Nona.Abstractions;
using static TorchSharp.torch;

namespace Nona.Plugins.Audio.Pipeline;

/// <summary>
/// Excerpts for <c>nona explain</c>: a clip as the backbone hears it at evaluation (decoded, resampled to 16 kHz,
/// cropped, normalised when set), its first <see cref="MaxSeconds"/> seconds as a 16-bit mono WAV file.
/// </summary>
internal static class AudioPreviews
{
    /// <summary>Longest excerpt: enough to hear a cough or a tone, small enough to write dozens beside a page.</summary>
    public const double MaxSeconds = 4.0;

    /// <summary>Sample <paramref name="index"/> of <paramref name="source"/> as WAV bytes.</summary>
    public static AudioPreview Of(InputSource source, int index)
    {
        using var batch = source.Batch([index], ScalarType.Float32, CPU);
        using var row = batch.Values[0];
        var samples = row.data<float>().ToArray();
        var length = samples.Length;
        if (batch.Mask is { } mask)
        {
            using var valid = mask[0];
            using var count = valid.sum();
            using var whole = count.to_type(ScalarType.Int64); // the mask may be bool or float
            length = (int)whole.item<long>();
        }

        length = Math.Min(length, (int)(MaxSeconds * AudioOptions.SampleRate));
        return new AudioPreview(Wav(samples.AsSpan(0, length), AudioOptions.SampleRate));
    }

    /// <summary>RIFF/WAVE, PCM 16-bit, mono; samples clipped to [−1, 1].</summary>
    internal static byte[] Wav(ReadOnlySpan<float> samples, int sampleRate)
    {
        var bytes = new byte[44 + (2 * samples.Length)];
        var span = bytes.AsSpan();
        "RIFF"u8.CopyTo(span);
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], 36 + (2 * samples.Length));
        "WAVEfmt "u8.CopyTo(span[8..]);
        BinaryPrimitives.WriteInt32LittleEndian(span[16..], 16);
        BinaryPrimitives.WriteInt16LittleEndian(span[20..], 1); // PCM
        BinaryPrimitives.WriteInt16LittleEndian(span[22..], 1); // mono
        BinaryPrimitives.WriteInt32LittleEndian(span[24..], sampleRate);
        BinaryPrimitives.WriteInt32LittleEndian(span[28..], sampleRate * 2);
        BinaryPrimitives.WriteInt16LittleEndian(span[32..], 2);
        BinaryPrimitives.WriteInt16LittleEndian(span[34..], 16);
        "data"u8.CopyTo(span[36..]);
        BinaryPrimitives.WriteInt32LittleEndian(span[40..], 2 * samples.Length);
        for (var i = 0; i < samples.Length; i++)
            BinaryPrimitives.WriteInt16LittleEndian(span[(44 + (2 * i))..], (short)Math.Round(Math.Clamp(samples[i], -1f, 1f) * short.MaxValue));
        return bytes;
    }
}
