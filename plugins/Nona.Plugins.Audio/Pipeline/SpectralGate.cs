using System.Numerics;
using MathNet.Numerics.IntegralTransforms;

namespace Nona.Plugins.Audio.Pipeline;

/// <summary>
/// A stationary spectral-gate denoiser, in the manner of the <c>noisereduce</c> package: a 512-point periodic Hann
/// STFT with hop 128 (reflect-padded, so every sample sits under four frames); the noise floor of each frequency is
/// measured on the recording's own quietest 10 % of frames as mean + 1.5 std of their magnitudes, then the median of
/// that over ±8 neighbouring frequencies (so a steady tone, present in the quiet frames too, is not taken for noise);
/// every bin gets the
/// soft gain 1 / (1 + (threshold / |X|)⁴) — 0.5 at the threshold, above 0.99 at three times it — smoothed over three
/// frames so isolated noise peaks do not chirp ("musical noise"); then the inverse STFT with weighted overlap-add.
/// The output has the input's length; silence stays silence.
/// </summary>
public static class SpectralGate
{
    /// <summary>FFT size (32 ms at 16 kHz).</summary>
    public const int FrameLength = 512;

    /// <summary>Hop between frames.</summary>
    public const int Hop = 128;

    /// <summary>Share of frames, by energy from the quietest, that measure the noise floor.</summary>
    public const double NoiseShare = 0.10;

    /// <summary>Standard deviations above the mean noise magnitude where the gate opens halfway.</summary>
    public const double ThresholdStd = 1.5;

    private const int Bins = (FrameLength / 2) + 1;
    private const int SmoothFrames = 3;
    private const int FloorSpan = 8; // bins (±250 Hz at 16 kHz)

    private static readonly float[] Window = [.. Enumerable.Range(0, FrameLength).Select(i => (float)(0.5 - (0.5 * Math.Cos(2 * Math.PI * i / FrameLength))))];

    /// <summary>
    /// The denoised copy of <paramref name="clip"/> (mono, any rate; the defaults suit 16 kHz). A clip shorter than
    /// one frame is returned unchanged: it has too few frames to tell noise from signal.
    /// </summary>
    public static float[] Apply(ReadOnlySpan<float> clip)
    {
        if (clip.Length <= FrameLength)
            return clip.ToArray();

        var padded = ReflectPad(clip, FrameLength / 2);
        var frames = 1 + ((padded.Length - FrameLength + Hop - 1) / Hop);
        Array.Resize(ref padded, ((frames - 1) * Hop) + FrameLength); // zeros complete the last frame
        var spectra = new Complex[frames][];
        var magnitudes = new double[frames][];
        var energies = new double[frames];
        for (var t = 0; t < frames; t++)
        {
            var buffer = new Complex[FrameLength];
            for (var i = 0; i < FrameLength; i++)
                buffer[i] = new Complex(padded[(t * Hop) + i] * Window[i], 0);
            Fourier.Forward(buffer, FourierOptions.AsymmetricScaling);
            spectra[t] = buffer;
            magnitudes[t] = new double[Bins];
            for (var f = 0; f < Bins; f++)
            {
                magnitudes[t][f] = buffer[f].Magnitude;
                energies[t] += magnitudes[t][f] * magnitudes[t][f];
            }
        }

        // Frames of digital silence (zero padding in the file) carry no noise to measure; skip them.
        var audible = Enumerable.Range(0, frames).Where(t => energies[t] > 1e-20).ToArray();
        if (audible.Length == 0)
            return new float[clip.Length];
        var quiet = audible.OrderBy(t => energies[t]).ThenBy(t => t).Take(Math.Max(1, (int)Math.Ceiling(NoiseShare * audible.Length))).ToArray();
        var floor = new double[Bins];
        for (var f = 0; f < Bins; f++)
        {
            var mean = quiet.Average(t => magnitudes[t][f]);
            var variance = quiet.Average(t => (magnitudes[t][f] - mean) * (magnitudes[t][f] - mean));
            floor[f] = mean + (ThresholdStd * Math.Sqrt(variance));
        }

        // A steady tone is in the quiet frames too; the median over ±FloorSpan bins keeps its few bins out of the
        // floor, while broadband noise floors, which change slowly with frequency, pass through it.
        var threshold = new double[Bins];
        for (var f = 0; f < Bins; f++)
        {
            var (first, last) = (Math.Max(0, f - FloorSpan), Math.Min(Bins - 1, f + FloorSpan));
            var window = floor[first..(last + 1)];
            Array.Sort(window);
            threshold[f] = window[window.Length / 2];
        }

        var gains = new double[frames][];
        for (var t = 0; t < frames; t++)
        {
            gains[t] = new double[Bins];
            for (var f = 0; f < Bins; f++)
            {
                var magnitude = magnitudes[t][f];
                var ratio = magnitude > 0 ? threshold[f] / magnitude : double.PositiveInfinity;
                gains[t][f] = 1 / (1 + (ratio * ratio * ratio * ratio));
            }
        }

        var output = new double[padded.Length];
        var norm = new double[padded.Length];
        for (var t = 0; t < frames; t++)
        {
            var spectrum = spectra[t];
            var (first, last) = (Math.Max(0, t - (SmoothFrames / 2)), Math.Min(frames - 1, t + (SmoothFrames / 2)));
            for (var f = 0; f < Bins; f++)
            {
                var gain = 0.0;
                for (var u = first; u <= last; u++)
                    gain += gains[u][f];
                gain /= last - first + 1;
                spectrum[f] *= gain;
                if (f > 0 && f < FrameLength / 2)
                    spectrum[FrameLength - f] = Complex.Conjugate(spectrum[f]); // keep the frame real
            }

            Fourier.Inverse(spectrum, FourierOptions.AsymmetricScaling);
            for (var i = 0; i < FrameLength; i++)
            {
                output[(t * Hop) + i] += spectrum[i].Real * Window[i];
                norm[(t * Hop) + i] += Window[i] * Window[i];
            }
        }

        var result = new float[clip.Length];
        for (var i = 0; i < result.Length; i++)
        {
            var j = i + (FrameLength / 2);
            result[i] = norm[j] > 1e-8 ? (float)(output[j] / norm[j]) : 0f;
        }

        return result;
    }

    /// <summary>The clip with <paramref name="pad"/> mirrored samples on each side (as numpy's <c>reflect</c>).</summary>
    private static float[] ReflectPad(ReadOnlySpan<float> clip, int pad)
    {
        var result = new float[clip.Length + (2 * pad)];
        clip.CopyTo(result.AsSpan(pad));
        for (var i = 1; i <= pad; i++)
        {
            result[pad - i] = clip[i];
            result[pad + clip.Length - 1 + i] = clip[clip.Length - 1 - i];
        }

        return result;
    }
}
