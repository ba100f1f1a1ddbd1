using System.Text.Json;
using Nona.Plugins.Audio.Decoding;
using Nona.Plugins.Audio.Pipeline;
using Xunit;

namespace Nona.Tests.Audio;

/// <summary>
/// Real browser recordings, as COUGHVID's uploads are: headless Chromium's MediaRecorder (live WebM;
/// tests/fixtures/make_browser_webm_fixture.js → audio_browser_webm.json) and Firefox's (its default Ogg Opus, and WebM;
/// tests/fixtures/make_firefox_recording_fixtures.py → audio_browser_recordings.json), each recording an OscillatorNode.
/// The references are the oscillator (frequency, gain), ffprobe/ffmpeg (packet count, duration, decoded length) and,
/// for Ogg, the script's own walk over the pages.
/// </summary>
public sealed class BrowserRecordingTests
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "fixtures");

    public static TheoryData<string, string> Recordings => new()
    {
        { "audio_browser_webm.json", "webm" },       // Chromium 156
        { "audio_browser_recordings.json", "ogg" },  // Firefox 153 ESR
        { "audio_browser_recordings.json", "webm" }, // Firefox 153 ESR
    };

    public static TheoryData<string> WebMRecordings => new() { "audio_browser_webm.json", "audio_browser_recordings.json" };

    [Theory]
    [MemberData(nameof(WebMRecordings))]
    public void Browser_webm_is_live_and_every_block_is_read(string facts)
    {
        var entry = Entry(facts, "webm");
        var bytes = File.ReadAllBytes(FilePath(entry));
        var header = Ebml.ReadElement(bytes, 0, bytes.Length);
        var segment = Ebml.ReadElement(bytes, header.End, bytes.Length);
        Assert.True(segment.IsUnknownSize, "the browser's Segment has a known size; the fixture is not a live recording");

        var audio = WebMReader.Read(bytes);
        Console.WriteLine($"{entry.GetProperty("browser")}: {audio.Clusters} clusters ({audio.UnknownSizeClusters} of unknown size), {audio.Blocks} blocks, codec delay {audio.Track.CodecDelayNanoseconds} ns");
        // The recorder's timeslice makes it emit several Clusters, every one of unknown size.
        Assert.True(audio.Clusters > 1, $"{audio.Clusters} cluster(s)");
        Assert.Equal(audio.Clusters, audio.UnknownSizeClusters);
        Assert.Equal(entry.GetProperty("packets").GetInt32(), audio.Blocks);
        Assert.Equal(audio.Blocks, audio.Frames.Count);
        Assert.Equal("A_OPUS", audio.Track.CodecId);
        Assert.Equal(entry.GetProperty("channels").GetInt32(), audio.Track.Channels);
        Assert.Equal(48_000, audio.Track.SamplingFrequency);
        // Firefox writes a CodecDelay (the OpusHead's pre-skip, in nanoseconds); Chromium writes none and a pre-skip of 0.
        var preSkip = entry.TryGetProperty("opus_pre_skip", out var skip) ? skip.GetInt32() : 0;
        Assert.Equal(preSkip * 1_000_000_000L / 48_000, audio.Track.CodecDelayNanoseconds);
    }

    [Fact]
    public void Firefox_ogg_is_one_opus_stream_and_every_packet_is_read()
    {
        var entry = Entry("audio_browser_recordings.json", "ogg");
        Assert.Equal("audio/ogg;codecs=opus", entry.GetProperty("mime_type").GetString());
        var packets = Assert.Single(OggPacketReader.ReadStreams(File.ReadAllBytes(FilePath(entry))));
        var withGranule = packets.Count(p => p.GranulePosition >= 0);

        // OpusHead and OpusTags, then every audio packet ffprobe counts.
        Assert.Equal(entry.GetProperty("packets").GetInt32() + 2, packets.Count);
        Assert.Equal(entry.GetProperty("opus_pre_skip").GetInt32(), OpusHead.Parse(packets[0].Data).PreSkip);
        Assert.Equal(entry.GetProperty("channels").GetInt32(), OpusHead.Parse(packets[0].Data).Channels);
        // Every page that completes a packet gives its last one the page's granule position; the recorder's
        // timeslice makes several pages.
        Assert.Equal(entry.GetProperty("ogg_pages_completing_packets").GetInt32(), withGranule);
        Assert.True(entry.GetProperty("ogg_pages").GetInt32() > 3, $"{entry.GetProperty("ogg_pages")} page(s)");
        Assert.Equal(entry.GetProperty("ogg_last_granule").GetInt64(), packets[^1].GranulePosition);
        Assert.True(entry.GetProperty("ogg_end_of_stream_flag").GetBoolean());
        Assert.True(packets[^1].EndOfStream);
    }

    [Theory]
    [MemberData(nameof(Recordings))]
    public void Browser_recording_decodes_to_the_oscillator(string facts, string container)
    {
        var entry = Entry(facts, container);
        var path = FilePath(entry);
        var (mono, rate) = AudioDecoder.ReadMono(path);
        Assert.Equal(48_000, rate);

        var frequency = entry.GetProperty("frequency").GetDouble();
        // The oscillator (amplitude 1) through the GainNode; MediaStreamAudioDestinationNode copies the mono graph to
        // both stereo channels, so the mono mix keeps the gain as its amplitude.
        var rms = entry.GetProperty("gain").GetDouble() / Math.Sqrt(2);
        // The steady middle: Opus smears the recorder's first frame and the abrupt stop at the end.
        var edge = rate / 10;
        var middle = mono[edge..^edge];
        var pitch = AudioDecoderFormatTests.ZeroCrossingFrequency(middle, rate);
        var level = 20 * Math.Log10(AudioDecoderFormatTests.Rms(middle) / rms);
        var expectedLength = entry.GetProperty("duration").GetDouble() * rate;
        Console.WriteLine($"{entry.GetProperty("browser")} {container}: {mono.Length} samples (ffprobe {expectedLength}), pitch {pitch:F3} Hz, level {level:F3} dB");

        Assert.InRange(pitch, frequency * 0.99, frequency * 1.01);
        Assert.InRange(level, -1, 1);
        Assert.InRange(mono.Length, expectedLength - (0.02 * rate), expectedLength + (0.02 * rate));
        // And exactly what ffmpeg's decoder makes of it: the pre-skip dropped (Firefox 312 samples, Chromium 0) and,
        // in Ogg, the end trimmed to the last granule position.
        Assert.Equal(entry.GetProperty("ffmpeg_decoded_samples").GetInt32(), mono.Length);

        // The whole pipeline: 16 kHz, the centre second, the pitch unchanged.
        var clip = AudioDecoder.Decode(path, new AudioOptions { Seconds = 1 });
        Assert.Equal(16_000, clip.Length);
        Assert.InRange(AudioDecoderFormatTests.ZeroCrossingFrequency(clip[1600..^1600], AudioOptions.SampleRate), frequency * 0.99, frequency * 1.01);
        Assert.True(AudioDecoder.TryIdentify(path, out var problem), problem);
    }

    private static JsonElement Entry(string facts, string container)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures, facts)));
        return document.RootElement.GetProperty("files").EnumerateArray().Single(f => f.GetProperty("container").GetString() == container).Clone();
    }

    private static string FilePath(JsonElement entry) => Path.Combine(Fixtures, "audio", entry.GetProperty("file").GetString()!);
}
