namespace Nona.Abstractions;

/// <summary>
/// One sample made visible to a person (the pages of <c>nona explain</c>): each modality's source renders its own
/// samples, because only it knows how they were decoded and prepared.
/// </summary>
public abstract record SamplePreview;

/// <summary>An image sample as the model saw it (after resizing and cropping), as a small PNG.</summary>
/// <param name="Png">The encoded PNG file.</param>
public sealed record ImagePreview(byte[] Png) : SamplePreview;

/// <summary>A text sample.</summary>
/// <param name="Text">The text as the dataset read it (before tokenisation).</param>
public sealed record TextPreview(string Text) : SamplePreview;

/// <summary>An audio sample as the model heard it (decoded, resampled, cropped), as a short WAV excerpt.</summary>
/// <param name="Wav">The encoded WAV file (PCM, 16-bit, mono).</param>
public sealed record AudioPreview(byte[] Wav) : SamplePreview;

/// <summary>A fixed-width numeric sample.</summary>
/// <param name="Values">Its values.</param>
public sealed record VectorPreview(double[] Values) : SamplePreview;
