using System.Text.Json;
using Nona.Abstractions;
using Nona.Plugins.Audio.Backbones;
using Nona.Plugins.Audio.Modules;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Nona.Tests.Audio;

/// <summary>
/// Whisper's log-mel front end against torchaudio/torch (fixtures/logmel_parity.json, written by
/// tests/fixtures/make_logmel_fixture.py), and the <c>logmel</c> CNN backbone.
/// </summary>
public sealed class LogMelTests(ITestOutputHelper output)
{
    private static readonly Lazy<JsonElement> Fixture = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "logmel_parity.json"))).RootElement);

    [Fact]
    public void Filterbank_MatchesTorchaudioSlaney()
    {
        var expected = Fixture.Value.GetProperty("fbank").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.Equal(201 * 80, expected.Length);

        var actual = LogMel.MelFilterbank(201, 0, 8000, 80, 16000); // (201, 80) row-major, as the fixture
        output.WriteLine($"filterbank: max |C# − torchaudio| = {MaxAbsDiff(actual, expected):g3}");
        Assert.True(MaxAbsDiff(actual, expected) < 1e-6, $"max |C# − torchaudio| = {MaxAbsDiff(actual, expected):g3}");

        // The module's registered buffer is the same matrix, transposed to (mels, bins).
        using var module = new LogMel();
        using var buffer = module.get_buffer("filters")!.t().contiguous();
        var registered = buffer.data<float>().ToArray().Select(v => (double)v).ToArray();
        Assert.True(MaxAbsDiff(registered, expected) < 1e-6, $"max |buffer − torchaudio| = {MaxAbsDiff(registered, expected):g3}");
    }

    [Theory]
    [InlineData("mix")]
    [InlineData("chirp")]
    public void LogMel_OfFormulaSignals_MatchesTorchStftFixture(string signal)
    {
        var reference = Fixture.Value.GetProperty("logmel").GetProperty(signal);
        var shape = reference.GetProperty("shape").EnumerateArray().Select(v => v.GetInt64()).ToArray();
        var expected = reference.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var samples = Fixture.Value.GetProperty("samples").GetInt32();

        using var module = new LogMel();
        using var audio = tensor(signal == "mix" ? Mix(samples) : Chirp(samples), [1, samples]);
        using var spectrogram = module.call(audio);

        Assert.Equal([1, .. shape], spectrogram.shape);
        var actual = spectrogram.data<float>().ToArray().Select(v => (double)v).ToArray();
        output.WriteLine($"{signal}: max |C# − torch| = {MaxAbsDiff(actual, expected):g3}");
        Assert.True(MaxAbsDiff(actual, expected) < 1e-4, $"{signal}: max |C# − torch| = {MaxAbsDiff(actual, expected):g3}");
    }

    [Fact]
    public void LogMel_PadToSamples_PadsAndTrims()
    {
        using var module = new LogMel(padToSamples: 16000);
        using var shortClip = randn(2, 8000);
        using var longClip = randn(2, 24000);
        using var padded = module.call(shortClip);
        using var trimmed = module.call(longClip);
        Assert.Equal([2L, 80, 100], padded.shape);
        Assert.Equal([2L, 80, 100], trimmed.shape);
    }

    [Fact]
    public void LogMel_FloorsEachClipAtItsOwnMaximum()
    {
        using var module = new LogMel();
        using var quiet = tensor(Mix(8000), [1, 8000]) * 1e-3f;
        using var loud = tensor(Chirp(8000), [1, 8000]);
        using var alone = module.call(quiet);
        using var both = cat([loud, quiet], 0);
        using var batched = module.call(both);
        using var difference = (batched[1] - alone[0]).abs().max();
        Assert.True(difference.item<float>() < 1e-5f, $"a clip's log-mel changed with its batch by {difference.item<float>():g3}");
    }

    [Theory]
    [InlineData(400.0)]
    [InlineData(1000.0)]
    [InlineData(3000.0)]
    public void LogMel_OfPureTone_PeaksInTheMelBandContainingIt(double hz)
    {
        const int samples = 8000;
        var wave = new float[samples];
        for (var n = 0; n < samples; n++)
            wave[n] = (float)(0.5 * Math.Sin(2 * Math.PI * hz * n / 16000));
        using var module = new LogMel();
        using var audio = tensor(wave, [1, samples]);
        using var spectrogram = module.call(audio);
        using var perBand = spectrogram[0].mean([1]); // (80)
        var peak = (int)perBand.argmax().item<long>();

        // Band m is the triangle over [edge m, edge m + 2] of 82 edges equally spaced in Slaney mels over 0–8 kHz.
        var step = LogMel.HzToMel(8000) / 81;
        var low = LogMel.MelToHz(step * peak);
        var high = LogMel.MelToHz(step * (peak + 2));
        Assert.True(low < hz && hz < high, $"{hz} Hz peaks in band {peak} ({low:f0}–{high:f0} Hz)");
    }

    [Fact]
    public void CnnBackbone_TrainMode_GivesFiniteFeaturesAndGradients()
    {
        var factory = new LogMelCnnBackboneFactory();
        var context = new PluginContext { Weights = null!, Tables = null!, Plugins = null! };
        using var backbone = (FeatureExtractor)((IPluginFactory)factory).Create(new LogMelOptions(), context);
        Assert.Equal(64, backbone.OutputDim);
        Assert.Equal("audio", backbone.Modality);
        Assert.False(backbone.Frozen);
        Assert.Null(backbone.Fingerprint);

        backbone.train();
        manual_seed(7);
        using var batch = new InputBatch(randn(4, 16000) * 0.1); // 1 s of noise at 16 kHz
        using var features = backbone.call(batch);
        Assert.Equal([4L, 64], features.shape);
        Assert.True(features.isfinite().all().item<bool>());

        using var loss = features.square().mean();
        loss.backward();
        var parameters = backbone.named_parameters().ToList();
        Assert.NotEmpty(parameters);
        foreach (var (name, parameter) in parameters)
        {
            Assert.True(parameter.grad is not null, $"{name} has no gradient");
            Assert.True(parameter.grad!.isfinite().all().item<bool>(), $"{name} has a non-finite gradient");
        }

        Assert.Contains(parameters, p => p.name == "blocks.0.conv.weight");
        Assert.Contains(backbone.named_buffers(), b => b.name == "frontend.filters");
    }

    // The fixture's signals, from the same formulas as make_logmel_fixture.py (float64, then float32).
    private static float[] Mix(int samples)
    {
        var wave = new float[samples];
        for (var n = 0; n < samples; n++)
        {
            var t = n / 16000.0;
            wave[n] = (float)(0.5 * Math.Sin(2 * Math.PI * 440.0 * t) + 0.3 * Math.Sin(2 * Math.PI * 1000.0 * t));
        }

        return wave;
    }

    private static float[] Chirp(int samples)
    {
        const double f0 = 100, f1 = 4000, duration = 0.5;
        var wave = new float[samples];
        for (var n = 0; n < samples; n++)
        {
            var t = n / 16000.0;
            wave[n] = (float)(0.5 * Math.Sin(2 * Math.PI * (f0 * t + (f1 - f0) / (2 * duration) * t * t)));
        }

        return wave;
    }

    private static double MaxAbsDiff(double[] actual, double[] expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        return actual.Zip(expected, (a, e) => Math.Abs(a - e)).Max();
    }
}
