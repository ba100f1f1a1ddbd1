using System.Buffers.Binary;
using System.Text.Json;
using Nona.Abstractions;
using Nona.Plugins.Audio.Decoding;
using Nona.Plugins.Audio.Pipeline;
using Xunit;

namespace Nona.Tests.Audio;

/// <summary>
/// The MP3, Ogg (Opus, Vorbis) and WebM (Opus, Vorbis; known-size and browser-style "live") decoders against the
/// formula the fixtures were encoded from (fixtures/audio_decoders.json and fixtures/audio/, written with ffmpeg by
/// tests/fixtures/make_audio_decoder_fixtures.py): pitch, level and length of the decoded sine, and for WebM the
/// number of blocks against ffprobe's packet count.
/// </summary>
public sealed class AudioDecoderFormatTests : IDisposable
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "fixtures");

    private readonly string folder = Directory.CreateTempSubdirectory("nona-audio-formats-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    public static TheoryData<string> Files => [.. Entries().Select(e => e.GetProperty("file").GetString()!)];

    [Theory]
    [MemberData(nameof(Files))]
    public void Decoded_fixture_matches_its_formula(string file)
    {
        var entry = Entry(file);
        var path = Path.Combine(Fixtures, "audio", file);
        var (mono, rate) = AudioDecoder.ReadMono(path);
        Assert.Equal(entry.GetProperty("sample_rate").GetInt32(), rate);

        var expectedLength = entry.GetProperty("duration").GetDouble() * rate;
        var frequency = entry.GetProperty("frequency").GetDouble();
        var rms = entry.GetProperty("mono_amplitude").GetDouble() / Math.Sqrt(2);
        // The middle of the clip: codecs smear the abrupt start and end of the sine over a few milliseconds.
        var edge = rate * 30 / 1000;
        var middle = mono[edge..^edge];
        var pitch = ZeroCrossingFrequency(middle, rate);
        var level = 20 * Math.Log10(Rms(middle) / rms);
        var delay = Delay(mono, edge, mono.Length - edge, frequency, rate);
        Console.WriteLine($"{file}: {mono.Length} samples (formula {expectedLength}), pitch {pitch:F3} Hz, level {level:F3} dB, delay {delay:F2} samples");

        Assert.InRange(pitch, frequency * 0.99, frequency * 1.01);
        Assert.InRange(level, -1, 1);
        // Within one 20 ms frame of the formula; exact where the container says where the audio ends (Ogg granule
        // positions, WebM DiscardPadding with CodecDelay, the MP3 LAME tag's encoder delay and padding).
        Assert.InRange(mono.Length, expectedLength - (0.02 * rate), expectedLength + (0.02 * rate));
        if (file is not "sine-mono-vorbis.webm")
            Assert.Equal(expectedLength, mono.Length);
        // Where the signal sits: the formula's sine starts at sample 0, so the decoded one must too (pre-skip, encoder
        // and decoder delays dropped). Opus at 24 kbit/s does not keep the phase exactly (ffmpeg's own decoder puts
        // these files at −0.4 and −2.1 samples), hence 2.5 samples; a missed pre-skip (312) or MP3 decoder delay
        // (529) would be tens of samples off, even modulo the sine's period.
        Assert.InRange(delay, -2.5, 2.5);

        // The whole pipeline: 16 kHz, cropped to 0.5 s, the pitch unchanged.
        var clip = AudioDecoder.Decode(path, new AudioOptions { Seconds = 0.5 });
        Assert.Equal(8_000, clip.Length);
        Assert.InRange(ZeroCrossingFrequency(clip[480..^480], AudioOptions.SampleRate), frequency * 0.99, frequency * 1.01);
        Assert.True(AudioDecoder.TryIdentify(path, out var problem), problem);
    }

    [Theory]
    [InlineData("sine-stereo-opus.webm")]
    [InlineData("sine-stereo-opus-live.webm")]
    [InlineData("sine-mono-vorbis.webm")]
    public void WebM_reader_reads_every_block_ffprobe_counts(string file)
    {
        var entry = Entry(file);
        var audio = WebMReader.Read(File.ReadAllBytes(Path.Combine(Fixtures, "audio", file)));

        Assert.Equal(entry.GetProperty("packets").GetInt32(), audio.Blocks);
        Assert.Equal(audio.Blocks, audio.Frames.Count); // ffmpeg does not lace audio
        Assert.Equal(entry.GetProperty("channels").GetInt32(), audio.Track.Channels);
        Assert.Equal(48_000, audio.Track.SamplingFrequency);
        var live = entry.TryGetProperty("unknown_size_clusters", out var unknown);
        Assert.Equal(live ? unknown.GetInt32() : 0, audio.UnknownSizeClusters);
        Assert.True(audio.Clusters > 0);
    }

    [Fact]
    public void Live_webm_decodes_exactly_like_the_known_size_file()
    {
        var (known, _) = AudioDecoder.ReadMono(Path.Combine(Fixtures, "audio", "sine-stereo-opus.webm"));
        var (live, _) = AudioDecoder.ReadMono(Path.Combine(Fixtures, "audio", "sine-stereo-opus-live.webm"));
        Assert.Equal(known, live);
    }

    [Fact]
    public void Format_comes_from_the_bytes_not_the_extension()
    {
        var path = Path.Combine(folder, "really-ogg.wav");
        File.Copy(Path.Combine(Fixtures, "audio", "sine-mono-opus.ogg"), path);
        var (mono, rate) = AudioDecoder.ReadMono(path);
        Assert.Equal(48_000, rate);
        Assert.InRange(ZeroCrossingFrequency(mono[1440..^1440], rate), 440 * 0.99, 440 * 1.01);
        Assert.True(AudioDecoder.TryIdentify(path, out _));
    }

    public static TheoryData<string, string, string> Damaged => new()
    {
        // file, how it is damaged, a word the message must contain
        { "sine-mono.mp3", "id3-only", "MP3" },
        { "sine-mono-opus.ogg", "half", "truncated" },
        { "sine-stereo-vorbis.ogg", "flip", "checksum" },
        { "sine-stereo-opus.webm", "half", "truncated" },
        { "sine-stereo-opus-live.webm", "half", "truncated" },
        { "sine-mono-vorbis.webm", "half", "truncated" },
    };

    [Theory]
    [MemberData(nameof(Damaged))]
    public void Damaged_files_are_data_format_errors_naming_the_path(string file, string damage, string word)
    {
        var bytes = File.ReadAllBytes(Path.Combine(Fixtures, "audio", file));
        bytes = damage switch
        {
            "half" => bytes[..(bytes.Length / 2)],
            // An ID3v2 tag (10-byte header + its size, a syncsafe integer) followed by nothing but zeros.
            "id3-only" => [.. bytes[..(10 + Syncsafe(bytes.AsSpan(6, 4)))], .. new byte[400]],
            _ => Flip(bytes, bytes.Length / 2),
        };
        var path = Path.Combine(folder, "damaged" + Path.GetExtension(file));
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<DataFormatException>(() => AudioDecoder.ReadMono(path));
        Console.WriteLine(error.Message);
        Assert.StartsWith(path + ": ", error.Message);
        Assert.Contains(word, error.Message);
        Assert.EndsWith("on_bad_audio: skip", error.Message);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Randomly_damaged_files_decode_or_fail_as_data_format_errors(string file)
    {
        // Bytes flipped past the headers reach the codecs themselves (MP3 and WebM have no checksums): whatever they
        // make of it, the only failure a caller may see is a DataFormatException naming the file.
        var original = File.ReadAllBytes(Path.Combine(Fixtures, "audio", file));
        var random = new Random(file.Length);
        var path = Path.Combine(folder, "damaged" + Path.GetExtension(file));
        var failures = 0;
        for (var trial = 0; trial < 40; trial++)
        {
            var bytes = (byte[])original.Clone();
            for (var flips = 0; flips < 8; flips++)
                bytes[random.Next(original.Length / 4, original.Length)] ^= (byte)random.Next(1, 256);
            File.WriteAllBytes(path, bytes);
            try
            {
                AudioDecoder.ReadMono(path);
            }
            catch (DataFormatException e)
            {
                Assert.StartsWith(path + ": ", e.Message);
                failures++;
            }
        }

        Console.WriteLine($"{file}: {failures} of 40 damaged copies refused");
    }

    [Theory]
    [InlineData(new byte[] { (byte)'f', (byte)'L', (byte)'a', (byte)'C', 0, 0, 0, 0 }, "FLAC")]
    [InlineData(new byte[] { 0, 0, 0, 0x20, (byte)'f', (byte)'t', (byte)'y', (byte)'p', (byte)'M', (byte)'4', (byte)'A', 0x20 }, "MP4/M4A")]
    [InlineData(new byte[] { 0xFF, 0xF1, 0x50, 0x80 }, "AAC (ADTS)")]
    public void Known_unsupported_containers_are_named(byte[] head, string format)
    {
        var path = Path.Combine(folder, "clip.ogg");
        File.WriteAllBytes(path, [.. head, .. new byte[64]]);
        var error = Assert.Throws<DataFormatException>(() => AudioDecoder.ReadMono(path));
        Assert.StartsWith($"{path}: not supported yet: {format}", error.Message);
        Assert.False(AudioDecoder.TryIdentify(path, out var problem));
        Assert.Contains(format, problem);
    }

    [Fact]
    public void Identify_checks_the_ogg_codec_and_refuses_unknown_bytes()
    {
        // An Ogg page whose only packet is Speex's header: a sound page, an unsupported codec.
        var path = Path.Combine(folder, "speex.ogg");
        File.WriteAllBytes(path, OggPage(0x02, 0, 0, [(byte[])[.. "Speex   "u8, .. new byte[72]]], lastComplete: true));
        Assert.False(AudioDecoder.TryIdentify(path, out var problem));
        Assert.Contains("no Opus or Vorbis", problem);
        Assert.Contains("no Opus or Vorbis", Assert.Throws<DataFormatException>(() => AudioDecoder.ReadMono(path)).Message);

        File.WriteAllBytes(path, [.. "hello world, not audio"u8]);
        Assert.False(AudioDecoder.TryIdentify(path, out problem));
        Assert.Contains("unrecognised header", problem);
    }

    [Fact]
    public void Ogg_reader_joins_packets_over_pages_and_places_granule_positions()
    {
        // Packet A (600 bytes) starts on page 0 (two full 255-byte segments) and ends on page 1, which then holds
        // packet B (10 bytes). Page 1's granule position belongs to B, the last packet completed on it.
        var a = Enumerable.Range(0, 600).Select(i => (byte)i).ToArray();
        var b = Enumerable.Repeat((byte)7, 10).ToArray();
        byte[] file =
        [
            .. OggPage(0x02, granule: -1, sequence: 0, [a[..510]], lastComplete: false),
            .. OggPage(0x01 | 0x04, granule: 1234, sequence: 1, [a[510..], b], lastComplete: true),
        ];

        var stream = Assert.Single(OggPacketReader.ReadStreams(file));
        Assert.Equal(2, stream.Count);
        Assert.Equal(a, stream[0].Data);
        Assert.Equal(-1, stream[0].GranulePosition);
        Assert.Equal(b, stream[1].Data);
        Assert.Equal(1234, stream[1].GranulePosition);
        Assert.True(stream[1].EndOfStream);

        // A missing page is reported, not papered over.
        byte[] gap = [.. OggPage(0x02, -1, 0, [a[..510]], lastComplete: false), .. OggPage(0x01, 5, 2, [a[510..]], lastComplete: true)];
        Assert.Contains("pages are missing", Assert.Throws<InvalidDataException>(() => OggPacketReader.ReadStreams(gap)).Message);
    }

    [Fact]
    public void WebM_reader_ends_unknown_size_clusters_at_the_next_top_level_element()
    {
        // EBML header, unknown-size Segment, Tracks (track 1: A_OPUS), an unknown-size Cluster with two SimpleBlocks
        // (the second Xiph-laced: 2 frames), a second unknown-size Cluster with a BlockGroup (EBML-laced, 3 frames of
        // 2, 2 − 1 and the rest; DiscardPadding) and a block of another track, then Cues, which must not be read as part of the Cluster.
        byte[] opusHead = [.. "OpusHead"u8, 1, 2, 0x38, 0x01, 0x80, 0xBB, 0, 0, 0, 0, 0];
        byte[] track = Element(0xAE, [.. Element(0xD7, [1]), .. Element(0x83, [2]), .. Element(0x86, [.. "A_OPUS"u8]), .. Element(0x63A2, opusHead),
            .. Element(0xE1, [.. Element(0xB5, [0x47, 0x3B, 0x80, 0x00]), .. Element(0x9F, [2])])]);
        byte[] video = Element(0xAE, [.. Element(0xD7, [2]), .. Element(0x83, [1]), .. Element(0x86, [.. "V_VP8"u8])]);
        byte[] unknown = [0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
        byte[] file =
        [
            .. Element(0x1A45DFA3, Element(0x4282, [.. "webm"u8])),
            .. Id(0x18538067), .. unknown,
            .. Element(0x1654AE6B, [.. video, .. track]),
            .. Id(0x1F43B675), .. unknown,
            .. Element(0xE7, [0]),
            .. Element(0xA3, [0x81, 0, 0, 0x80, 1, 2, 3]),
            .. Element(0xA3, [0x81, 0, 20, 0x82, 1, 2, 9, 9, 8, 8, 8]), // Xiph: 2 frames, first of 2 bytes
            .. Element(0xEC, new byte[5]), // Void inside a Cluster: skipped by its size
            .. Id(0x1F43B675), .. unknown,
            .. Element(0xA0, [.. Element(0xA1, [0x81, 0, 40, 0x06, 2, 0x82, 0xBE, 5, 5, 6, 7, 7, 7, 7]), .. Element(0x75A2, [0x01, 0x31, 0x2D, 0x00])]),
            .. Element(0xA3, [0x82, 0, 0, 0x80, 42]),
            .. Element(0x1C53BB6B, Element(0xBB, [.. Element(0xB3, [0])])),
        ];

        var audio = WebMReader.Read(file);

        Assert.Equal("A_OPUS", audio.Track.CodecId);
        Assert.Equal(1UL, audio.Track.Number);
        Assert.Equal(48_000, audio.Track.SamplingFrequency);
        Assert.Equal((2, 2), (audio.Clusters, audio.UnknownSizeClusters));
        Assert.Equal(3, audio.Blocks);
        byte[][] expected = [[1, 2, 3], [9, 9], [8, 8, 8], [5, 5], [6], [7, 7, 7, 7]];
        Assert.Equal(expected, audio.Frames.Select(f => f.Data.ToArray()));
        Assert.Equal([0, 0, 0, 0, 0, 20_000_000L], audio.Frames.Select(f => f.DiscardPaddingNanoseconds));

        // Cut inside the second Cluster's BlockGroup: truncated, and said so.
        var cut = file[..(file.Length - 30)];
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => WebMReader.Read(cut)).Message);
    }

    private static IEnumerable<JsonElement> Entries() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures, "audio_decoders.json"))).RootElement.GetProperty("files").EnumerateArray();

    private static JsonElement Entry(string file) => Entries().Single(e => e.GetProperty("file").GetString() == file);

    // Frequency from the mean spacing of rising zero crossings, each placed by linear interpolation.
    internal static double ZeroCrossingFrequency(float[] samples, int rate)
    {
        var crossings = new List<double>();
        for (var i = 1; i < samples.Length; i++)
        {
            if (samples[i - 1] < 0 && samples[i] >= 0)
                crossings.Add(i - 1 + (samples[i - 1] / (samples[i - 1] - samples[i])));
        }

        Assert.True(crossings.Count > 10, $"only {crossings.Count} rising zero crossings");
        return (crossings.Count - 1) * rate / (crossings[^1] - crossings[0]);
    }

    // How many samples late the sine sin(2π f n / rate) sits in samples[start..end): its phase, by least squares.
    private static double Delay(float[] samples, int start, int end, double frequency, int rate)
    {
        var omega = 2 * Math.PI * frequency / rate;
        double a = 0, b = 0;
        for (var n = start; n < end; n++)
        {
            a += samples[n] * Math.Sin(omega * n);
            b += samples[n] * Math.Cos(omega * n);
        }

        // A·sin(ω(n − D)) = A·cos(ωD)·sin(ωn) − A·sin(ωD)·cos(ωn).
        return Math.Atan2(-b, a) / omega;
    }

    internal static double Rms(float[] samples) => Math.Sqrt(samples.Average(x => (double)x * x));

    private static int Syncsafe(ReadOnlySpan<byte> b) => (b[0] << 21) | (b[1] << 14) | (b[2] << 7) | b[3];

    private static byte[] Flip(byte[] bytes, int index)
    {
        var copy = (byte[])bytes.Clone();
        copy[index] ^= 0x5A;
        return copy;
    }

    // One Ogg page of stream 1 holding `segments` laced in order; the last is left open when !lastComplete.
    private static byte[] OggPage(byte flags, long granule, uint sequence, byte[][] segments, bool lastComplete)
    {
        var lacing = new List<byte>();
        for (var s = 0; s < segments.Length; s++)
        {
            var length = segments[s].Length;
            while (length >= 255)
            {
                lacing.Add(255);
                length -= 255;
            }

            if (length > 0 || s < segments.Length - 1 || lastComplete)
                lacing.Add((byte)length);
        }

        var header = new byte[27];
        "OggS"u8.CopyTo(header);
        header[5] = flags;
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(6), granule);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(14), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(18), sequence);
        header[26] = (byte)lacing.Count;
        byte[] page = [.. header, .. lacing, .. segments.SelectMany(s => s)];
        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(22), OggCrc.Update(0, page));
        return page;
    }

    private static byte[] Id(uint id) => id switch
    {
        < 0x100 => [(byte)id],
        < 0x10000 => [(byte)(id >> 8), (byte)id],
        < 0x1000000 => [(byte)(id >> 16), (byte)(id >> 8), (byte)id],
        _ => [(byte)(id >> 24), (byte)(id >> 16), (byte)(id >> 8), (byte)id],
    };

    // An element with a known size, written in 2 bytes (0x40 marker) so bodies up to 16 KB fit.
    private static byte[] Element(uint id, byte[] body) => [.. Id(id), (byte)(0x40 | (body.Length >> 8)), (byte)body.Length, .. body];
}
