// A built-in text regression task that needs no download and cannot be solved from word counts alone: short sentences
// that spell out quantities in words and combine them ("two dozen eggs and three more" → 27), so the label depends on
// what the sentence means. Numbers stay ≤ 200 and sentences ≤ 20 words, small enough for a small BERT.
using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Nona.Abstractions;

namespace Nona.Plugins.Text.Datasets;

/// <summary>Options of the <c>numbers</c> dataset.</summary>
public sealed class NumberWordsOptions
{
    /// <summary>How many sentences.</summary>
    [Description("number of sentences generated")]
    [Range(1, 1_000_000)]
    public int N { get; set; } = 1500;

    /// <summary>The generator's seed (the same seed gives the same sentences).</summary>
    [Description("seed of the sentence generator: the same seed gives the same sentences and labels")]
    public int Seed { get; set; }

    /// <summary>Whether the label is ln(value) instead of the value.</summary>
    [Description("label is ln(value) instead of the value (every value is ≥ 1)")]
    public bool Log { get; set; }
}

/// <summary>Generated sentences labelled with the quantity they describe.</summary>
[NonaPlugin("numbers", PluginKind.Dataset, Description = "built-in: sentences spelling quantities in words (\"half of forty apples\" → 20)")]
public sealed class NumberWordsDatasetFactory : PluginFactory<NumberWordsOptions, IDataset>
{
    /// <inheritdoc />
    protected override IDataset Create(NumberWordsOptions options, PluginContext context)
    {
        if (options.N < 1)
            throw new NonaException($"{context.Where}.n must be ≥ 1 (got {options.N})");
        return new NumberWordsDataset(options);
    }
}

/// <summary>Generates the sentences on <see cref="Load"/>.</summary>
public sealed class NumberWordsDataset(NumberWordsOptions options) : IDataset
{
    /// <inheritdoc />
    public DatasetData Load(CancellationToken cancellationToken)
    {
        var sentences = NumberSentences.Generate(options.N, options.Seed);
        return new DatasetData
        {
            Name = "numbers",
            Inputs = new TextSource([.. sentences.Select(s => s.Text)]),
            Labels = [.. sentences.Select(s => options.Log ? Math.Log(s.Value) : s.Value)],
        };
    }
}

/// <summary>The sentence generator: one template per kind of arithmetic, varied wording and objects.</summary>
public static class NumberSentences
{
    private static readonly string[] Items = ["eggs", "apples", "books", "coins", "marbles", "stamps", "pencils", "cookies", "oranges", "shells", "cards", "stones", "candles", "buttons"];
    private static readonly string[] Boxes = ["boxes", "bags", "crates", "baskets", "packs", "jars", "trays"];
    private static readonly string[] Names = ["Anna", "Ben", "Carla", "Dev", "Ema", "Farid", "Grace", "Hugo", "Ines", "Jon"];

    private static readonly Func<Random, (string Text, int Value)>[] Templates =
    [
        r => Pick(r, 1, 150, a => Pick(r, 1, 50, b => ($"{W(r, a)} {I(r)} and {W(r, b)} more", a + b))),
        r => Pick(r, 1, 12, k => Pick(r, 0, 11, b => (b == 0 ? $"{W(r, k)} dozen {I(r)}" : $"{W(r, k)} dozen {I(r)} and {W(r, b)} more", (12 * k) + b))),
        r => Pick(r, 1, 100, h => ($"half of {W(r, 2 * h)} {I(r)}", h)),
        r => Pick(r, 1, 50, q => ($"a quarter of {W(r, 4 * q)} {I(r)}", q)),
        r => Pick(r, 10, 200, a => Pick(r, 1, a - 1, b => ($"{W(r, a)} minus {W(r, b)}", a - b))),
        r => Pick(r, 2, 9, k => Pick(r, 2, 20, m => ($"{W(r, k)} {Boxes[r.Next(Boxes.Length)]} of {W(r, m)}", k * m))),
        r => Pick(r, 5, 200, a => Pick(r, 1, a - 1, b => ($"{N(r)} had {W(r, a)} {I(r)} and gave away {W(r, b)}", a - b))),
        r => Pick(r, 1, 100, a => ($"twice {W(r, a)} {I(r)}", 2 * a)),
        r => Pick(r, 1, 66, a => ($"three times {W(r, a)}", 3 * a)),
        r => Pick(r, 2, 10, k => Pick(r, 1, 20, q => ($"{N(r)} shares {W(r, k * q)} {I(r)} equally among {W(r, k)} friends; each gets", q))),
        r => Pick(r, 1, 9, k => Pick(r, 0, 19, b => (b == 0 ? $"{W(r, k)} score {I(r)}" : $"{W(r, k)} score and {W(r, b)} {I(r)}", (20 * k) + b))),
        r => Pick(r, 1, 80, a => Pick(r, 1, 60, b => Pick(r, 1, 60, c => ($"{W(r, a)} plus {W(r, b)} plus {W(r, c)}", a + b + c)))),
        r => Pick(r, 1, 100, k => ($"{W(r, k)} pairs of socks", 2 * k)),
        r => Pick(r, 20, 120, a => Pick(r, 1, 60, b => Pick(r, 1, a, c => ($"{W(r, a)} {I(r)}, then {W(r, b)} more, then {W(r, c)} were lost", a + b - c)))),
        r => Pick(r, 2, 20, a => Pick(r, 2, 10, k => ($"{W(r, a)} {I(r)} in each of {W(r, k)} rows", a * k))),
    ];

    /// <summary>Number of sentence templates.</summary>
    public static int TemplateCount => Templates.Length;

    /// <summary><paramref name="count"/> sentences and their values, the same for the same <paramref name="seed"/>.</summary>
    public static IReadOnlyList<(string Text, int Value)> Generate(int count, int seed)
    {
        var random = new Random(seed);
        var sentences = new (string, int)[count];
        for (var i = 0; i < count; i++)
            sentences[i] = Templates[random.Next(Templates.Length)](random);
        return sentences;
    }

    /// <summary>
    /// <paramref name="n"/> (0-999) in English words: 27 → "twenty-seven", 105 → "one hundred and five"
    /// (or "a hundred and five" with <paramref name="indefinite"/>).
    /// </summary>
    public static string Spell(int n, bool indefinite = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(n, 999);
        string[] small = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
            "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"];
        string[] tens = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];
        if (n < 20)
            return small[n];
        if (n < 100)
            return n % 10 == 0 ? tens[n / 10] : $"{tens[n / 10]}-{small[n % 10]}";
        var hundreds = n / 100 == 1 && indefinite ? "a hundred" : $"{small[n / 100]} hundred";
        return n % 100 == 0 ? hundreds : $"{hundreds} and {Spell(n % 100)}";
    }

    private static (string, int) Pick(Random random, int low, int high, Func<int, (string, int)> then) => then(random.Next(low, high + 1));

    // The draw order inside a template is fixed, so the sentence for a seed never depends on evaluation details.
    private static string W(Random random, int n) => Spell(n, indefinite: random.Next(2) == 0);

    private static string I(Random random) => Items[random.Next(Items.Length)];

    private static string N(Random random) => Names[random.Next(Names.Length)];
}
