using Nona.Host.Recipes;
using Nona.Tests.Support;
using Xunit;

namespace Nona.Tests.Recipes;

/// <summary>Values as the user wrote them: capped in error lines.</summary>
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

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
