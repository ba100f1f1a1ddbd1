// Whisper's log-mel front end (Radford et al., "Robust Speech Recognition via Large-Scale Weak Supervision", 2022;
// openai/whisper, whisper/audio.py: log_mel_spectrogram) with the Slaney mel filterbank of
// torchaudio.functional.melscale_fbanks(201, 0, 8000, mels, 16000, norm="slaney", mel_scale="slaney").
using Nona.Abstractions.Torch;
using TorchSharp;
using static Nona.Abstractions.Torch.HeldScalars;
using static TorchSharp.torch;

namespace Nona.Plugins.Audio.Modules;

/// <summary>
/// 16 kHz mono waveforms (B, T) → Whisper log-mel spectrograms (B, mels, frames): periodic Hann window of 400,
/// centred STFT (reflect padding, hop 160), last frame dropped, power |X|², Slaney mel filterbank (0–8000 Hz),
/// log10(max(x, 1e-10)), floored at each clip's maximum − 8, then (x + 4) / 4. Frames = T / 160 (T after padding).
/// </summary>
public sealed class LogMel : nn.Module<Tensor, Tensor>
{
    /// <summary>Sample rate the window, hop and filterbank assume.</summary>
    public const int SampleRate = 16000;

    /// <summary>STFT size (25 ms).</summary>
    public const int FftSize = 400;

    /// <summary>STFT hop (10 ms).</summary>
    public const int HopLength = 160;

    /// <summary>One-sided STFT bins: <see cref="FftSize"/> / 2 + 1.</summary>
    public const int FrequencyBins = FftSize / 2 + 1;

    /// <summary>Whisper's input length: 30 s at 16 kHz.</summary>
    public const long WhisperSamples = 480_000;

    /// <summary>Builds the front end.</summary>
    /// <param name="mels">Mel bands (Whisper: 80, large-v3: 128).</param>
    /// <param name="padToSamples">Zero-pad or trim every clip to this many samples first (Whisper: 480,000); null uses the clips as they are.</param>
    public LogMel(int mels = 80, long? padToSamples = null)
        : base(nameof(LogMel))
    {
        if (mels < 1)
            throw new ArgumentOutOfRangeException(nameof(mels), mels, "need at least one mel band");
        if (padToSamples is < 1)
            throw new ArgumentOutOfRangeException(nameof(padToSamples), padToSamples, "pad_to_samples must be ≥ 1 (or null)");
        Mels = mels;
        PadToSamples = padToSamples;
        // Persistent buffers: TorchSharp 0.107 moves and disposes only those with the module.
        register_buffer("window", hann_window(FftSize, periodic: true, dtype: ScalarType.Float32));
        var filters = MelFilterbank(FrequencyBins, 0, SampleRate / 2.0, mels, SampleRate);
        register_buffer("filters", tensor(ToFloat(filters), [FrequencyBins, mels], ScalarType.Float32).t().contiguous()); // (mels, 201)
        RegisterComponents();
    }

    /// <summary>Mel bands.</summary>
    public int Mels { get; }

    /// <summary>Length every clip is padded or trimmed to, or null.</summary>
    public long? PadToSamples { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        if (input.dim() != 2)
            throw new ArgumentException($"LogMel expects waveforms (B, T), got shape [{string.Join(", ", input.shape)}]", nameof(input));
        using var scope = NewDisposeScope();
        var audio = input; // (B, T)
        if (PadToSamples is { } length && audio.shape[1] != length)
            audio = audio.shape[1] > length ? audio.narrow(1, 0, length) : nn.functional.pad(audio, [0, length - audio.shape[1]]);
        if (audio.shape[1] <= FftSize / 2)
            throw new ArgumentException($"LogMel needs clips longer than {FftSize / 2} samples for its reflect padding, got {audio.shape[1]}", nameof(input));
        var window = get_buffer("window")!.to(audio.dtype);
        var spectrum = stft(audio, FftSize, HopLength, window: window, center: true, pad_mode: PaddingModes.Reflect, return_complex: true); // (B, 201, frames + 1)
        var power = spectrum.narrow(-1, 0, spectrum.shape[^1] - 1).abs().pow(Held(2L)); // (B, 201, frames)
        var mel = matmul(get_buffer("filters")!.to(power.dtype), power); // (B, mels, frames)
        var log = mel.clamp_min(Held(1e-10)).log10();
        var ceiling = log.amax([1, 2], keepdim: true); // per clip, not per batch: a clip's features do not depend on its batch
        log = maximum(log, ceiling - Held(8.0));
        return (log.Plus(Held(4.0)) / Held(4.0)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The Slaney-scale, Slaney-normalised triangular mel filterbank, (<paramref name="frequencyBins"/>,
    /// <paramref name="mels"/>) row-major, as torchaudio.functional.melscale_fbanks(norm="slaney", mel_scale="slaney")
    /// and librosa.filters.mel (htk=False, norm="slaney") compute it.
    /// </summary>
    public static double[] MelFilterbank(int frequencyBins, double minHz, double maxHz, int mels, int sampleRate)
    {
        var nyquist = sampleRate / 2;
        var bins = new double[frequencyBins];
        for (var i = 0; i < frequencyBins; i++)
            bins[i] = frequencyBins == 1 ? 0 : nyquist * (double)i / (frequencyBins - 1);
        var minMel = HzToMel(minHz);
        var maxMel = HzToMel(maxHz);
        var edges = new double[mels + 2]; // band edges in Hz, equally spaced in mel
        for (var m = 0; m < mels + 2; m++)
            edges[m] = MelToHz(minMel + (maxMel - minMel) * m / (mels + 1));
        var fb = new double[frequencyBins * mels];
        for (var m = 0; m < mels; m++)
        {
            var norm = 2.0 / (edges[m + 2] - edges[m]); // Slaney: each band has unit area
            for (var i = 0; i < frequencyBins; i++)
            {
                var down = (bins[i] - edges[m]) / (edges[m + 1] - edges[m]);
                var up = (edges[m + 2] - bins[i]) / (edges[m + 2] - edges[m + 1]);
                fb[i * mels + m] = Math.Max(0, Math.Min(down, up)) * norm;
            }
        }

        return fb;
    }

    // Slaney's auditory-toolbox mel scale: linear below 1 kHz (3 mels per 200 Hz), logarithmic above.
    private const double LinearHzPerMel = 200.0 / 3;
    private const double LogBreakHz = 1000.0;
    private const double LogBreakMel = LogBreakHz / LinearHzPerMel;
    private static readonly double LogStep = Math.Log(6.4) / 27.0;

    /// <summary>Hz → mel on the Slaney scale.</summary>
    public static double HzToMel(double hz) =>
        hz >= LogBreakHz ? LogBreakMel + Math.Log(hz / LogBreakHz) / LogStep : hz / LinearHzPerMel;

    /// <summary>Mel → Hz on the Slaney scale.</summary>
    public static double MelToHz(double mel) =>
        mel >= LogBreakMel ? LogBreakHz * Math.Exp(LogStep * (mel - LogBreakMel)) : mel * LinearHzPerMel;

    private static float[] ToFloat(double[] values) => Array.ConvertAll(values, v => (float)v);
}
