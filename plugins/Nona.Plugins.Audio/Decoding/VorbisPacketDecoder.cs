using NVorbis;
using NVorbis.Contracts;

namespace Nona.Plugins.Audio.Decoding;

/// <summary>
/// A Vorbis packet as the container gives it: <paramref name="GranulePosition"/> is the Ogg granule position when
/// known (-1 otherwise, as in Matroska).
/// </summary>
internal readonly record struct VorbisPacket(byte[] Data, long GranulePosition);

/// <summary>
/// Decodes Vorbis packets (three header packets, then audio) with NVorbis's <see cref="StreamDecoder"/>, fed by our
/// own packet provider. One path for both containers: the Ogg packets come from <see cref="OggPacketReader"/>, the
/// Matroska ones from the track's CodecPrivate and blocks. Feeding packets directly, rather than re-wrapping
/// Matroska's packets as an in-memory Ogg stream, needs no page CRCs and no invented granule positions; with Ogg's
/// real granule positions NVorbis trims the end of the stream to the last one (Vorbis I spec §A.2).
/// </summary>
internal static class VorbisPacketDecoder
{
    /// <summary>Decodes the stream; throws <see cref="InvalidDataException"/> with the problem.</summary>
    public static DecodedAudio Decode(IReadOnlyList<VorbisPacket> packets)
    {
        if (packets.Count < 3)
            throw new InvalidDataException($"a Vorbis stream needs 3 header packets, found {packets.Count} packets in all");
        try
        {
            using var decoder = new StreamDecoder(new Provider(packets));
            var channels = decoder.Channels;
            var output = new SampleBuffer();
            var chunk = channels * 4_096;
            while (true)
            {
                var read = decoder.Read(output.Reserve(chunk), 0, chunk);
                if (read <= 0)
                    break;
                output.Advance(read);
            }

            return new DecodedAudio(output.ToArray(0, output.Count), decoder.SampleRate, channels);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IndexOutOfRangeException or InvalidDataException)
        {
            throw new InvalidDataException($"the Vorbis stream cannot be decoded ({e.Message})", e);
        }
    }

    /// <summary>The packets in order; no seeking (a clip is decoded once, start to end).</summary>
    private sealed class Provider(IReadOnlyList<VorbisPacket> packets) : NVorbis.Contracts.IPacketProvider
    {
        private int next;

        public bool CanSeek => false;

        public int StreamSerial => 0;

        public IPacket? GetNextPacket() => next < packets.Count ? Packet(next++) : null;

        public IPacket? PeekNextPacket() => next < packets.Count ? Packet(next) : null;

        public long SeekTo(long granulePos, int preRoll, GetPacketGranuleCount getPacketGranuleCount) =>
            throw new NotSupportedException("seeking is not needed to decode a clip");

        public long GetGranuleCount() => throw new NotSupportedException("the length is not needed to decode a clip");

        private ArrayPacket Packet(int index) => new(packets[index].Data)
        {
            GranulePosition = packets[index].GranulePosition >= 0 ? packets[index].GranulePosition : null,
            IsEndOfStream = index == packets.Count - 1,
        };
    }

    /// <summary>A packet read from a byte array.</summary>
    private sealed class ArrayPacket(byte[] data) : DataPacket
    {
        private int position;

        protected override int TotalBits => data.Length * 8;

        public override void Reset()
        {
            position = 0;
            base.Reset();
        }

        protected override int ReadNextByte() => position < data.Length ? data[position++] : -1;
    }
}
