using System.Text.Json;
using Nona.Plugins.Audio.Decoding;
using Nona.Plugins.Audio.Pipeline;
using Xunit;

namespace Nona.Tests.Audio;

/// <summary>
/// A real browser recording (fixtures/audio/chromium-mediarecorder.webm, made by headless Chromium's MediaRecorder
/// from an OscillatorNode by tests/fixtures/make_browser_webm_fixture.js; its facts in fixtures/audio_browser_webm.json):
/// the "live" WebM that COUGHVID's uploads are, not an ffmpeg file rewritten to look like one. The references are the
/// oscillator (frequency, gain) and ffprobe/ffmpeg (packet count, duration, decoded length).
/// </summary>
public sealed class AudioDecoderBrowserWebMTests
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "fixtures");

    private static readonly JsonElement Entry = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures, "audio_browser_webm.json")))
        .RootElement.GetProperty("files")[0];

    private static string FilePath => Path.Combine(Fixtures, "audio", Entry.GetProperty("file").GetString()!);

    [Fact]
    public void Chromium_recording_is_live_webm_and_every_block_is_read()
    {
        var bytes = File.ReadAllBytes(FilePath);
        var header = Ebml.ReadElement(bytes, 0, bytes.Length);
        var segment = Ebml.ReadElement(bytes, header.End, bytes.Length);
        Assert.True(segment.IsUnknownSize, "the browser's Segment has a known size; the fixture is not a live recording");

        var audio = WebMReader.Read(bytes);
        Console.WriteLine($"{audio.Clusters} clusters ({audio.UnknownSizeClusters} of unknown size), {audio.Blocks} blocks, {audio.Frames.Count} frames");
        // The recorder's timeslice makes it emit several Clusters, every one of unknown size.
        Assert.True(audio.Clusters > 1, $"{audio.Clusters} cluster(s)");
        Assert.Equal(audio.Clusters, audio.UnknownSizeClusters);
        Assert.Equal(Entry.GetProperty("packets").GetInt32(), audio.Blocks);
        Assert.Equal(audio.Blocks, audio.Frames.Count);
        Assert.Equal("A_OPUS", audio.Track.CodecId);
        Assert.Equal(Entry.GetProperty("channels").GetInt32(), audio.Track.Channels);
        Assert.Equal(48_000, audio.Track.SamplingFrequency);
    }

    [Fact]
    public void Chromium_recording_decodes_to_the_oscillator()
    {
        var (mono, rate) = AudioDecoder.ReadMono(FilePath);
        Assert.Equal(48_000, rate);

        var frequency = Entry.GetProperty("frequency").GetDouble();
        // The oscillator (amplitude 1) through the GainNode; MediaStreamAudioDestinationNode copies the mono graph to
        // both stereo channels, so the mono mix keeps the gain as its amplitude.
        var rms = Entry.GetProperty("gain").GetDouble() / Math.Sqrt(2);
        // The steady middle: the oscillator ran before the recorder started, but Opus smears the recorder's first
        // frame and the abrupt stop at the end.
        var edge = rate / 10;
        var middle = mono[edge..^edge];
        var pitch = AudioDecoderFormatTests.ZeroCrossingFrequency(middle, rate);
        var level = 20 * Math.Log10(AudioDecoderFormatTests.Rms(middle) / rms);
        var expectedLength = Entry.GetProperty("duration").GetDouble() * rate;
        Console.WriteLine($"{mono.Length} samples (ffprobe {expectedLength}), pitch {pitch:F3} Hz, level {level:F3} dB");

        Assert.InRange(pitch, frequency * 0.99, frequency * 1.01);
        Assert.InRange(level, -1, 1);
        Assert.InRange(mono.Length, expectedLength - (0.02 * rate), expectedLength + (0.02 * rate));
        // And exactly what ffmpeg's decoder makes of it (Chromium writes no CodecDelay and an OpusHead pre-skip of 0,
        // so both keep every decoded sample).
        Assert.Equal(Entry.GetProperty("ffmpeg_decoded_samples").GetInt32(), mono.Length);

        // The whole pipeline: 16 kHz, the centre second, the pitch unchanged.
        var clip = AudioDecoder.Decode(FilePath, new AudioOptions { Seconds = 1 });
        Assert.Equal(16_000, clip.Length);
        Assert.InRange(AudioDecoderFormatTests.ZeroCrossingFrequency(clip[1600..^1600], AudioOptions.SampleRate), frequency * 0.99, frequency * 1.01);
        Assert.True(AudioDecoder.TryIdentify(FilePath, out var problem), problem);
    }
}
