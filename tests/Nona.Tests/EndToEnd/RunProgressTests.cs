using System.Text.RegularExpressions;
using Nona.Host.Cli;
using Nona.Tests.Support;
using Xunit;

namespace Nona.Tests.EndToEnd;

/// <summary>The console's count of training runs across all datasets, and its estimate of the time left.</summary>
public sealed partial class RunProgressTests
{
    [Fact]
    public void The_count_includes_runs_an_earlier_process_finished_and_the_estimate_needs_one_of_this_process()
    {
        var progress = new RunProgress(total: 10, alreadyDone: 4);
        Assert.Equal(4, progress.Finished);
        Assert.Null(progress.Remaining);
        Assert.Equal("4/10", progress.Describe());
        progress.Done();
        Assert.Equal(5, progress.Finished);
        Assert.NotNull(progress.Remaining);
        Assert.Matches(@"^5/10, about \d+:\d\d:\d\d left$", progress.Describe());
    }

    [Fact]
    public void Each_training_line_of_a_piped_run_counts_the_runs_of_every_dataset()
    {
        using var folder = new TempFolder();
        var recipe = folder.Write("recipe.yaml", "datasets: [{name: synthetic, n: 60}, {name: synthetic, target: linear, n: 60}]\nheads: [dense, nona]\ntraining: {max_epochs: 2}\nevaluation: {splits: 2, two_stage: false}\n");
        var (code, output, errors) = Cli.Run("run", recipe, "--out", Path.Combine(folder.Path, "run"));
        Assert.True(code == 0, errors);
        var counts = Counted().Matches(output).Select(m => (Done: int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), Total: m.Groups[2].Value)).ToList();
        Assert.Equal(Enumerable.Range(1, 8), counts.Select(c => c.Done)); // 2 datasets × 2 splits × 2 heads, in order
        Assert.All(counts, c => Assert.Equal("8", c.Total));
    }

    [Fact]
    public void A_resumed_run_counts_what_an_earlier_process_trained_and_marks_those_lines()
    {
        using var folder = new TempFolder();
        var recipe = folder.Write("recipe.yaml", "datasets: [{name: synthetic, n: 60}]\nheads: [dense, nona]\ntraining: {max_epochs: 2}\nevaluation: {splits: 2, two_stage: false}\n");
        var run = Path.Combine(folder.Path, "run");
        Assert.Equal(0, Cli.Run("run", recipe, "--out", run).Code);
        Directory.Delete(Path.Combine(run, "units", "spiral", "split-1", "nona"), recursive: true); // as if killed in its last unit

        var (code, output, errors) = Cli.Run("run", "--resume", run);
        Assert.True(code == 0, errors);
        Assert.Equal(3, output.Split('\n').Count(l => l.EndsWith("(done before)", StringComparison.Ordinal)));
        var counted = Assert.Single(Counted().Matches(output));
        Assert.Equal("[4/4", counted.Value[..4]); // the one unit this process trained completes the run
        Assert.Contains("spiral split 1 nona", output.Split('\n').Single(l => l.Contains(counted.Value, StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"\[(\d+)/(\d+), about \d+:\d\d:\d\d left\]")]
    private static partial Regex Counted();
}
