using Concentus.Structs;

namespace Nona.Plugins.Audio.Decoding;

/// <summary>
/// Decodes a sequence of Opus packets at 48 kHz with Concentus's managed decoder into one interleaved buffer, applying
/// the header's output gain. Trimming (pre-skip, end) is the container's job: it knows the granule positions or the
/// Matroska CodecDelay and DiscardPadding.
/// </summary>
internal sealed class OpusPacketDecoder : IDisposable
{
    // The longest Opus packet is 120 ms: 5760 samples per channel at 48 kHz.
    private const int MaxFrameSamples = 5_760;

    private readonly OpusHead head;
    private readonly float gain;

    // Concentus's managed decoder, created directly: OpusCodecFactory would load a native libopus when one is
    // installed, so the output would depend on the machine.
    private readonly OpusDecoder decoder;

    /// <summary>A decoder for the stream <paramref name="head"/> describes.</summary>
    public OpusPacketDecoder(OpusHead head)
    {
        this.head = head;
        gain = (float)Math.Pow(10, head.OutputGain / 20);
#pragma warning disable CS0618 // obsolete in favour of OpusCodecFactory, which may pick native code (see above)
        decoder = new OpusDecoder(OpusHead.SampleRate, head.Channels);
#pragma warning restore CS0618
    }

    /// <summary>Every decoded sample so far, interleaved, pre-skip included.</summary>
    public SampleBuffer Output { get; } = new();

    /// <summary>Decodes <paramref name="packet"/>, appends its samples and returns how many per channel it gave.</summary>
    public int Decode(ReadOnlySpan<byte> packet, int index)
    {
        if (packet.IsEmpty)
            throw new InvalidDataException($"Opus packet {index} is empty");
        var span = Output.Reserve(MaxFrameSamples * head.Channels);
        int samples;
        try
        {
            samples = decoder.Decode(packet, span, MaxFrameSamples, false);
        }
        catch (Exception e) when (e is Concentus.OpusException or ArgumentException or IndexOutOfRangeException)
        {
            throw new InvalidDataException($"Opus packet {index} cannot be decoded ({e.Message})", e);
        }

        if (samples <= 0)
            throw new InvalidDataException($"Opus packet {index} cannot be decoded");
        if (gain != 1)
        {
            foreach (ref var x in span[..(samples * head.Channels)])
                x *= gain;
        }

        Output.Advance(samples * head.Channels);
        return samples;
    }

    /// <inheritdoc />
    public void Dispose() => decoder.Dispose();
}
