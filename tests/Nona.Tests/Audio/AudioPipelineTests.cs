using NAudio.Wave;
using Nona.Abstractions;
using Nona.Host.Data;
using Nona.Plugins.Audio.Datasets;
using Nona.Plugins.Audio.Pipeline;
using Nona.Tests.Support;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Nona.Tests.Audio;

public sealed class AudioPipelineTests : IDisposable
{
    private const double Frequency = 440;
    private const double Amplitude = 0.5;

    private readonly string folder = Directory.CreateTempSubdirectory("nona-audio-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    public static TheoryData<int, int, int, bool> Formats => new()
    {
        { 44_100, 16, 1, false },
        { 48_000, 24, 2, false },
        { 8_000, 32, 1, true },
    };

    [Theory]
    [MemberData(nameof(Formats))]
    public void Decoded_sine_keeps_pitch_loudness_and_length(int rate, int bits, int channels, bool isFloat)
    {
        var format = isFloat ? WaveFormat.CreateIeeeFloatWaveFormat(rate, channels) : new WaveFormat(rate, bits, channels);
        var path = WriteWave($"sine-{rate}-{bits}.wav", format, rate * 2, t => Amplitude * Math.Sin(2 * Math.PI * Frequency * t / rate));

        var (raw, rawRate) = AudioDecoder.ReadMono(path);
        Assert.Equal(rate, rawRate);
        Assert.Equal(rate * 2, raw.Length);
        var resampled = AudioDecoder.Resample(raw, rawRate);
        Assert.Equal(32_000, resampled.Length);
        // The resampler is flushed: the last 10 ms are as loud as the rest, not cut off or faded.
        var tail = 20 * Math.Log10(Rms(resampled[^160..]) / (Amplitude / Math.Sqrt(2)));
        Assert.InRange(tail, -1, 1);

        var clip = AudioDecoder.Decode(path, new AudioOptions { Seconds = 1.5, Crop = AudioCrop.Center });
        Assert.Equal(24_000, clip.Length);
        var pitch = PeakFrequency(clip);
        Assert.InRange(pitch, Frequency * 0.99, Frequency * 1.01);
        var decibels = 20 * Math.Log10(Rms(clip) / (Amplitude / Math.Sqrt(2)));
        Console.WriteLine($"{rate} Hz {bits}-bit x{channels}: pitch {pitch:F2} Hz, level {decibels:F3} dB");
        Assert.InRange(decibels, -1, 1);
    }

    [Fact]
    public void Channels_are_averaged_to_mono()
    {
        // Left carries the sine, right its negation plus 0.2: the average is a constant 0.1.
        var path = Path.Combine(folder, "stereo.wav");
        using (var writer = new WaveFileWriter(path, WaveFormat.CreateIeeeFloatWaveFormat(16_000, 2)))
        {
            for (var t = 0; t < 1_000; t++)
            {
                var value = (float)(Amplitude * Math.Sin(2 * Math.PI * Frequency * t / 16_000));
                writer.WriteSamples([value, 0.2f - value], 0, 2);
            }
        }

        var (mono, rate) = AudioDecoder.ReadMono(path);
        Assert.Equal(16_000, rate);
        Assert.Equal(1_000, mono.Length);
        Assert.All(mono, x => Assert.InRange(x, 0.0999f, 0.1001f));
    }

    [Theory]
    [InlineData(AudioCrop.Start, 0)]
    [InlineData(AudioCrop.Center, 12_000)]
    [InlineData(AudioCrop.Loudest, 19_200)]
    public void Crop_picks_the_expected_window(AudioCrop crop, int expectedStart)
    {
        // 2 s at 16 kHz of quiet alternating samples, with a loud burst at 1.2–1.7 s.
        var clip = new float[32_000];
        for (var i = 0; i < clip.Length; i++)
            clip[i] = (i >= 19_200 && i < 27_200 ? 0.9f : 0.01f) * (i % 2 == 0 ? 1 : -1);
        var options = new AudioOptions { Seconds = 0.5, Crop = crop };

        Assert.Equal(expectedStart, AudioDecoder.CropStart(clip, 8_000, crop));
        var window = AudioDecoder.Prepare(clip, options);
        Assert.Equal(8_000, window.Length);
        Assert.Equal(clip.AsSpan(expectedStart, 8_000).ToArray(), window);
    }

    [Fact]
    public void Short_clips_are_padded_with_zeros_and_normalize_standardises()
    {
        var path = WriteWave("short.wav", new WaveFormat(16_000, 16, 1), 4_000, t => Amplitude * Math.Sin(2 * Math.PI * Frequency * t / 16_000));
        var clip = AudioDecoder.Decode(path, new AudioOptions { Seconds = 1 });
        Assert.Equal(16_000, clip.Length);
        Assert.Contains(clip.AsSpan(0, 4_000).ToArray(), x => Math.Abs(x) > 0.4);
        Assert.All(clip.AsSpan(4_000).ToArray(), x => Assert.Equal(0f, x));

        // Normalisation sees the audio only: the padding stays silent.
        var normalized = AudioDecoder.DecodeClip(path, new AudioOptions { Seconds = 1, Normalize = true });
        Assert.Equal(4_000, normalized.Length);
        var audio = normalized.Samples.AsSpan(0, 4_000).ToArray();
        Assert.InRange(audio.Average(), -1e-4, 1e-4);
        Assert.InRange(Rms(audio), 0.999, 1.001);
        Assert.All(normalized.Samples.AsSpan(4_000).ToArray(), x => Assert.Equal(0f, x));
    }

    [Theory]
    [InlineData(44_100, 2)]
    [InlineData(16_000, 1)]
    [InlineData(22_050, 1)]
    public void Resampled_length_from_a_wav_header_equals_the_decoded_length(int rate, int channels)
    {
        var path = WriteWave($"length-{rate}.wav", new WaveFormat(rate, 16, channels), 12_345, t => Amplitude * Math.Sin(2 * Math.PI * Frequency * t / rate));
        var (mono, sourceRate) = AudioDecoder.ReadMono(path);
        Assert.Equal(AudioDecoder.Resample(mono, sourceRate).Length, AudioDecoder.ResampledLength(path));

        (int, int)[] keep = [(100, 2_000), (5_000, 99_999), (-10, 50)];
        Assert.Equal(RecordingInputs.Kept(path, keep, AudioDenoise.None).Length, RecordingInputs.KeptLength(path, keep));
    }

    [Fact]
    public void Resampled_length_of_other_containers_comes_from_decoding()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "fixtures", "audio", "sine-mono-opus.ogg");
        var (mono, rate) = AudioDecoder.ReadMono(path);
        Assert.Equal(AudioDecoder.Resample(mono, rate).Length, AudioDecoder.ResampledLength(path));
        Assert.Throws<DataFormatException>(() => AudioDecoder.ResampledLength(Path.Combine(folder, "absent.wav")));
    }

    [Fact]
    public void Batches_of_padded_clips_carry_a_mask_of_the_audio_samples()
    {
        var shortFile = WriteWave("quarter.wav", new WaveFormat(16_000, 16, 1), 4_000, t => Amplitude * Math.Sin(2 * Math.PI * Frequency * t / 16_000));
        var longFile = WriteWave("long.wav", new WaveFormat(16_000, 16, 1), 20_000, t => Amplitude * Math.Sin(2 * Math.PI * Frequency * t / 16_000));
        var inputs = new AudioInputs([shortFile, longFile], new AudioOptions { Seconds = 1 });
        using var batch = inputs.Batch([0, 1], ScalarType.Float32, CPU);
        Assert.NotNull(batch.Mask);
        Assert.Equal([2L, 16_000L], batch.Mask.shape);
        Assert.Equal([4_000L, 16_000L], batch.Mask.sum(1).data<long>().ToArray());
        Assert.Equal(1L, batch.Mask[0, 3_999].item<long>());
        Assert.Equal(0L, batch.Mask[0, 4_000].item<long>());
    }

    [Theory]
    [InlineData(new byte[] { (byte)'O', (byte)'g', (byte)'g', (byte)'S', 0, 2 }, "Ogg: ")]
    [InlineData(new byte[] { 0x1A, 0x45, 0xDF, 0xA3, 1, 0 }, "WebM/Matroska: ")]
    [InlineData(new byte[] { (byte)'f', (byte)'L', (byte)'a', (byte)'C', 0, 0 }, "not supported yet: FLAC")]
    [InlineData(new byte[] { (byte)'I', (byte)'D', (byte)'3', 4, 0, 0 }, "MP3: ")]
    public void Other_containers_are_recognised_by_their_bytes_and_bad_ones_reported_with_the_path(byte[] head, string problem)
    {
        // Named .wav on purpose: the format comes from the bytes, not the extension. A header followed by zeros is
        // a damaged Ogg/WebM/MP3 file (their decoders are tested on real files in AudioDecoderFormatTests).
        var path = Path.Combine(folder, "clip.wav");
        File.WriteAllBytes(path, [.. head, .. new byte[64]]);

        var error = Assert.Throws<DataFormatException>(() => AudioDecoder.Decode(path, new AudioOptions()));
        Assert.StartsWith(path + ": " + problem, error.Message);
        Assert.Contains("on_bad_audio: skip", error.Message);
        Assert.False(AudioDecoder.TryIdentify(path, out var identified));
        Assert.StartsWith(problem, identified);
    }

    [Fact]
    public void Truncated_wav_is_a_data_format_error()
    {
        var path = WriteWave("cut.wav", new WaveFormat(16_000, 16, 1), 16_000, t => 0.1);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var error = Assert.Throws<DataFormatException>(() => AudioDecoder.Decode(path, new AudioOptions()));
        Assert.StartsWith(path + ": ", error.Message);
        Assert.Contains("truncated", error.Message);
        Assert.False(AudioDecoder.TryIdentify(path, out _));

        File.WriteAllBytes(path, bytes[..20]);
        error = Assert.Throws<DataFormatException>(() => AudioDecoder.Decode(path, new AudioOptions()));
        Assert.StartsWith(path + ": ", error.Message);
        Assert.False(AudioDecoder.TryIdentify(path, out _));
    }

    [Fact]
    public void Audio_csv_loads_through_its_factory_and_skips_bad_files()
    {
        Directory.CreateDirectory(Path.Combine(folder, "clips"));
        var rows = new List<string> { "file,pitch" };
        for (var i = 0; i < 3; i++)
        {
            var frequency = 220.0 * (i + 1);
            WriteWave($"clips/{i}.wav", new WaveFormat(22_050, 16, 1), 22_050, t => 0.3 * Math.Sin(2 * Math.PI * frequency * t / 22_050));
            rows.Add($"clips/{i}.wav,{frequency}");
        }

        File.WriteAllBytes(Path.Combine(folder, "clips", "bad.ogg"), [(byte)'O', (byte)'g', (byte)'g', (byte)'S', 0, 2, 0, 0]);
        rows.Add("clips/bad.ogg,100");
        rows.Add("clips/missing.wav,100");
        File.WriteAllLines(Path.Combine(folder, "clips.csv"), rows);

        var factory = new AudioCsvDatasetFactory();
        var options = new AudioCsvOptions
        {
            Path = "clips.csv",
            Audio = "file",
            Target = "pitch",
            LabelTransform = LabelTransform.Log,
            Seconds = 0.5,
            OnBadAudio = BadRowPolicy.Skip,
        };
        var dataset = (IDataset)((IPluginFactory)factory).Create(options, Context());
        var data = dataset.Load(CancellationToken.None);

        Assert.Equal("clips", data.Name);
        Assert.Equal("audio", data.Inputs.Modality);
        Assert.Equal(3, data.Inputs.Count);
        Assert.Equal([Math.Log(220), Math.Log(440), Math.Log(660)], data.Labels, (a, b) => Math.Abs(a - b) < 1e-9);
        var note = Assert.Single(data.Notes);
        Assert.Contains("skipped 2", note);
        Assert.Contains("Ogg: page at byte 0", note);
        Assert.Contains("file not found", note);

        using var batch = data.Inputs.Batch([0, 2], ScalarType.Float32, CPU);
        Assert.Equal([2L, 8_000L], batch.Values.shape);
        Assert.InRange(PeakFrequency(batch.Values[1].data<float>().ToArray()), 660 * 0.99, 660 * 1.01);
        var fingerprint = data.Inputs.Fingerprint();
        Assert.Matches("^[0-9a-f]{64}$", fingerprint);
        Assert.Equal(fingerprint, new AudioInputs(((AudioInputs)data.Inputs).Paths, options).Fingerprint());
        Assert.NotEqual(fingerprint, new AudioInputs(((AudioInputs)data.Inputs).Paths, new AudioOptions { Seconds = 1 }).Fingerprint());

        var strict = (IDataset)((IPluginFactory)factory).Create(new AudioCsvOptions { Path = "clips.csv", Audio = "file", Target = "pitch" }, Context());
        var error = Assert.Throws<DataFormatException>(() => strict.Load(CancellationToken.None));
        Assert.Contains("bad.ogg", error.Message);
        Assert.Contains("on_bad_audio: skip", error.Message);
    }

    [Fact]
    public void Tones_are_deterministic_for_a_seed()
    {
        var first = Tones(new TonesOptions { N = 20 });
        var again = Tones(new TonesOptions { N = 20 });
        var other = Tones(new TonesOptions { N = 20, Seed = 6 });

        Assert.Equal(first.Labels, again.Labels);
        Assert.Equal(first.Inputs.Fingerprint(), again.Inputs.Fingerprint());
        Assert.NotEqual(first.Labels, other.Labels);
        Assert.NotEqual(first.Inputs.Fingerprint(), other.Inputs.Fingerprint());
        Assert.All(first.Labels, y => Assert.InRange(y, 0, Math.Log2(TonesDataset.MaxF0 / TonesDataset.MinF0)));
        using var batch = first.Inputs.Batch([0, 1, 2], ScalarType.Float32, CPU);
        Assert.Equal([3L, 16_000L], batch.Values.shape);
        Assert.Equal("audio", first.Inputs.Modality);
    }

    [Fact]
    public void Tones_pitch_is_learnable_from_a_coarse_log_spectrum()
    {
        var data = Tones(new TonesOptions());
        var n = data.Inputs.Count;
        using var batch = data.Inputs.Batch([.. Enumerable.Range(0, n).Select(i => (long)i)], ScalarType.Float32, CPU);
        var features = LogBands(batch.Values, 64);

        var train = (int)(n * 0.8);
        var (mse, variance) = RidgeTestError(features, data.Labels, train, lambda: 1.0);
        Console.WriteLine($"tones: ridge on 64 log bands, test MSE {mse:F4}, label variance {variance:F4}, ratio {mse / variance:F3}");
        Assert.True(mse < 0.3 * variance, $"test MSE {mse:F4} is not below 0.3 × label variance {variance:F4}");
    }

    private DatasetData Tones(TonesOptions options) =>
        ((IDataset)((IPluginFactory)new TonesDatasetFactory()).Create(options, Context())).Load(CancellationToken.None);

    private PluginContext Context() => new()
    {
        DataRoot = folder,
        RecipePath = "recipe.yaml",
        RecipeKey = "datasets[0]",
        Weights = new NoWeights(),
        Tables = new CsvTableReader(),
        Plugins = new NoPlugins(),
    };

    private string WriteWave(string name, WaveFormat format, int frames, Func<int, double> signal)
    {
        var path = Path.Combine(folder, name);
        using var writer = new WaveFileWriter(path, format);
        for (var t = 0; t < frames; t++)
        {
            for (var c = 0; c < format.Channels; c++)
                writer.WriteSample((float)signal(t));
        }

        return path;
    }

    private static double Rms(float[] clip) => Math.Sqrt(clip.Average(x => (double)x * x));

    // The strongest bin of |rfft| of a 16 kHz clip, refined by parabolic interpolation of its neighbours.
    private static double PeakFrequency(float[] clip)
    {
        using var scope = NewDisposeScope();
        var spectrum = fft.rfft(torch.tensor(clip)).abs().data<float>().ToArray();
        var peak = 1;
        for (var k = 1; k < spectrum.Length - 1; k++)
        {
            if (spectrum[k] > spectrum[peak])
                peak = k;
        }

        var (a, b, c) = (spectrum[peak - 1], spectrum[peak], spectrum[peak + 1]);
        var offset = 0.5 * (a - c) / (a - (2 * b) + c);
        return (peak + offset) * AudioOptions.SampleRate / clip.Length;
    }

    // log(mean |rfft|) in `count` log-spaced bands from 50 Hz to 8 kHz: (N, count).
    private static double[][] LogBands(Tensor clips, int count)
    {
        using var scope = NewDisposeScope();
        var magnitude = fft.rfft(clips, dim: 1).abs(); // (N, T/2 + 1)
        var bins = magnitude.shape[1];
        var hzPerBin = (double)AudioOptions.SampleRate / clips.shape[1];
        var columns = new List<Tensor>();
        for (var b = 0; b < count; b++)
        {
            var lo = (long)(50 * Math.Pow(8000.0 / 50, (double)b / count) / hzPerBin);
            var hi = Math.Max(lo + 1, (long)(50 * Math.Pow(8000.0 / 50, (double)(b + 1) / count) / hzPerBin));
            columns.Add(magnitude.narrow(1, lo, Math.Min(hi, bins) - lo).mean([1L]));
        }

        var features = (stack(columns, 1) + 1e-6).log().to(ScalarType.Float64).contiguous(); // (N, count)
        var flat = features.data<double>().ToArray();
        return [.. Enumerable.Range(0, (int)clips.shape[0]).Select(i => flat.AsSpan(i * count, count).ToArray())];
    }

    // Ridge regression on standardised features (train rows first), evaluated on the remaining rows.
    private static (double Mse, double Variance) RidgeTestError(double[][] x, double[] y, int train, double lambda)
    {
        using var scope = NewDisposeScope();
        var all = torch.tensor(x.SelectMany(r => r).ToArray(), [x.Length, x[0].Length], ScalarType.Float64);
        var targets = torch.tensor(y, ScalarType.Float64);
        var (xTrain, xTest) = (all[..train], all[train..]);
        var (yTrain, yTest) = (targets[..train], targets[train..]);
        var (mean, std) = (xTrain.mean([0L]), xTrain.std(0) + 1e-8);
        var (zTrain, zTest) = ((xTrain - mean) / std, (xTest - mean) / std);
        var yMean = yTrain.mean();
        var gram = zTrain.T.matmul(zTrain) + (lambda * eye(x[0].Length, dtype: ScalarType.Float64));
        var weights = linalg.solve(gram, zTrain.T.matmul(yTrain - yMean));
        var predicted = zTest.matmul(weights) + yMean;
        var mse = (predicted - yTest).pow(2).mean().item<double>();
        var variance = yTest.var().item<double>();
        return (mse, variance);
    }


}
