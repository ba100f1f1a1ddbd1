namespace Nona.Plugins.Audio.Decoding;

/// <summary>The containers <see cref="AudioContainers.Detect"/> tells apart by their first bytes.</summary>
internal enum AudioContainer
{
    /// <summary>Nothing recognised.</summary>
    Unknown,

    /// <summary>RIFF/WAVE.</summary>
    Wav,

    /// <summary>MPEG audio frames, possibly after an ID3v2 tag.</summary>
    Mp3,

    /// <summary>Ogg pages ("OggS").</summary>
    Ogg,

    /// <summary>EBML: WebM or Matroska.</summary>
    WebM,

    /// <summary>Native FLAC ("fLaC"): recognised, not decoded.</summary>
    Flac,

    /// <summary>ISO base media (MP4/M4A, "ftyp"): recognised, not decoded.</summary>
    Mp4,

    /// <summary>AAC in ADTS frames: recognised, not decoded.</summary>
    Adts,
}

/// <summary>Recognises an audio container from the first bytes of a file, never from its name.</summary>
internal static class AudioContainers
{
    /// <summary>How many leading bytes <see cref="Detect"/> looks at.</summary>
    public const int HeadLength = 12;

    /// <summary>The container <paramref name="head"/> (the file's first bytes) starts.</summary>
    public static AudioContainer Detect(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 12 && head.StartsWith("RIFF"u8) && head.Slice(8, 4).SequenceEqual("WAVE"u8))
            return AudioContainer.Wav;
        if (head.StartsWith("OggS"u8))
            return AudioContainer.Ogg;
        if (head.StartsWith((ReadOnlySpan<byte>)[0x1A, 0x45, 0xDF, 0xA3]))
            return AudioContainer.WebM;
        if (head.StartsWith("fLaC"u8))
            return AudioContainer.Flac;
        if (head.Length >= 8 && head.Slice(4, 4).SequenceEqual("ftyp"u8))
            return AudioContainer.Mp4;
        if (head.StartsWith("ID3"u8))
            return AudioContainer.Mp3;
        // Frame sync: 11 set bits (0xFFE). Layer bits 00 are reserved in MPEG audio and mark AAC's ADTS instead.
        if (head.Length >= 2 && head[0] == 0xFF && (head[1] & 0xE0) == 0xE0)
            return (head[1] & 0x06) == 0 ? AudioContainer.Adts : AudioContainer.Mp3;
        return AudioContainer.Unknown;
    }

    /// <summary>The container's name in messages.</summary>
    public static string Name(AudioContainer container) => container switch
    {
        AudioContainer.Wav => "WAV",
        AudioContainer.Mp3 => "MP3",
        AudioContainer.Ogg => "Ogg",
        AudioContainer.WebM => "WebM/Matroska",
        AudioContainer.Flac => "FLAC",
        AudioContainer.Mp4 => "MP4/M4A",
        AudioContainer.Adts => "AAC (ADTS)",
        _ => "unknown",
    };
}
