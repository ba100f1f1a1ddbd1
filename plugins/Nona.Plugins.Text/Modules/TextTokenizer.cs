// WordPiece tokenisation for BERT-family encoders through Microsoft.ML.Tokenizers' BertTokenizer (basic
// tokenisation: whitespace/punctuation split, optional lower-casing and accent stripping; then greedy WordPiece),
// which follows Hugging Face's BertTokenizer. Truncation keeps [CLS] … [SEP], like HF's truncation=True.
using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace Nona.Plugins.Text.Modules;

/// <summary>Turns text into BERT input ids: [CLS] wordpieces [SEP], at most maxLength ids.</summary>
public sealed class TextTokenizer
{
    private readonly BertTokenizer tokenizer;

    /// <summary>
    /// Builds the tokenizer from a WordPiece <c>vocab.txt</c> (one token per line, id = line number).
    /// <paramref name="lowerCase"/> lower-cases and strips accents before splitting (uncased models).
    /// </summary>
    public TextTokenizer(string vocabPath, bool lowerCase)
    {
        if (!File.Exists(vocabPath))
            throw new FileNotFoundException($"vocabulary not found: {vocabPath}", vocabPath);
        LowerCase = lowerCase;
        tokenizer = BertTokenizer.Create(vocabPath, new BertOptions
        {
            LowerCaseBeforeTokenization = lowerCase,
            RemoveNonSpacingMarks = lowerCase, // HF strips accents exactly when it lower-cases (strip_accents unset)
            ApplyBasicTokenization = true,
            SplitOnSpecialTokens = true,
            IndividuallyTokenizeCjk = true,
        });
    }

    /// <summary>Whether text is lower-cased before tokenisation.</summary>
    public bool LowerCase { get; }

    /// <summary>Id of [CLS].</summary>
    public int ClsId => tokenizer.ClassificationTokenId;

    /// <summary>Id of [SEP].</summary>
    public int SepId => tokenizer.SeparatorTokenId;

    /// <summary>Id of [PAD].</summary>
    public int PadId => tokenizer.PaddingTokenId;

    /// <summary>
    /// Builds the tokenizer for a Hugging Face model folder: <c>vocab.txt</c>, lower-casing from
    /// <c>tokenizer_config.json</c>'s <c>do_lower_case</c> when that file has it, otherwise <paramref name="defaultLowerCase"/>.
    /// </summary>
    public static TextTokenizer FromFolder(string folder, bool defaultLowerCase = true)
    {
        var lowerCase = defaultLowerCase;
        var configPath = Path.Combine(folder, "tokenizer_config.json");
        if (File.Exists(configPath))
        {
            using var document = JsonDocument.Parse(File.ReadAllText(configPath));
            if (document.RootElement.TryGetProperty("do_lower_case", out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False)
                lowerCase = value.GetBoolean();
        }

        return new TextTokenizer(Path.Combine(folder, "vocab.txt"), lowerCase);
    }

    /// <summary>
    /// Ids of [CLS] + wordpieces of <paramref name="text"/> + [SEP]; when that would exceed
    /// <paramref name="maxLength"/>, wordpieces are cut from the end (the [SEP] stays) and <paramref name="truncated"/> is true.
    /// </summary>
    public IReadOnlyList<int> Encode(string text, int maxLength, out bool truncated)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (maxLength < 2)
            throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "maxLength must leave room for [CLS] and [SEP] (at least 2)");
        var pieces = tokenizer.EncodeToIds(text, addSpecialTokens: false);
        var keep = Math.Min(pieces.Count, maxLength - 2);
        truncated = keep < pieces.Count;
        var ids = new List<int>(keep + 2) { ClsId };
        ids.AddRange(pieces.Take(keep));
        ids.Add(SepId);
        return ids;
    }
}
