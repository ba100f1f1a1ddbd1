using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Runtime.Serialization;
using Nona.Abstractions;

namespace Nona.Plugins.Audio.Pipeline;

/// <summary>Which part of a clip longer than <see cref="AudioOptions.Seconds"/> is kept.</summary>
public enum AudioCrop
{
    /// <summary>The first seconds.</summary>
    Start,

    /// <summary>The middle seconds.</summary>
    Center,

    /// <summary>The window with the highest RMS (window starts every 10 ms).</summary>
    Loudest,
}

/// <summary>Noise reduction applied to a whole recording before it is cropped.</summary>
public enum AudioDenoise
{
    /// <summary>The audio as recorded.</summary>
    None,

    /// <summary>A spectral gate (<see cref="SpectralGate"/>): bins below the recording's own noise floor are attenuated.</summary>
    [EnumMember(Value = "spectral-gate")]
    SpectralGate,
}

/// <summary>
/// How an audio dataset turns files into backbone input: decode, mix to mono, resample to
/// <see cref="SampleRate"/>, crop or zero-pad to <see cref="Seconds"/>, optionally normalise. Audio datasets derive
/// their options from this class, so these keys sit beside the dataset's own in the recipe (<c>seconds</c>,
/// <c>crop</c>, ...). Not sealed for that reason.
/// </summary>
public class AudioOptions
{
    /// <summary>The rate every clip is resampled to: what HuBERT, wav2vec 2.0 and Whisper were trained on.</summary>
    public const int SampleRate = 16_000;

    /// <summary>Hop between candidate windows of <see cref="AudioCrop.Loudest"/>, in samples (10 ms).</summary>
    internal const int LoudestHop = SampleRate / 100;

    /// <summary>Length of every clip after cropping or padding, in seconds.</summary>
    [Description("length of every clip after cropping or zero-padding, in seconds (at 16 kHz)")]
    [Range(0.01, 600.0)]
    public double Seconds { get; set; } = 1.0;

    /// <summary>Which window of a longer clip is kept.</summary>
    // Center by default: recordings often start and end with silence or handling noise.
    [Description("which part of a longer clip is kept: start, center, or loudest (the window with the highest RMS, 10 ms hop)")]
    public AudioCrop Crop { get; set; } = AudioCrop.Center;

    /// <summary>Zero-mean, unit-variance per clip.</summary>
    // Off by default: HuBERT-base was trained on raw waveforms (its feature extractor has do_normalize = false).
    [Description("scale each clip to zero mean and unit variance (off for HuBERT-base; on for wav2vec 2.0 large / WavLM)")]
    public bool Normalize { get; set; }

    /// <summary>Noise reduction before cropping.</summary>
    // Off by default: the backbones were pretrained on unprocessed audio, and the gate can eat quiet speech.
    [Description("noise reduction of each whole recording before cropping: none, or spectral-gate (bins below the recording's noise floor, measured on its quietest frames, are attenuated)")]
    public AudioDenoise Denoise { get; set; } = AudioDenoise.None;

    /// <summary>What to do with audio files that are missing, unreadable or in an unsupported format.</summary>
    [Description("fail or skip audio files that are missing, unreadable or in an unsupported format (skipped ones are counted and reported)")]
    public BadRowPolicy OnBadAudio { get; set; } = BadRowPolicy.Fail;

    /// <summary>Samples per clip: <see cref="Seconds"/> × <see cref="SampleRate"/>, rounded.</summary>
    public int ClipSamples => Math.Max(1, (int)Math.Round(Seconds * SampleRate));

    /// <summary>A copy, so a source keeps the settings it was made with.</summary>
    internal AudioOptions Snapshot() => (AudioOptions)MemberwiseClone();

    /// <summary>The settings that change what a clip turns into (for fingerprints).</summary>
    internal string EvaluationKey() =>
        string.Create(CultureInfo.InvariantCulture, $"rate={SampleRate};samples={ClipSamples};crop={Crop};normalize={Normalize};denoise={Denoise}");
}
