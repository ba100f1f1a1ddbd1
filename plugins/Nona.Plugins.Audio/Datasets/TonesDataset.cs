using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Nona.Abstractions;
using Nona.Plugins.Audio.Pipeline;
using TorchSharp;
using static TorchSharp.torch;

namespace Nona.Plugins.Audio.Datasets;

/// <summary>Options of the <c>tones</c> dataset.</summary>
public sealed class TonesOptions
{
    /// <summary>Number of clips.</summary>
    [Description("number of clips")]
    [Range(10, 1_000_000)]
    public int N { get; set; } = 1000;

    /// <summary>Length of each clip, in seconds at 16 kHz.</summary>
    [Description("length of each clip, in seconds (at 16 kHz)")]
    [Range(0.1, 30.0)]
    public double Seconds { get; set; } = 1.0;

    /// <summary>Seed of the generator.</summary>
    [Description("seed of the generator: the same seed synthesises the same clips")]
    public int Seed { get; set; } = 5;

    /// <summary>Standard deviation of the additive white noise.</summary>
    [Description("standard deviation of the additive white Gaussian noise (the tone's peak is at most 1)")]
    [Range(0.0, 1.0)]
    public double Noise { get; set; } = 0.05;
}

/// <summary>
/// A built-in audio regression task that needs no download: each clip is a harmonic tone (fundamental f0
/// log-uniform in 80–1000 Hz, 1–4 harmonics with random amplitudes and phases, gain 0.1–1) that starts at a random
/// onset, in white noise, with a click train as a distractor in half of the clips. The label is the pitch in octaves
/// above 80 Hz, log2(f0 / 80), in [0, 3.64]: loudness, timbre, onset and clicks do not give it away.
/// Deterministic for a seed.
/// </summary>
[NonaPlugin("tones", PluginKind.Dataset, Description = "synthesised harmonic tones (no download): predict the pitch in octaves above 80 Hz")]
public sealed class TonesDatasetFactory : PluginFactory<TonesOptions, IDataset>
{
    /// <inheritdoc />
    protected override IDataset Create(TonesOptions options, PluginContext context) => new TonesDataset(options);
}

/// <summary>Synthesises the clips into a float array; the same options always give the same data.</summary>
public sealed class TonesDataset(TonesOptions options) : IDataset
{
    /// <summary>Lowest fundamental, in Hz: label 0.</summary>
    public const double MinF0 = 80;

    /// <summary>Highest fundamental, in Hz.</summary>
    public const double MaxF0 = 1000;

    /// <inheritdoc />
    public DatasetData Load(CancellationToken cancellationToken)
    {
        var audio = new AudioOptions { Seconds = options.Seconds, Crop = AudioCrop.Start };
        var (n, length) = (options.N, audio.ClipSamples);
        var samples = new float[n * length];
        var labels = new double[n];
        var random = new Random(options.Seed);
        for (var i = 0; i < n; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            labels[i] = Synthesise(samples.AsSpan(i * length, length), options.Noise, random);
        }

        using var clips = torch.tensor(samples, [n, length], ScalarType.Float32);
        return new DatasetData
        {
            Name = "tones",
            Inputs = new TensorAudioInputs(clips, audio) { AugmentationSeed = options.Seed },
            Labels = labels,
        };
    }

    /// <summary>Writes one clip into <paramref name="clip"/>; returns its label, log2(f0 / 80).</summary>
    private static double Synthesise(Span<float> clip, double noise, Random random)
    {
        const double rate = AudioOptions.SampleRate;
        var octaves = Math.Log2(MaxF0 / MinF0) * random.NextDouble();
        var f0 = MinF0 * Math.Pow(2, octaves);
        var harmonics = random.Next(1, 5);
        // The fundamental stays audible (amplitude ≥ 0.3): a missing fundamental would make the label ambiguous.
        var amplitudes = new double[harmonics];
        var phases = new double[harmonics];
        for (var h = 0; h < harmonics; h++)
        {
            amplitudes[h] = h == 0 ? 0.3 + (0.7 * random.NextDouble()) : random.NextDouble();
            phases[h] = 2 * Math.PI * random.NextDouble();
        }

        // Peak of the sum is at most the sum of the amplitudes: scale it into [-gain, gain].
        var gain = (0.1 + (0.9 * random.NextDouble())) / amplitudes.Sum();
        var onset = (int)(random.NextDouble() * 0.5 * clip.Length);
        var fade = (int)(0.01 * rate); // 10 ms ramp: a hard onset would splatter energy across the spectrum
        for (var t = onset; t < clip.Length; t++)
        {
            var value = 0.0;
            for (var h = 0; h < harmonics; h++)
                value += amplitudes[h] * Math.Sin((2 * Math.PI * f0 * (h + 1) * (t - onset) / rate) + phases[h]);
            clip[t] = (float)(gain * value * Math.Min(1.0, (t - onset + 1.0) / fade));
        }

        // Half the clips carry a click train (2–40 clicks/s): periodic, so it has a "pitch" of its own to ignore.
        if (random.NextDouble() < 0.5)
        {
            var period = rate / (2 + (38 * random.NextDouble()));
            var height = (float)(0.1 + (0.4 * random.NextDouble()));
            for (var t = random.NextDouble() * period; t < clip.Length; t += period)
                clip[(int)t] += height;
        }

        for (var t = 0; t < clip.Length; t++)
            clip[t] = (float)Math.Clamp(clip[t] + (noise * StandardNormal(random)), -1, 1);

        return octaves;
    }

    // Box–Muller: System.Random has no normal generator, and this one is reproducible across platforms.
    private static double StandardNormal(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
