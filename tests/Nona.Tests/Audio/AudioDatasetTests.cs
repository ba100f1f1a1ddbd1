using NAudio.Wave;
using Nona.Abstractions;
using Nona.Host.Data;
using Nona.Host.Protocol;
using Nona.Host.Recipes;
using Nona.Plugins.Audio.Datasets;
using Nona.Plugins.Audio.Pipeline;
using Nona.Tests.Support;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Nona.Tests.Audio;

public sealed class AudioDatasetTests : IDisposable
{
    // The header of COUGHVID's metadata_compiled.csv (public_dataset, 20,072 rows), verbatim, expert columns included.
    private const string CoughvidHeader =
        "uuid,datetime,cough_detected,latitude,longitude,age,gender,respiratory_condition,fever_muscle_pain,status," +
        "quality_1,cough_type_1,dyspnea_1,wheezing_1,stridor_1,choking_1,congestion_1,nothing_1,diagnosis_1,severity_1," +
        "quality_2,cough_type_2,dyspnea_2,wheezing_2,stridor_2,choking_2,congestion_2,nothing_2,diagnosis_2,severity_2," +
        "quality_3,dyspnea_3,wheezing_3,stridor_3,choking_3,congestion_3,nothing_3,cough_type_3,diagnosis_3,severity_3";

    private const int Rate = 16_000;

    private readonly string root = Directory.CreateTempSubdirectory("nona-audiodata-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp folder must not fail a test.
        }
    }

    [Fact]
    public void Spectral_gate_removes_white_noise_and_keeps_the_tone()
    {
        const int n = 2 * Rate;
        var random = new Random(1);
        var tone = new float[n];
        var noisy = new float[n];
        for (var t = 0; t < n; t++)
        {
            tone[t] = (float)(0.3 * Math.Sin(2 * Math.PI * 440 * t / Rate));
            noisy[t] = tone[t] + (float)(0.05 * Normal(random));
        }

        var clean = SpectralGate.Apply(noisy);

        Assert.Equal(n, clean.Length);
        var before = Snr(tone, noisy);
        var after = Snr(tone, clean);
        var level = 20 * Math.Log10(ToneAmplitude(clean, 440) / ToneAmplitude(tone, 440));
        Console.WriteLine($"spectral gate: SNR {before:F1} dB -> {after:F1} dB, tone level {level:F3} dB");
        // Measured: 12.6 dB -> 22.0 dB (+9.4 dB), the tone within 0.01 dB.
        Assert.True(after - before >= 8, $"SNR improved by only {after - before:F1} dB ({before:F1} -> {after:F1})");
        Assert.InRange(level, -1, 1);

        Assert.All(SpectralGate.Apply(new float[n]), x => Assert.Equal(0f, x));
    }

    [Fact]
    public void Denoise_runs_before_the_crop_and_changes_the_fingerprint()
    {
        var random = new Random(3);
        var path = WriteWave("noisy.wav", Rate * 2, t => (0.3 * Math.Sin(2 * Math.PI * 440 * t / Rate)) + (0.05 * Normal(random)));
        var plain = new AudioOptions { Seconds = 0.5, Crop = AudioCrop.Center };
        var gated = new AudioOptions { Seconds = 0.5, Crop = AudioCrop.Center, Denoise = AudioDenoise.SpectralGate };

        // Denoising the whole recording and then cropping is what PrepareClip does.
        var (mono, rate) = AudioDecoder.ReadMono(path);
        var expected = AudioDecoder.Prepare(SpectralGate.Apply(AudioDecoder.Resample(mono, rate)), plain);
        Assert.Equal(expected, AudioDecoder.Decode(path, gated));
        Assert.NotEqual(AudioDecoder.Decode(path, plain), AudioDecoder.Decode(path, gated));
        Assert.NotEqual(new AudioInputs([path], plain).Fingerprint(), new AudioInputs([path], gated).Fingerprint());
    }

    [Fact]
    public void Coughvid_keeps_rows_with_an_age_a_cough_and_a_recording_and_reports_each_filter()
    {
        var folder = Path.Combine(root, "public_dataset");
        Directory.CreateDirectory(folder);
        string Row(string uuid, string cough, string age) =>
            $"{uuid},2020-04-13T21:30:59.801831+00:00,{cough},31.3,34.8,{age},male,False,False,healthy" + new string(',', 30);
        File.WriteAllLines(Path.Combine(folder, "metadata_compiled.csv"),
        [
            CoughvidHeader,
            Row("a1", "0.9609", "34"),
            Row("b2", "0.9900", ""),
            Row("c3", "0.8500", "6.5"),
            Row("d4", "0.5000", "40"),
            Row("e5", "0.9500", "28"),
            Row("f6", "0.9700", "abc"),
            Row("g7", "0.8000", "21.2"),
        ]);
        // Recordings named as in the dataset; WAV bytes, since the container is found from the bytes.
        WriteWave("public_dataset/a1.wav", Rate, t => 0.3 * Math.Sin(2 * Math.PI * 440 * t / Rate));
        WriteWave("public_dataset/c3.webm", Rate, t => 0.3 * Math.Sin(2 * Math.PI * 440 * t / Rate));
        WriteWave("public_dataset/c3.wav", Rate, t => 0.3 * Math.Sin(2 * Math.PI * 880 * t / Rate));
        WriteWave("public_dataset/g7.ogg", Rate, t => 0.3 * Math.Sin(2 * Math.PI * 440 * t / Rate));
        foreach (var uuid in new[] { "a1", "c3", "g7" })
            File.WriteAllText(Path.Combine(folder, uuid + ".json"), "{}");

        var data = Load(new CoughvidDatasetFactory(), new CoughvidOptions());

        Assert.Equal("coughvid", data.Name);
        Assert.Equal([34.0, 6.5, 21.2], data.Labels);
        Assert.Equal(["a1.wav", "c3.webm", "g7.ogg"], ((AudioInputs)data.Inputs).Paths.Select(Path.GetFileName));
        Assert.Null(data.Groups);
        var note = data.Notes[0];
        Assert.Contains("7 rows", note);
        Assert.Contains("→ 5 with a numeric age (1 empty, 1 not a number", note);
        Assert.Contains("'abc'", note);
        Assert.Contains("→ 4 with cough_detected ≥ 0.8 (1 below)", note);
        Assert.Contains("→ 3 with a recording <uuid>.webm/.ogg/.wav (1 missing, e.g. e5)", note);
        using var batch = data.Inputs.Batch([0, 1], ScalarType.Float32, CPU);
        Assert.Equal([2L, Rate], batch.Values.shape);

        var strict = Load(new CoughvidDatasetFactory(), new CoughvidOptions { MinCoughDetected = 0.9, Folder = "public_dataset" });
        Assert.Equal([34.0], strict.Labels);
    }

    [Fact]
    public void Nosemic_reads_uid_and_label_from_the_name_and_groups_by_participant()
    {
        var uids = new[] { "4", "5", "6", "7", "8" };
        foreach (var uid in uids)
        {
            for (var take = 1; take <= 3; take++)
                WriteWave(FormattableString.Invariant($"audio/{uid}_{take}_1_{10 + int.Parse(uid, System.Globalization.CultureInfo.InvariantCulture) + (0.5 * take)}.wav"), 800, t => 0.1);
        }

        File.WriteAllText(Path.Combine(root, "audio", "notes.txt"), "not audio");
        var data = Load(new NosemicDatasetFactory(), new NosemicOptions());

        Assert.Equal(15, data.Labels.Length);
        Assert.Equal(10 + 4 + 0.5, data.Labels[0]);
        Assert.NotNull(data.Groups);
        Assert.Equal(uids.SelectMany(u => Enumerable.Repeat(u, 3)), data.Groups);
        Assert.Contains("15 recordings of 5 participants", data.Notes[^1]);
        var split = DataSplit.Make(data.Labels, seed: 2, new EvaluationOptions(), data.Groups);
        var parts = new[] { split.Train, split.Val, split.Test };
        Assert.All(uids, uid => Assert.Single(parts, part => part.Any(i => data.Groups[i] == uid)));

        Assert.Null(Load(new NosemicDatasetFactory(), new NosemicOptions { GroupByUid = false }).Groups);

        WriteWave("audio/readme_x.wav", 800, t => 0.1);
        var error = Assert.Throws<DataFormatException>(() => Load(new NosemicDatasetFactory(), new NosemicOptions()));
        Assert.Contains("readme_x.wav", error.Message);
        Assert.Contains("on_bad_row: skip", error.Message);
        var skipped = Load(new NosemicDatasetFactory(), new NosemicOptions { OnBadRow = BadRowPolicy.Skip });
        Assert.Equal(15, skipped.Labels.Length);
        Assert.Contains("readme_x.wav", skipped.Notes[0]);
    }

    [Fact]
    public void Adresso_audio_crops_one_clip_per_recording_with_the_mmse_label()
    {
        WriteAdresso();
        var data = Load(new AdressoDatasetFactory(), new AdressoOptions { Modality = AdressoModality.Audio, Seconds = 1, Crop = AudioCrop.Start });

        Assert.Equal([20.0, 30.0], data.Labels);
        Assert.Null(data.Groups);
        using var batch = data.Inputs.Batch([0, 1], ScalarType.Float32, CPU);
        Assert.Equal([2L, Rate], batch.Values.shape);
        // Start crop of adrso024: the interviewer's quiet second.
        Assert.InRange(Rms(batch.Values[0].data<float>().ToArray()), 0.09 / Math.Sqrt(2), 0.11 / Math.Sqrt(2));
    }

    [Fact]
    public void Adresso_audio_windows_are_grouped_by_recording_and_participant_only_keeps_the_par_turns()
    {
        WriteAdresso();
        var windows = Load(new AdressoDatasetFactory(), new AdressoOptions { Modality = AdressoModality.Audio, Seconds = 1, Windows = true });

        // adrso024 lasts 3.5 s (3 whole windows), adrso300 2.2 s (2).
        Assert.Equal([20.0, 20, 20, 30, 30], windows.Labels);
        Assert.Equal(["adrso024", "adrso024", "adrso024", "adrso300", "adrso300"], windows.Groups);
        var parts = ((RecordingInputs)windows.Inputs).Parts;
        Assert.Equal([0, Rate, 2 * Rate, 0, Rate], parts.Select(p => p.WindowStart));
        using (var batch = windows.Inputs.Batch([1], ScalarType.Float32, CPU))
        {
            // The second window of adrso024 is its samples 16000..32000: the participant's loud turn from 1 s on.
            var (mono, _) = AudioDecoder.ReadMono(parts[1].Path);
            Assert.Equal(mono[Rate..(2 * Rate)], batch.Values[0].data<float>().ToArray());
        }

        var participant = Load(new AdressoDatasetFactory(), new AdressoOptions { Modality = AdressoModality.Audio, Seconds = 1, Windows = true, ParticipantOnly = true });
        // PAR turns: adrso024 1000-3500 ms (2.5 s, 2 windows), adrso300 200-2200 ms (2 s, 2 windows).
        Assert.Equal(["adrso024", "adrso024", "adrso300", "adrso300"], participant.Groups);
        using (var batch = participant.Inputs.Batch([0, 1], ScalarType.Float32, CPU))
        {
            foreach (var row in new[] { 0, 1 })
                Assert.InRange(Rms(batch.Values[row].data<float>().ToArray()), 0.49 / Math.Sqrt(2), 0.51 / Math.Sqrt(2));
        }

        File.Delete(Path.Combine(root, "diagnosis/train/segmentation/cn/adrso300.csv"));
        var error = Assert.Throws<DataFormatException>(() => Load(new AdressoDatasetFactory(), new AdressoOptions { Modality = AdressoModality.Audio, ParticipantOnly = true }));
        Assert.Contains("adrso300", error.Message);
        var skipped = Load(new AdressoDatasetFactory(), new AdressoOptions { Modality = AdressoModality.Audio, ParticipantOnly = true, OnBadRow = BadRowPolicy.Skip });
        Assert.Equal([20.0], skipped.Labels);
    }

    [Theory]
    [InlineData("coughvid")]
    [InlineData("nosemic")]
    [InlineData("adresso")]
    public void Missing_data_names_the_recipe_key_the_layout_and_the_fix(string plugin)
    {
        var context = Context() with { DataRoot = Path.Combine(root, "nowhere") };
        var (factory, options, layout) = plugin switch
        {
            "coughvid" => ((IPluginFactory)new CoughvidDatasetFactory(), (object)new CoughvidOptions(), "metadata_compiled.csv"),
            "nosemic" => (new NosemicDatasetFactory(), new NosemicOptions(), "<uid>_<x>_<y>_<label>.wav"),
            _ => (new AdressoDatasetFactory(), new AdressoOptions { Modality = AdressoModality.Audio }, "audio/{ad,cn}"),
        };

        var error = Assert.Throws<NonaException>(() => factory.Create(options, context));

        Assert.StartsWith("recipe.yaml: datasets[0].", error.Message);
        Assert.Contains(layout, error.Message);
        Assert.Contains("--set data.root=", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    private void WriteAdresso()
    {
        Directory.CreateDirectory(Path.Combine(root, "diagnosis/train"));
        File.WriteAllText(Path.Combine(root, "diagnosis/train/adresso-train-mmse-scores.csv"), ",adressfname,mmse,dx\n0,adrso024,20,ad\n1,adrso300,30,cn\n");
        // The interviewer speaks quietly for the first second, the participant loudly after it.
        WriteWave("diagnosis/train/audio/ad/adrso024.wav", 3 * Rate + (Rate / 2), t => (t < Rate ? 0.1 : 0.5) * Math.Sin(2 * Math.PI * 440 * t / Rate));
        WriteWave("diagnosis/train/audio/cn/adrso300.wav", 2 * Rate + (Rate / 5), t => (t < Rate / 5 ? 0.1 : 0.5) * Math.Sin(2 * Math.PI * 440 * t / Rate));
        Directory.CreateDirectory(Path.Combine(root, "diagnosis/train/segmentation/ad"));
        Directory.CreateDirectory(Path.Combine(root, "diagnosis/train/segmentation/cn"));
        File.WriteAllText(Path.Combine(root, "diagnosis/train/segmentation/ad/adrso024.csv"), ",speaker,begin,end\n0,INV,0,1000\n1,PAR,1000,3500\n");
        File.WriteAllText(Path.Combine(root, "diagnosis/train/segmentation/cn/adrso300.csv"), ",speaker,begin,end\n0,INV,0,200\n1,PAR,200,2200\n");
    }

    private static DatasetData Load(IPluginFactory factory, object options, PluginContext context)
    {
        var data = ((IDataset)factory.Create(options, context)).Load(CancellationToken.None);
        Assert.Equal(data.Inputs.Count, data.Labels.Length);
        return data;
    }

    private DatasetData Load(IPluginFactory factory, object options) => Load(factory, options, Context());

    private PluginContext Context() => new()
    {
        DataRoot = root,
        RecipePath = "recipe.yaml",
        RecipeKey = "datasets[0]",
        Weights = new NoWeights(),
        Tables = new CsvTableReader(),
        Plugins = new NoPlugins(),
    };

    private string WriteWave(string name, int frames, Func<int, double> signal)
    {
        var path = Path.Combine(root, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var writer = new WaveFileWriter(path, WaveFormat.CreateIeeeFloatWaveFormat(Rate, 1));
        for (var t = 0; t < frames; t++)
            writer.WriteSample((float)signal(t));
        return path;
    }

    private static double Rms(float[] clip) => Math.Sqrt(clip.Average(x => (double)x * x));

    private static double Snr(float[] reference, float[] signal)
    {
        double power = 0, error = 0;
        for (var i = 0; i < reference.Length; i++)
        {
            power += (double)reference[i] * reference[i];
            error += (signal[i] - (double)reference[i]) * (signal[i] - (double)reference[i]);
        }

        return 10 * Math.Log10(power / error);
    }

    // Amplitude of the clip's component at `frequency` (least squares on sine and cosine; whole periods in 2 s).
    private static double ToneAmplitude(float[] clip, double frequency)
    {
        double s = 0, c = 0;
        for (var t = 0; t < clip.Length; t++)
        {
            s += clip[t] * Math.Sin(2 * Math.PI * frequency * t / Rate);
            c += clip[t] * Math.Cos(2 * Math.PI * frequency * t / Rate);
        }

        return 2 * Math.Sqrt((s * s) + (c * c)) / clip.Length;
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2.0 * Math.PI * random.NextDouble());


}
