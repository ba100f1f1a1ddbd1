using System.Buffers.Binary;

namespace Nona.Plugins.Audio.Decoding;

/// <summary>
/// The Opus identification header (RFC 7845 §5.1): the first packet of an Ogg Opus stream and the CodecPrivate of a
/// Matroska A_OPUS track. Only channel mapping family 0 (mono or stereo, one Opus stream) is accepted.
/// </summary>
/// <param name="Channels">Output channels (1 or 2).</param>
/// <param name="PreSkip">Samples at 48 kHz to discard from the decoder's output at the start.</param>
/// <param name="InputSampleRate">The rate the encoder was fed (information only: Opus always decodes at 48 kHz here).</param>
/// <param name="OutputGain">Gain to apply to the output, in dB (Q7.8 in the header).</param>
internal sealed record OpusHead(int Channels, int PreSkip, uint InputSampleRate, double OutputGain)
{
    /// <summary>The rate Opus is decoded at: every Opus stream decodes at 48 kHz whatever its input rate was.</summary>
    public const int SampleRate = 48_000;

    /// <summary>True when <paramref name="packet"/> starts with the "OpusHead" magic.</summary>
    public static bool IsHead(ReadOnlySpan<byte> packet) => packet.StartsWith("OpusHead"u8);

    /// <summary>Parses the header; throws <see cref="InvalidDataException"/> with the problem otherwise.</summary>
    public static OpusHead Parse(ReadOnlySpan<byte> packet)
    {
        if (!IsHead(packet) || packet.Length < 19)
            throw new InvalidDataException("the Opus identification header (OpusHead) is missing or too short");
        // Major version 0 (values 0–15) is the one RFC 7845 defines; a higher major version is incompatible.
        if (packet[8] > 15)
            throw new InvalidDataException($"Opus header version {packet[8]} is not supported (only version 0.x is)");

        var channels = packet[9];
        var family = packet[18];
        if (family != 0 || channels is < 1 or > 2)
        {
            throw new InvalidDataException(
                $"Opus channel mapping family {family} with {channels} channels is not supported (only family 0: mono or stereo)");
        }

        return new OpusHead(
            channels,
            BinaryPrimitives.ReadUInt16LittleEndian(packet[10..]),
            BinaryPrimitives.ReadUInt32LittleEndian(packet[12..]),
            BinaryPrimitives.ReadInt16LittleEndian(packet[16..]) / 256.0);
    }
}
