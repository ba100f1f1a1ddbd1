using System.Globalization;
using Nona.Abstractions;
using Nona.Plugins.Text.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace Nona.Plugins.Text.Backbones;

/// <summary>
/// A text feature extractor: tokenises a dataset's texts once (<see cref="Prepare"/>), runs a BERT-family encoder on
/// padded batches with their attention mask, and pools the last hidden state to one vector per text.
/// </summary>
public sealed class TextBackbone : FeatureExtractor
{
    private readonly nn.Module<Tensor, Tensor, Tensor> encoder;
    private readonly Func<Tensor, Tensor, Tensor> pool;
    private readonly TextTokenizer tokenizer;
    private readonly int maxLength;

    /// <summary>Wraps <paramref name="encoder"/> (registered as <c>encoder</c>).</summary>
    /// <param name="encoder">(ids, mask) → last hidden state (B, L, H).</param>
    /// <param name="hiddenSize">H, the pooled vector's width.</param>
    /// <param name="pool">(hidden, mask) → (B, H).</param>
    /// <param name="tokenizer">The weights' vocabulary.</param>
    /// <param name="maxLength">Longest token sequence, [CLS] and [SEP] included.</param>
    /// <param name="frozen">True for <c>trainable: false</c>.</param>
    /// <param name="fingerprint">Identifies weights, vocabulary and pooling, for the feature cache.</param>
    public TextBackbone(nn.Module<Tensor, Tensor, Tensor> encoder, long hiddenSize, Func<Tensor, Tensor, Tensor> pool, TextTokenizer tokenizer, int maxLength, bool frozen, string? fingerprint)
        : base(nameof(TextBackbone))
    {
        this.encoder = encoder;
        this.pool = pool;
        this.tokenizer = tokenizer;
        this.maxLength = maxLength;
        OutputDim = hiddenSize;
        Frozen = frozen;
        Fingerprint = fingerprint;
        RegisterComponents();
        if (frozen)
        {
            foreach (var parameter in encoder.parameters())
                parameter.requires_grad = false;
        }
    }

    /// <inheritdoc />
    public override long OutputDim { get; }

    /// <inheritdoc />
    public override string Modality => "text";

    /// <inheritdoc />
    public override bool Frozen { get; }

    /// <inheritdoc />
    public override string? Fingerprint { get; }

    /// <inheritdoc />
    public override InputSource Prepare(InputSource inputs, Action<string> note)
    {
        if (inputs is not TextSource texts)
            throw new NonaException($"a text backbone reads texts, but the dataset gives {inputs.Modality} inputs");
        var truncated = 0;
        var ids = new int[texts.Count][];
        for (var i = 0; i < texts.Count; i++)
        {
            ids[i] = [.. tokenizer.Encode(texts.Texts[i], maxLength, out var cut)];
            truncated += cut ? 1 : 0;
        }

        if (truncated > 0)
            note(string.Create(CultureInfo.InvariantCulture, $"{truncated} of {texts.Count} texts were truncated at max_length {maxLength} tokens"));
        return new TokenInputs(ids, tokenizer.PadId);
    }

    /// <inheritdoc />
    public override Tensor forward(InputBatch input)
    {
        var mask = input.Mask ?? throw new InvalidOperationException("token batches carry an attention mask");
        using var scope = NewDisposeScope();
        var hidden = encoder.call(input.Values, mask); // (B, L, H)
        return pool(hidden, mask).MoveToOuterDisposeScope(); // (B, H)
    }

    /// <inheritdoc />
    public override void train(bool train = true) => base.train(train && !Frozen); // frozen: dropout stays off

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
            encoder.Dispose();
        base.Dispose(disposing);
    }
}
