using System.Text.Json;
using Nona.Tests.Support;
using Xunit;

namespace Nona.Tests.Reports;

/// <summary>Serial and grid sweeps: configurations as run folders, winners by validation MSE, resume.</summary>
public sealed class SweepTests
{
    /// <summary>A two-stage sweep in seconds (MODE: serial or grid); the cluster tests submit the same one.</summary>
    internal const string Recipe = """
        name: tiny-sweep
        datasets: [{name: synthetic, target: spiral, n: 120, seed: 3}]
        projector: {name: mlp, sizes: [16, 8]}
        heads: [{name: nona, softstep: none}]
        training: {max_epochs: 3, batch_size: 16, threads: 1}
        evaluation: {splits: 1, two_stage: false, surfaces: false, save_models: false}
        sweep:
          mode: MODE
          select_method: nona
          stages:
            - key: heads[0].similarity
              values: [l2, cos]
            - key: training.batch_size
              values: [16, 32]
        """;

    [Fact]
    public void A_serial_sweep_carries_each_stage_winner_and_resumes_without_rerunning()
    {
        using var folder = new TempFolder();
        var recipe = folder.Write("sweep.yaml", Recipe.Replace("MODE", "serial", StringComparison.Ordinal));
        var outFolder = Path.Combine(folder.Path, "out");
        var first = Cli.Run("run", recipe, "--out", outFolder);
        Assert.True(first.Code == 0, first.Errors);

        using var sweep = JsonDocument.Parse(File.ReadAllText(Path.Combine(outFolder, "sweep.json")));
        var stages = sweep.RootElement.GetProperty("stages").EnumerateArray().ToList();
        Assert.Equal(2, stages.Count);
        var similarity = stages[0].GetProperty("results").EnumerateArray().ToList();
        var winner = stages[0].GetProperty("winner").GetString();
        var best = similarity.MinBy(r => r.GetProperty("val_mse_scaled").GetDouble());
        Assert.Equal(best.GetProperty("value").GetString(), winner);
        // Stage 2 ran with stage 1's winner fixed.
        Assert.All(stages[1].GetProperty("results").EnumerateArray(), r =>
            Assert.Equal($"heads[0].similarity={winner}", r.GetProperty("overrides")[0].GetString()));
        Assert.Equal(3, Directory.GetDirectories(Path.Combine(outFolder, "configs")).Length); // 2 + 2 − the shared one
        Assert.Contains("### Stage: training.batch_size", File.ReadAllText(Path.Combine(outFolder, "report.md")), StringComparison.Ordinal);

        var stamps = Directory.GetFiles(Path.Combine(outFolder, "configs"), "results.csv", SearchOption.AllDirectories).ToDictionary(f => f, File.GetLastWriteTimeUtc);
        var second = Cli.Run("run", recipe, "--out", outFolder);
        Assert.True(second.Code == 0, second.Errors);
        Assert.Contains("finished earlier", second.Output, StringComparison.Ordinal);
        Assert.All(stamps, s => Assert.Equal(s.Value, File.GetLastWriteTimeUtc(s.Key)));
    }

    [Fact]
    public void A_grid_sweep_runs_every_combination()
    {
        using var folder = new TempFolder();
        var recipe = folder.Write("sweep.yaml", Recipe.Replace("MODE", "grid", StringComparison.Ordinal));
        var outFolder = Path.Combine(folder.Path, "out");
        Assert.Equal(0, Cli.Run("run", recipe, "--out", outFolder).Code);
        Assert.Equal(4, Directory.GetDirectories(Path.Combine(outFolder, "configs")).Length);
    }

    [Fact]
    public void A_bad_sweep_value_is_reported_before_any_run()
    {
        using var folder = new TempFolder();
        var recipe = folder.Write("sweep.yaml", Recipe.Replace("MODE", "serial", StringComparison.Ordinal).Replace("[l2, cos]", "[l2, cosine]", StringComparison.Ordinal));
        var outFolder = Path.Combine(folder.Path, "out");
        var (code, _, errors) = Cli.Run("run", recipe, "--out", outFolder);
        Assert.Equal(2, code);
        Assert.Contains("sweep value heads[0].similarity=cosine", errors, StringComparison.Ordinal);
        Assert.Contains("must be one of l2, l1, dot, cos (got 'cosine')", errors, StringComparison.Ordinal);
        Assert.False(Directory.Exists(outFolder));
    }
}
