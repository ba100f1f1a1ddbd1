using Nona.Tests.Support;
using Xunit;

namespace Nona.Tests.Cluster;

/// <summary>
/// A run as separate unit processes (docs/cluster.md), without a scheduler: each unit run alone with
/// <c>nona run RECIPE --out F --unit I</c>, in a shuffled order, then <c>nona collect</c>, gives the bytes of one
/// <c>nona run</c>; <c>nona submit --dry-run</c> prints the scripts and writes nothing; bad requests get one line.
/// </summary>
public sealed class UnitTaskTests
{
    private static readonly string Recipe = Path.Combine(Cli.RepoRoot, "tests", "fixtures", "cluster", "small.yaml");

    [Fact]
    public void Units_run_one_by_one_in_any_order_then_collected_give_the_bytes_of_one_run()
    {
        using var folder = new TempFolder();
        var local = Path.Combine(folder.Path, "local");
        var (code, _, errors) = Cli.Run("run", Recipe, "--out", local);
        Assert.True(code == 0, errors);

        var units = Path.Combine(folder.Path, "units");
        int[] order = [.. Enumerable.Range(0, 12).OrderBy(i => (i * 7) % 12)]; // 0 7 2 9 4 11 6 1 8 3 10 5
        foreach (var index in order)
        {
            (code, var output, errors) = Cli.Run("run", Recipe, "--out", units, "--unit", index.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(code == 0, $"unit {index}: {errors}{output}");
            Assert.Contains($"unit {index} done", output, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(units, "results.csv")), "a unit task must leave results.csv to the collect step");
        }

        (code, var collected, errors) = Cli.Run("collect", units);
        Assert.True(code == 0, errors);
        Assert.Contains("Results:", collected, StringComparison.Ordinal);
        foreach (var file in new[] { "results.csv", "summary.md" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(local, file)), File.ReadAllBytes(Path.Combine(units, file)));
        var log = File.ReadAllLines(Path.Combine(units, "log.csv"));
        Assert.Single(log, l => l.StartsWith("dataset,", StringComparison.Ordinal));
        Assert.Equal(File.ReadAllLines(Path.Combine(local, "log.csv")).Length, log.Length);
    }

    [Fact]
    public void A_unit_index_outside_the_plan_is_refused_naming_the_range()
    {
        using var folder = new TempFolder();
        var (code, _, errors) = Cli.Run("run", Recipe, "--out", Path.Combine(folder.Path, "r"), "--unit", "12");
        Assert.Equal(2, code);
        Assert.Contains("--unit 12: this run has units 0-11 (2 dataset(s) × 2 split(s) × 3 units)", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dry_run_prints_the_array_the_signal_and_the_logs_and_writes_nothing()
    {
        using var folder = new TempFolder();
        var run = Path.Combine(folder.Path, "run");
        var (code, output, errors) = Cli.Run("submit", Recipe, "--out", run, "--slurm", "partition=gpu,gpus-per-task=1,time=04:00:00,array-limit=3", "--dry-run");
        Assert.True(code == 0, errors);
        Assert.Contains("#SBATCH --array=0-11%3", output, StringComparison.Ordinal);
        Assert.Contains("#SBATCH --signal=B:TERM@300", output, StringComparison.Ordinal);
        Assert.Contains($"#SBATCH --output={run}/cluster/logs/unit-%a.log", output, StringComparison.Ordinal);
        Assert.Contains("#SBATCH --gpus-per-task=1", output, StringComparison.Ordinal);
        Assert.Contains($"folder='{run}'", output, StringComparison.Ordinal);
        Assert.Contains("'run' '--resume' \"$folder\" --unit \"$unit\" &", output, StringComparison.Ordinal);
        Assert.Contains("nona.dll'", output, StringComparison.Ordinal); // the built host, never ./nona
        Assert.Contains("--dependency=afterok:<units job id> --kill-on-invalid-dep=yes", output, StringComparison.Ordinal);
        Assert.DoesNotContain("--gpus-per-task", output.Split("collect.sbatch")[1], StringComparison.Ordinal); // the collect job needs no GPU
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void Collect_of_a_run_with_units_not_done_names_them_and_writes_nothing()
    {
        using var folder = new TempFolder();
        var run = Path.Combine(folder.Path, "run");
        Directory.CreateDirectory(Path.Combine(run, "cluster"));
        File.WriteAllText(Path.Combine(run, "cluster", "units.json"), "[{\"index\":0,\"dataset\":\"spiral\",\"split\":0,\"method\":\"dense\"}]");
        var (code, _, _) = Cli.Run("run", Recipe, "--out", run, "--unit", "0");
        Assert.Equal(0, code);
        File.WriteAllText(Path.Combine(run, "cluster", "units.json"), "[{\"index\":0,\"dataset\":\"spiral\",\"split\":0,\"method\":\"dense\"},{\"index\":1,\"dataset\":\"spiral\",\"split\":0,\"method\":\"nona\"}]");
        (code, _, var errors) = Cli.Run("collect", run);
        Assert.Equal(2, code);
        Assert.Contains("1 of 2 units are not done (unit 1 (spiral split 0 nona))", errors, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(run, "results.csv")));
    }

    [Fact]
    public void The_features_job_fills_the_cache_once_and_a_unit_then_reads_its_frozen_features_from_it()
    {
        using var folder = new TempFolder();
        var cache = Path.Combine(folder.Path, "cache");
        var run = Path.Combine(folder.Path, "run");
        string[] sets = ["--set", "datasets=[{name: numbers, n: 60, seed: 11}]", "--set", "evaluation.splits=1", "--set", "training.max_epochs=2", "--set", $"data.cache={cache}"];
        var text = Path.Combine(Cli.RepoRoot, "recipes", "text-demo.yaml");
        var (code, output, errors) = Cli.Run(["run", text, "--out", run, "--features-only", .. sets]);
        Assert.True(code == 0, errors + output);
        Assert.Contains("features ready for 1 dataset(s)", output, StringComparison.Ordinal);
        var features = Directory.GetFiles(Path.Combine(cache, "features"), "*.bin");
        Assert.Single(features);
        var written = File.GetLastWriteTimeUtc(features[0]);

        (code, output, errors) = Cli.Run("run", "--resume", run, "--unit", "1");
        Assert.True(code == 0, errors + output);
        Assert.Contains("frozen-backbone features reused from", output, StringComparison.Ordinal);
        Assert.Equal(written, File.GetLastWriteTimeUtc(features[0]));
    }
}
