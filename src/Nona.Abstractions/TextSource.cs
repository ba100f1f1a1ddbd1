using static TorchSharp.torch;

namespace Nona.Abstractions;

/// <summary>
/// Raw texts: the <c>text</c> modality as datasets produce it. A text backbone turns it into token ids once per
/// dataset in <see cref="FeatureExtractor.Prepare"/> (its vocabulary decides the ids), so a text source itself
/// cannot build batches.
/// </summary>
public sealed class TextSource(IReadOnlyList<string> texts) : InputSource
{
    /// <summary>The texts, one per sample.</summary>
    public IReadOnlyList<string> Texts { get; } = texts;

    /// <inheritdoc />
    public override int Count => Texts.Count;

    /// <inheritdoc />
    public override string Modality => "text";

    /// <inheritdoc />
    public override long VectorDim => 0;

    /// <inheritdoc />
    public override InputBatch Batch(long[] indices, ScalarType dtype, Device device) =>
        throw new InvalidOperationException("raw texts need a text backbone's Prepare (tokenisation) before batching");

    /// <inheritdoc />
    public override SamplePreview Preview(int index) => new TextPreview(Texts[index]);

    /// <inheritdoc />
    public override string? Fingerprint() =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join('\u0001', Texts))));
}
