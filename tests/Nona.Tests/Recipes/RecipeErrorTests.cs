using Nona.Tests.Support;
using Xunit;

namespace Nona.Tests.Recipes;

/// <summary>Bad recipes: one <c>file:line:col</c> line per problem, exit code 2, nothing written.</summary>
public sealed class RecipeErrorTests
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

    [Fact]
    public void Unknown_head_name_is_one_line_with_line_column_the_known_names_and_a_suggestion()
    {
        var (code, errors, outFolder) = Validate(Valid.Replace("name: nona", "name: nonaa", StringComparison.Ordinal));
        Assert.Equal(2, code);
        var line = Assert.Single(Lines(errors));
        Assert.Matches(@"recipe\.yaml:5:11: heads\[1\]\.name: 'nonaa' is not a head plugin\. Available: .*dense.*nona.*Did you mean 'nona'\?", line);
        Assert.False(Directory.Exists(outFolder));
    }

    [Fact]
    public void Wrong_typed_value_is_one_line_with_line_and_column()
    {
        var (code, errors, _) = Validate(Valid.Replace("batch_size: 16", "batch_size: sixteen", StringComparison.Ordinal));
        Assert.Equal(2, code);
        var line = Assert.Single(Lines(errors));
        Assert.Contains("recipe.yaml:8:15: training.batch_size expects an integer (got 'sixteen')", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_problem_is_reported_at_once_in_file_order()
    {
        var recipe = Valid
            .Replace("batch_size: 16", "batch_size: 1\n  patiense: 3", StringComparison.Ordinal)
            .Replace("similarity: l2", "similarity: euclid", StringComparison.Ordinal);
        var (code, errors, _) = Validate(recipe);
        Assert.Equal(2, code);
        var lines = Lines(errors);
        Assert.Equal(3, lines.Length);
        Assert.Contains("recipe.yaml:6:17: heads[1].similarity must be one of l2, l1, dot, cos (got 'euclid')", lines[0], StringComparison.Ordinal);
        Assert.Contains("recipe.yaml:8:15: training.batch_size must be between 3 and 1000000 (got 1)", lines[1], StringComparison.Ordinal);
        Assert.Contains("recipe.yaml:9:3: unknown key 'training.patiense'", lines[2], StringComparison.Ordinal);
        Assert.Contains("Did you mean 'patience'?", lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public void Yaml_syntax_error_names_line_and_column()
    {
        var (code, errors, _) = Validate("datasets: [\n  {name: synthetic\nheads: [dense]\n");
        Assert.Equal(2, code);
        Assert.Matches(@"recipe\.yaml:\d+:\d+: YAML syntax error", Assert.Single(Lines(errors)));
    }

    [Fact]
    public void Nested_plugin_options_are_validated_too()
    {
        var (code, errors, _) = Validate(Valid.Replace("similarity: l2", "softstep: {name: s3, params: pointwise}", StringComparison.Ordinal));
        Assert.Equal(2, code);
        Assert.Contains("heads[1].softstep.name: 's3' is not a softstep plugin. Available: none, s1, s2.", Assert.Single(Lines(errors)), StringComparison.Ordinal);
    }

    [Fact]
    public void Alias_bombs_fail_fast_without_being_expanded()
    {
        var bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
        for (var level = 'b'; level <= 'j'; level++)
            bomb += $"{level}: &{level} [{string.Join(", ", Enumerable.Repeat($"*{(char)(level - 1)}", 10))}]\n";
        var recipe = bomb.Replace("a: ", "x_a: ", StringComparison.Ordinal) + "datasets: [{name: synthetic}]\nheads: [dense]\nevaluation: {baselines: *j}\n";
        var (code, errors, _) = Validate(recipe);
        Assert.Equal(2, code);
        // 10¹⁰ values if expanded; aliases are followed by reference, and the typed binding stops at the first list.
        Assert.Contains("evaluation.baselines[0] expects one of linear, knn-raw, mean, got a list", errors, StringComparison.Ordinal);
        Assert.True(Lines(errors).Length < 20);
    }

    [Fact]
    public void Set_overrides_apply_by_dotted_path_and_index_and_bad_ones_are_reported()
    {
        using var folder = new TempFolder();
        var path = folder.Write("recipe.yaml", Valid);
        Assert.Equal(0, Cli.Run("validate", path, "--set", "training.batch_size=64", "--set", "heads[1].similarity=cos").Code);

        var bad = Cli.Run("validate", path, "--set", "heads[5].similarity=cos", "--set", "training.lr=fast");
        Assert.True(bad.Code == 2, bad.Errors + bad.Output);
        var lines = Lines(bad.Errors);
        Assert.Equal(2, lines.Length);
        Assert.Contains("--set heads[5].similarity=cos: 'heads' has 2 item(s), so index 5 does not exist", lines[0], StringComparison.Ordinal);
        Assert.Contains("--set training.lr=fast: training.lr expects a number (got 'fast')", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_recipe_file_is_a_clear_error()
    {
        var (code, _, errors) = Cli.Run("validate", "/nonexistent/recipe.yaml");
        Assert.Equal(2, code);
        Assert.Contains("recipe file not found", errors, StringComparison.Ordinal);
    }

    private static (int Code, string Errors, string OutFolder) Validate(string recipe)
    {
        using var folder = new TempFolder();
        var path = folder.Write("recipe.yaml", recipe);
        var outFolder = Path.Combine(folder.Path, "out");
        var (code, _, errors) = Cli.Run("run", path, "--out", outFolder);
        return (code, errors, outFolder);
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
