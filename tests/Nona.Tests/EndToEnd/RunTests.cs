using System.Diagnostics;
using System.Text.Json;
using Nona.Tests.Support;
using Xunit;

namespace Nona.Tests.EndToEnd;

/// <summary>Small end-to-end runs through the command line, as a user runs them.</summary>
public sealed class RunTests
{
    private const string SmallRecipe = """
        name: small
        seed: 7
        datasets:
          - {name: synthetic, target: spiral, n: 150, seed: 1}
        heads:
          - name: dense
          - name: nona
            softstep: {name: s2, params: pointwise}
        training: {max_epochs: 4, batch_size: 16, threads: 1}
        evaluation: {splits: 2, baselines: [linear, knn-raw, mean], embeddings: first_split}
        """;

    [Fact]
    public void A_small_run_writes_results_summary_run_json_models_and_surfaces()
    {
        using var folder = new TempFolder();
        var recipe = folder.Write("small.yaml", SmallRecipe);
        var outFolder = Path.Combine(folder.Path, "out");
        var (code, output, errors) = Cli.Run("run", recipe, "--out", outFolder);
        Assert.True(code == 0, errors);

        var rows = File.ReadAllLines(Path.Combine(outFolder, "results.csv"));
        Assert.Equal("dataset,method,split,val_mse_scaled,mse_scaled,mse", rows[0]);
        var methods = rows.Skip(1).Select(r => r.Split(',')).ToList();
        Assert.Equal(2 * 7, methods.Count); // 2 splits × dense, dense+knn, nona, nona+knn, mean, linear, knn-raw
        Assert.Equal(["dense", "dense+knn", "knn-raw", "linear", "mean", "nona", "nona+knn"], methods.Select(m => m[1]).Distinct().Order());
        Assert.All(methods, m => Assert.True(double.Parse(m[4], System.Globalization.CultureInfo.InvariantCulture) is > 0 and < 1));

        var summary = File.ReadAllText(Path.Combine(outFolder, "summary.md"));
        Assert.Contains("| spiral |", summary, StringComparison.Ordinal);
        Assert.Contains("**", summary, StringComparison.Ordinal);
        Assert.Contains("spiral", output, StringComparison.Ordinal);

        using var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(outFolder, "run.json")));
        Assert.Equal([7, 8], run.RootElement.GetProperty("split_seeds").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Contains("target: spiral", run.RootElement.GetProperty("resolved_recipe").GetString(), StringComparison.Ordinal);

        var nona = Path.Combine(outFolder, "models", "spiral", "split-1", "nona");
        Assert.True(File.Exists(Path.Combine(nona, "weights.bin")));
        Assert.True(File.Exists(Path.Combine(nona, "neighbours.bin")));
        Assert.Contains("label_scaler", File.ReadAllText(Path.Combine(nona, "model.json")), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(outFolder, "models", "spiral", "split-1", "dense", "neighbours.bin")));

        var png = File.ReadAllBytes(Path.Combine(outFolder, "surfaces.png"));
        Assert.Equal([0x89, 0x50, 0x4E, 0x47], png[..4]);
        Assert.Empty(Directory.EnumerateFiles(outFolder, "*.tmp-*", SearchOption.AllDirectories));

        // Embeddings of split 0 only, one row per data row, and the report's Figure-4-style maps drawn from them.
        var embeddings = File.ReadAllLines(Path.Combine(outFolder, "embeddings", "spiral", "split-0", "nona.csv"));
        Assert.StartsWith("row,role,label_scaled,z0,", embeddings[0], StringComparison.Ordinal);
        Assert.Equal(150 + 1, embeddings.Length);
        Assert.False(Directory.Exists(Path.Combine(outFolder, "embeddings", "spiral", "split-1")));
        Assert.Contains("## Embedding maps (Figure 4)", File.ReadAllText(Path.Combine(outFolder, "report.md")), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(outFolder, "embedding-maps.png")));
    }

    [Fact]
    public void Same_recipe_and_seed_give_identical_results()
    {
        using var folder = new TempFolder();
        var recipe = folder.Write("small.yaml", SmallRecipe);
        var first = Path.Combine(folder.Path, "first");
        var second = Path.Combine(folder.Path, "second");
        var overrides = new[] { "--set", "evaluation.surfaces=false", "--set", "evaluation.save_models=false" };
        Assert.Equal(0, Cli.Run(["run", recipe, "--out", first, .. overrides]).Code);
        Assert.Equal(0, Cli.Run(["run", recipe, "--out", second, .. overrides]).Code);
        Assert.Equal(File.ReadAllText(Path.Combine(first, "results.csv")), File.ReadAllText(Path.Combine(second, "results.csv")));

        var third = Path.Combine(folder.Path, "third");
        Assert.Equal(0, Cli.Run(["run", recipe, "--out", third, "--set", "seed=8", .. overrides]).Code);
        Assert.NotEqual(File.ReadAllText(Path.Combine(first, "results.csv")), File.ReadAllText(Path.Combine(third, "results.csv")));
    }

    [Fact]
    public void A_csv_dataset_with_a_bad_cell_fails_with_file_line_and_column_and_writes_nothing()
    {
        using var folder = new TempFolder();
        folder.Write("data/table.csv", "a,b,target\n0.1,0.2,1\n0.3,oops,2\n");
        var recipe = folder.Write("recipe.yaml", """
            data: {root: data}
            datasets: [{name: csv, path: table.csv, features: [a, b], target: target}]
            heads: [dense]
            """);
        var outFolder = Path.Combine(folder.Path, "out");
        var (code, _, errors) = Cli.Run("run", recipe, "--out", outFolder);
        Assert.Equal(1, code);
        Assert.Contains("table.csv:3: column 'b'", errors, StringComparison.Ordinal);
        Assert.False(Directory.Exists(outFolder));
    }

    [Fact]
    public void The_nona_executable_exits_2_with_one_line_for_a_bad_recipe()
    {
        using var folder = new TempFolder();
        var recipe = folder.Write("bad.yaml", "datasets: [{name: synthetic}]\nheads: [{name: dense}]\ntraining: {lr: high}\n");
        var host = Path.Combine(AppContext.BaseDirectory, "nona.dll");
        var start = new ProcessStartInfo("dotnet", [host, "validate", recipe]) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(2, process.ExitCode);
        Assert.Equal($"{recipe}:3:16: training.lr expects a number (got 'high')", errors.Trim());
    }
}
