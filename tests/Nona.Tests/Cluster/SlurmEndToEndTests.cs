using System.Diagnostics;
using Nona.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Nona.Tests.Cluster;

/// <summary>
/// <c>nona submit</c> against a real Slurm (tools/local-slurm/start; .ci/run starts it): the synthetic recipe as a
/// job array, collected by its dependent job, gives the results.csv bytes of <c>nona run</c>; a unit made to fail
/// is named by <c>nona status</c> with its log line, and <c>nona submit --resume</c> runs only it, then collects.
/// </summary>
public sealed class SlurmEndToEndTests(ITestOutputHelper log)
{
    private static readonly string Synthetic = Path.Combine(Cli.RepoRoot, "recipes", "synthetic.yaml");
    private static readonly string Small = Path.Combine(Cli.RepoRoot, "tests", "fixtures", "cluster", "small.yaml");

    // The synthetic recipe at 2 splits (4 datasets × 2 splits × 3 units = 24 tasks), a few epochs so CI stays short.
    private static readonly string[] SyntheticSets = ["--set", "evaluation.splits=2", "--set", "training.max_epochs=3", "--set", "training.threads=1"];

    [SlurmFact]
    public void The_synthetic_recipe_as_a_job_array_collects_to_the_bytes_of_a_local_run()
    {
        using var folder = new TempFolder();
        var local = Path.Combine(folder.Path, "local");
        var (code, _, errors) = Cli.Run(["run", Synthetic, "--out", local, .. SyntheticSets]);
        Assert.True(code == 0, errors);

        var run = Path.Combine(folder.Path, "cluster");
        (code, var output, errors) = Cli.Run(["submit", Synthetic, "--out", run, .. SyntheticSets, "--slurm", "time=00:20:00,array-limit=6"]);
        Assert.True(code == 0, errors + output);
        Assert.Contains("submitted 24 of 24 units", output, StringComparison.Ordinal);
        WaitForCollect(run);

        Assert.Equal(File.ReadAllBytes(Path.Combine(local, "results.csv")), File.ReadAllBytes(Path.Combine(run, "results.csv")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(local, "summary.md")), File.ReadAllBytes(Path.Combine(run, "summary.md"))); // statistics included
        (code, output, errors) = Cli.Run("status", run);
        Assert.True(code == 0, errors);
        Assert.Contains("24 units — 24 done", output, StringComparison.Ordinal);
        Assert.Equal(24, Directory.GetFiles(Path.Combine(run, "cluster", "logs"), "unit-*.exit").Length);
    }

    [SlurmFact]
    public void A_failed_unit_is_named_by_status_and_a_resubmission_runs_only_it()
    {
        using var folder = new TempFolder();
        var run = Path.Combine(folder.Path, "run");
        // The variable reaches the tasks through sbatch's default --export=ALL.
        var (code, output, errors) = ChildNona.Run(["submit", Small, "--out", run], new Dictionary<string, string> { ["NONA_FAIL_UNIT"] = "3" });
        Assert.True(code == 0, errors + output);
        WaitUntil(run, () => Jobs(run).All(state => state is "COMPLETED" or "FAILED" or "CANCELLED" or "TIMEOUT"), "the first array to end");

        (code, output, errors) = Cli.Run("status", run);
        Assert.Equal(1, code);
        Assert.Contains("12 units — 11 done, 1 failed", output, StringComparison.Ordinal);
        Assert.Contains("failed: unit 3 (spiral split 1 dense): exit 1: ", output, StringComparison.Ordinal);
        Assert.Contains("failed on purpose (NONA_FAIL_UNIT=3)", output, StringComparison.Ordinal);
        Assert.Contains("nona submit --resume", output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(run, "results.csv")), "the collect job must not run after a failed task");

        var before = File.GetLastWriteTimeUtc(Path.Combine(run, "units", "spiral", "split-0", "dense", "done.json"));
        (code, output, errors) = Cli.Run("submit", "--resume", run);
        Assert.True(code == 0, errors + output);
        Assert.Contains("submitted 1 of 12 units", output, StringComparison.Ordinal);
        Assert.Contains("--array=3)", output, StringComparison.Ordinal);
        WaitForCollect(run);
        Assert.Equal(before, File.GetLastWriteTimeUtc(Path.Combine(run, "units", "spiral", "split-0", "dense", "done.json")));

        var local = Path.Combine(folder.Path, "local");
        (code, _, errors) = Cli.Run("run", Small, "--out", local);
        Assert.True(code == 0, errors);
        Assert.Equal(File.ReadAllBytes(Path.Combine(local, "results.csv")), File.ReadAllBytes(Path.Combine(run, "results.csv")));
    }

    [SlurmFact]
    public void Sigterm_to_a_tasks_batch_shell_as_before_the_time_limit_leaves_a_checkpoint_and_the_resubmission_continues_it()
    {
        using var folder = new TempFolder();
        // One dense unit long enough (about 10 s) to be stopped in the middle, and its split's baselines.
        string[] sets = ["--set", "datasets=[{name: synthetic, target: spiral, n: 1000, noise: 0.1, seed: 102}]", "--set", "heads=[{name: dense}]", "--set", "evaluation.splits=1", "--set", "training.max_epochs=100", "--set", "training.patience=100"];
        var run = Path.Combine(folder.Path, "run");
        var (code, output, errors) = Cli.Run(["submit", Small, "--out", run, .. sets, "--slurm", "array-limit=1"]);
        Assert.True(code == 0, errors + output);
        // Unit 0 (dense) is training once log.csv has its first epochs; then Slurm's own path for --signal=B:TERM.
        WaitUntil(run, () => File.Exists(Path.Combine(run, "log.csv")) && File.ReadAllLines(Path.Combine(run, "log.csv")).Length > 3, "unit 0's first epochs");
        var job = File.ReadAllText(Path.Combine(run, "cluster", "submissions.json")).Split("\"units_job\": \"")[1].Split('"')[0];
        Assert.Equal("", Scancel("--batch", "--signal=TERM", $"{job}_0"));
        WaitUntil(run, () => File.Exists(Path.Combine(run, "cluster", "logs", "unit-0.exit")), "unit 0's stop");

        Assert.Equal("130", File.ReadAllText(Path.Combine(run, "cluster", "logs", "unit-0.exit")).Trim());
        Assert.True(File.Exists(Path.Combine(run, "units", "spiral", "split-0", "dense", "checkpoint.bin")), "a stopped unit keeps its checkpoint");
        (code, output, _) = Cli.Run("status", run);
        Assert.Contains("stopped: unit 0 (spiral split 0 dense): exit 130: stopped; resume with: nona submit --resume", output, StringComparison.Ordinal);

        WaitUntil(run, () => Jobs(run).All(state => state is "COMPLETED" or "FAILED" or "CANCELLED"), "the rest of the array");
        (code, output, errors) = Cli.Run("submit", "--resume", run);
        Assert.True(code == 0, errors + output);
        Assert.Contains("submitted 1 of 2 units", output, StringComparison.Ordinal);
        WaitForCollect(run);
        // The resubmitted task continued from the checkpoint: its first logged epoch of dense is not epoch 1.
        var dense = File.ReadAllLines(Path.Combine(run, "log.csv")).Skip(1).Select(l => l.Split(',')).Where(c => c[1] == "dense").ToList();
        var pids = dense.Select(c => c[^1]).Distinct().ToList();
        Assert.Equal(2, pids.Count);
        Assert.True(int.Parse(dense.First(c => c[^1] == pids[1])[3], System.Globalization.CultureInfo.InvariantCulture) > 1, "the resubmitted unit started over instead of continuing");

        var local = Path.Combine(folder.Path, "local");
        (code, _, errors) = Cli.Run(["run", Small, "--out", local, .. sets]);
        Assert.True(code == 0, errors);
        Assert.Equal(File.ReadAllBytes(Path.Combine(local, "results.csv")), File.ReadAllBytes(Path.Combine(run, "results.csv")));
    }

    [SlurmFact]
    public void A_serial_sweep_runs_one_array_per_stage_chained_by_driver_jobs_and_gives_the_local_sweep()
    {
        using var folder = new TempFolder();
        var recipe = folder.Write("sweep.yaml", Reports.SweepTests.Recipe.Replace("MODE", "serial", StringComparison.Ordinal));
        var local = Path.Combine(folder.Path, "local");
        var (code, _, errors) = Cli.Run("run", recipe, "--out", local);
        Assert.True(code == 0, errors);

        var run = Path.Combine(folder.Path, "cluster");
        (code, var output, errors) = Cli.Run("submit", recipe, "--out", run);
        Assert.True(code == 0, errors + output);
        Assert.Contains("submitted sweep stage 1 of 2: 4 unit(s) of 2 configuration(s)", output, StringComparison.Ordinal);
        WaitUntil(run, () => File.Exists(Path.Combine(run, "sweep.json")), "the sweep's last driver job", failFast: true);

        Assert.Equal(File.ReadAllBytes(Path.Combine(local, "sweep.json")), File.ReadAllBytes(Path.Combine(run, "sweep.json")));
        var configs = Directory.GetDirectories(Path.Combine(local, "configs")).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(configs, Directory.GetDirectories(Path.Combine(run, "configs")).Select(Path.GetFileName).Order().ToList());
        foreach (var config in configs)
            Assert.Equal(File.ReadAllBytes(Path.Combine(local, "configs", config!, "results.csv")), File.ReadAllBytes(Path.Combine(run, "configs", config!, "results.csv")));
        var driverLog = File.ReadAllText(Path.Combine(run, "cluster", "logs", "driver.log"));
        Assert.Contains("submitted sweep stage 2 of 2", driverLog, StringComparison.Ordinal);
        (code, output, errors) = Cli.Run("status", run);
        Assert.True(code == 0, errors);
        Assert.Contains("sweep finished", output, StringComparison.Ordinal);
    }

    /// <summary>Waits for the collect job to write summary.md; on a timeout fails with what status and squeue say.</summary>
    private void WaitForCollect(string run) =>
        WaitUntil(run, () => File.Exists(Path.Combine(run, "summary.md")), "the collect job", failFast: true);

    /// <summary>Polls <paramref name="done"/> until it holds; a deadline (never a timing target) turns a stuck scheduler into a failure that says why.</summary>
    private void WaitUntil(string run, Func<bool> done, string what, bool failFast = false)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(4);
        while (DateTime.UtcNow < deadline)
        {
            if (done())
                return;
            // A task that failed means the dependent job will never run: say why now instead of at the timeout.
            if (failFast && Directory.GetFiles(run, "unit-*.exit", SearchOption.AllDirectories).Any(f => File.ReadAllText(f).Trim() is not ("0" or "")))
                break;
            Thread.Sleep(1000);
        }

        var (_, status, _) = Cli.Run("status", run);
        log.WriteLine(status);
        log.WriteLine(Squeue("-t", "all"));
        Assert.Fail($"{what} of {run} did not finish: {status}");
    }

    /// <summary>The states of every job whose log folder is this run's (by job name: nona-HASH-*).</summary>
    private static IReadOnlyList<string> Jobs(string run)
    {
        var prefix = File.ReadAllLines(Path.Combine(run, "cluster", "units.sbatch")).Single(l => l.StartsWith("#SBATCH --job-name=", StringComparison.Ordinal))["#SBATCH --job-name=".Length..];
        return [.. Squeue("-h", "-t", "all", "-r", "-n", prefix, "-o", "%T").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
    }

    private static string Squeue(params string[] arguments) => Slurm("squeue", arguments);

    private static string Scancel(params string[] arguments) => Slurm("scancel", arguments);

    private static string Slurm(string program, string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var text = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return text;
    }
}
