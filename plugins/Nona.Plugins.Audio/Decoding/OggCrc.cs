namespace Nona.Plugins.Audio.Decoding;

/// <summary>
/// The Ogg page checksum (RFC 3533 §6): CRC-32 with polynomial 0x04C11DB7, initial value 0, no reflection and no
/// final XOR, over the whole page with its checksum field read as zero.
/// </summary>
internal static class OggCrc
{
    private static readonly uint[] Table = BuildTable();

    /// <summary>The checksum of <paramref name="bytes"/> continued from <paramref name="crc"/>.</summary>
    public static uint Update(uint crc, ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
            crc = (crc << 8) ^ Table[(byte)(crc >> 24) ^ b];
        return crc;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (var i = 0u; i < 256; i++)
        {
            var r = i << 24;
            for (var bit = 0; bit < 8; bit++)
                r = (r & 0x8000_0000) != 0 ? (r << 1) ^ 0x04C1_1DB7 : r << 1;
            table[i] = r;
        }

        return table;
    }
}
