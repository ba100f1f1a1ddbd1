using System.Text;
using Nona.Host.Recipes;
using Nona.Tests.Support;
using Xunit;

namespace Nona.Tests.Recipes;

/// <summary>Values as the user wrote them: capped in error lines, strict UTF-8, and YAML 1.2 core-schema typing.</summary>
public sealed class RecipeValueTests
{
    private const string Valid = """
        datasets:
          - {name: synthetic, target: linear, n: 100}
        heads:
          - name: dense
          - name: nona
            similarity: l2
        training:
          batch_size: 16
        """;

    private static readonly string Huge = new('a', 20 * 1024 * 1024);

    [Theory]
    [InlineData("batch_size: 16", "batch_size: HUGE", "training.batch_size expects an integer (got 'aaaa")]
    [InlineData("similarity: l2", "similarity: HUGE", "heads[1].similarity must be one of l2, l1, dot, cos (got 'aaaa")]
    [InlineData("name: nona", "name: HUGE", "heads[1].name: 'aaaa")]
    public void A_huge_value_is_echoed_capped_with_its_length(string line, string replacement, string expected)
    {
        using var folder = new TempFolder();
        var path = folder.Write("recipe.yaml", Valid.Replace(line, replacement.Replace("HUGE", Huge, StringComparison.Ordinal), StringComparison.Ordinal));
        var (code, output, errors) = Cli.Run("validate", path);
        Assert.Equal(2, code);
        Assert.True(output.Length + errors.Length < 1_000, $"{output.Length + errors.Length} characters of output");
        var error = Assert.Single(Lines(errors));
        Assert.Contains("recipe.yaml:", error, StringComparison.Ordinal);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Contains($"…' ({Huge.Length} characters)", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_huge_set_argument_is_echoed_capped()
    {
        using var folder = new TempFolder();
        var path = folder.Write("recipe.yaml", Valid);
        var (code, output, errors) = Cli.Run("validate", path, "--set", $"training.lr={Huge}");
        Assert.Equal(2, code);
        Assert.True(output.Length + errors.Length < 1_000, $"{output.Length + errors.Length} characters of output");
        var error = Assert.Single(Lines(errors));
        Assert.StartsWith("--set training.lr=aaaa", error, StringComparison.Ordinal);
        Assert.Contains("training.lr expects a number (got 'aaaa", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Echoed_values_stay_on_one_line_and_keep_surrogate_pairs_whole()
    {
        Assert.Equal("'a\\nb'", UserValue.Quote("a\nb"));
        Assert.Equal("\"x\"", UserValue.Quote("x", '"'));
        var emoji = new string('a', UserValue.MaxShown - 1) + "😀tail";
        Assert.Equal($"'{new string('a', UserValue.MaxShown - 1)}…' ({emoji.Length} characters)", UserValue.Quote(emoji));
        Assert.Equal(UserValue.MaxShown, UserValue.Cap(new string('b', UserValue.MaxShown)).Length);
    }

    [Fact]
    public void A_file_that_is_not_utf8_is_refused_at_the_first_invalid_byte_and_nothing_is_written()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "recipe.yaml");
        // Line 3 is "name: ré" then 0xE9 (Latin-1 é): column 9 counts "é" as one character, not two bytes.
        var bytes = Encoding.UTF8.GetBytes(Valid[..Valid.IndexOf("heads:", StringComparison.Ordinal)] + "name: ré")
            .Concat(new byte[] { 0xE9 })
            .Concat(Encoding.UTF8.GetBytes("sume\n" + Valid[Valid.IndexOf("heads:", StringComparison.Ordinal)..]))
            .ToArray();
        File.WriteAllBytes(path, bytes);

        var validate = Cli.Run("validate", path);
        Assert.Equal(2, validate.Code);
        Assert.Equal($"{path}:3:9: the file is not valid UTF-8 (byte 0xE9); save it as UTF-8", Assert.Single(Lines(validate.Errors)));

        var outFolder = Path.Combine(folder.Path, "out");
        var run = Cli.Run("run", path, "--out", outFolder);
        Assert.Equal(2, run.Code);
        Assert.Contains(":3:9: the file is not valid UTF-8 (byte 0xE9)", Assert.Single(Lines(run.Errors)), StringComparison.Ordinal);
        Assert.False(Directory.Exists(outFolder));
    }

    [Fact]
    public void A_utf8_bom_is_accepted()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "recipe.yaml");
        File.WriteAllBytes(path, [.. Encoding.UTF8.Preamble, .. Encoding.UTF8.GetBytes("name: résumé\n" + Valid)]);
        var (code, _, errors) = Cli.Run("validate", path);
        Assert.True(code == 0, errors);
    }

    [Fact]
    public void A_quoted_seed_is_refused_with_line_and_column_and_a_plain_one_works()
    {
        var (code, errors) = Validate("seed: \"2026\"\n" + Valid);
        Assert.Equal(2, code);
        var line = Assert.Single(Lines(errors));
        Assert.Contains("recipe.yaml:1:7: seed: \"2026\" is a quoted string;", line, StringComparison.Ordinal);
        Assert.Contains("write it without quotes", line, StringComparison.Ordinal);

        Assert.Equal(0, Validate("seed: 2026\n" + Valid).Code);
    }

    [Theory]
    [InlineData("batch_size: 16", "batch_size: 16\nevaluation: {stratify: 'true'}", "recipe.yaml:9:24: evaluation.stratify: 'true' is a quoted string; true or false is expected")]
    [InlineData("batch_size: 16", "batch_size: 16\n  lr: \"0.001\"", "recipe.yaml:9:7: training.lr: \"0.001\" is a quoted string; a number is expected")]
    [InlineData("batch_size: 16", "batch_size: '16'", "recipe.yaml:8:15: training.batch_size: '16' is a quoted string; an integer is expected")]
    [InlineData("batch_size: 16", "batch_size: 16\nevaluation:\n  test_fraction: |\n    0.3", "recipe.yaml:10:18: evaluation.test_fraction: a block scalar (| or >) is a string")]
    public void A_quoted_bool_or_number_is_refused(string find, string replacement, string expected)
    {
        var (code, errors) = Validate(Valid.Replace(find, replacement, StringComparison.Ordinal));
        Assert.Equal(2, code);
        Assert.Contains(expected, Assert.Single(Lines(errors)), StringComparison.Ordinal);
    }

    [Fact]
    public void Quoted_text_values_are_still_text()
    {
        var recipe = "name: \"quoted\"\n" + Valid.Replace("similarity: l2", "similarity: 'l2'", StringComparison.Ordinal);
        var (code, errors) = Validate(recipe);
        Assert.True(code == 0, errors);
    }

    [Fact]
    public void A_set_value_is_typed_like_a_plain_scalar_unless_it_carries_quotes()
    {
        using var folder = new TempFolder();
        var path = folder.Write("recipe.yaml", Valid);
        Assert.Equal(0, Cli.Run("validate", path, "--set", "seed=2026", "--set", "name=2026").Code);

        var (code, _, errors) = Cli.Run("validate", path, "--set", "seed=\"2026\"");
        Assert.Equal(2, code);
        Assert.StartsWith("--set seed=\"2026\": seed: \"2026\" is a quoted string;", Assert.Single(Lines(errors)), StringComparison.Ordinal);
    }

    private static (int Code, string Errors) Validate(string recipe)
    {
        using var folder = new TempFolder();
        var path = folder.Write("recipe.yaml", recipe);
        var (code, _, errors) = Cli.Run("validate", path);
        return (code, errors);
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
