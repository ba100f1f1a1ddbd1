using Nona.Tests.Support;
using Xunit;

namespace Nona.Tests.Units;

/// <summary>The uninterrupted run of the kill/resume fixture, made once for the tests of <see cref="ResumeTests"/>.</summary>
public sealed class UninterruptedRun : IDisposable
{
    private readonly TempFolder folder = new();

    /// <summary>Runs the fixture in-process.</summary>
    public UninterruptedRun()
    {
        Folder = Path.Combine(folder.Path, "reference");
        var (code, _, errors) = Cli.Run("run", ResumeTests.Recipe, "--out", Folder);
        Assert.True(code == 0, errors);
    }

    /// <summary>The run folder.</summary>
    public string Folder { get; }

    /// <inheritdoc />
    public void Dispose() => folder.Dispose();
}

/// <summary>
/// A run survives its process (docs/long-runs.md): SIGKILL at deterministic points — after an epoch's checkpoint,
/// after a step, between a checkpoint's write and its rename, after a unit's done marker, between results.csv's
/// write and its rename — and at a seeded moment, then resumed, gives the same bytes as a run never interrupted;
/// one Ctrl-C or SIGTERM stops with exit 130 and a resume line; two Ctrl-C stop at once and the run still resumes.
/// </summary>
public sealed class ResumeTests(UninterruptedRun reference) : IClassFixture<UninterruptedRun>
{
    /// <summary>The fixture recipe.</summary>
    public static readonly string Recipe = Path.Combine(Cli.RepoRoot, "tests", "fixtures", "resume", "small.yaml");

    private const int Killed = 137; // 128 + SIGKILL
    private const int Stopped = 130;

    [Fact]
    public void Killed_at_every_kind_of_moment_and_resumed_each_time_a_run_gives_the_bytes_of_an_uninterrupted_one()
    {
        using var folder = new TempFolder();
        var run = Path.Combine(folder.Path, "run");
        string[] kills = ["epoch:3", "step:20", "checkpoint-write:2", "unit-done:1", "results-write:1", "epoch:2"];
        for (var i = 0; i < kills.Length; i++)
        {
            string[] args = i == 0 ? ["run", Recipe, "--out", run] : ["run", "--resume", run];
            var (code, output, errors) = ChildNona.Run(args, new Dictionary<string, string> { ["NONA_KILL_AT"] = kills[i] });
            Assert.True(code == Killed, $"NONA_KILL_AT={kills[i]}: exit {code}, expected the kill: {errors}{output}");
        }

        // A kill at a moment no hook chose (seeded, so a failure can be replayed).
        using (var child = ChildNona.Start(["run", "--resume", run]))
        {
            Thread.Sleep(new Random(13).Next(300, 1500));
            child.Signal("KILL");
            var (code, _, errors) = child.WaitForExit();
            Assert.True(code is Killed or 0, $"exit {code}: {errors}");
        }

        var (last, lastOutput, lastErrors) = ChildNona.Run(["run", "--resume", run]);
        Assert.True(last == 0, lastErrors + lastOutput);
        AssertSameOutputs(reference.Folder, run);
    }

    [Theory]
    [InlineData("INT")]
    [InlineData("TERM")]
    public void One_signal_stops_after_the_current_step_with_exit_130_and_a_resume_line(string signal)
    {
        using var folder = new TempFolder();
        var run = Path.Combine(folder.Path, "run");
        using (var child = ChildNona.Start(["run", Recipe, "--out", run]))
        {
            WaitForEpochs(run, 3);
            child.Signal(signal);
            var (code, _, errors) = child.WaitForExit();
            Assert.True(code == Stopped, $"exit {code}: {errors}");
            Assert.Contains($"stopped; resume with: nona run --resume {run}", errors, StringComparison.Ordinal);
            Assert.DoesNotContain("internal error", errors, StringComparison.Ordinal);
        }

        Assert.NotEmpty(Directory.GetFiles(Path.Combine(run, "units"), "checkpoint.bin", SearchOption.AllDirectories));
        var (resumed, output, resumeErrors) = ChildNona.Run(["run", "--resume", run]);
        Assert.True(resumed == 0, resumeErrors + output);
        AssertSameOutputs(reference.Folder, run);
    }

    [Fact]
    public void Two_ctrl_c_stop_at_once_and_the_run_still_resumes_to_the_same_bytes()
    {
        using var folder = new TempFolder();
        var run = Path.Combine(folder.Path, "run");
        using (var child = ChildNona.Start(["run", Recipe, "--out", run]))
        {
            WaitForEpochs(run, 3);
            child.Signal("INT");
            child.Signal("INT");
            var (code, _, errors) = child.WaitForExit();
            Assert.True(code == Stopped, $"exit {code}: {errors}");
        }

        var (resumed, output, resumeErrors) = ChildNona.Run(["run", "--resume", run]);
        Assert.True(resumed == 0, resumeErrors + output);
        AssertSameOutputs(reference.Folder, run);
    }

    [Fact]
    public void A_resume_with_a_different_recipe_is_refused_naming_the_keys_and_a_finished_folder_is_not_rerun()
    {
        using var folder = new TempFolder();
        var run = Path.Combine(folder.Path, "run");
        var (killed, _, _) = ChildNona.Run(["run", Recipe, "--out", run], new Dictionary<string, string> { ["NONA_KILL_AT"] = "epoch:2" });
        Assert.Equal(Killed, killed);

        var (code, output, errors) = Cli.Run("run", Recipe, "--resume", run, "--set", "training.lr=0.01", "--set", "heads[1].similarity=dot");
        Assert.Equal(2, code);
        Assert.Equal($"error: --resume {run}: the recipe differs from the one this run started with (heads[1].similarity, training.lr); resume with the same recipe and --set values, or start a new run folder", errors.Trim());
        Assert.DoesNotContain("results.csv", output, StringComparison.Ordinal);

        var (again, _, againErrors) = Cli.Run("run", Recipe, "--out", run);
        Assert.Equal(2, again);
        Assert.Contains($"to continue that run: nona run --resume {run}", againErrors, StringComparison.Ordinal);

        var (notARun, _, notARunErrors) = Cli.Run("run", "--resume", folder.Path);
        Assert.Equal(2, notARun);
        Assert.Contains("not a resumable run folder", notARunErrors, StringComparison.Ordinal);
    }

    private static void WaitForEpochs(string run, int lines)
    {
        var log = Path.Combine(run, "log.csv");
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (DateTime.UtcNow < deadline)
        {
            if (File.Exists(log) && File.ReadAllLines(log).Length > lines)
                return;
            Thread.Sleep(20);
        }

        throw new TimeoutException($"{log} did not reach {lines} epochs in 2 minutes");
    }

    private static void AssertSameOutputs(string expected, string actual)
    {
        foreach (var name in new[] { "results.csv", "summary.md", "surfaces.png" })
            Assert.True(File.ReadAllBytes(Path.Combine(expected, name)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(actual, name))), $"{name} differs");
        var saved = Directory.GetFiles(expected, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(expected, f))
            .Where(f => f.StartsWith("models", StringComparison.Ordinal) || f.StartsWith("embeddings", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.NotEmpty(saved);
        foreach (var file in saved)
            Assert.True(File.ReadAllBytes(Path.Combine(expected, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(actual, file))), $"{file} differs");
        var left = Directory.GetFiles(Path.Combine(actual, "units"), "*", SearchOption.AllDirectories).Select(Path.GetFileName).Where(n => n != "done.json").ToList();
        Assert.True(left.Count == 0, $"left behind in units/: {string.Join(", ", left)}");
    }
}
