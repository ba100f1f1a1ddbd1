using Nona.Tests.Support;
using Xunit;

namespace Nona.Tests.Cluster;

/// <summary>The recipe's <c>cluster: {slurm: {…}}</c> block: the resources nona submit asks for, overridden by --slurm.</summary>
public sealed class ClusterBlockTests
{
    private const string Recipe = """
        name: with-cluster
        datasets: [{name: synthetic, target: spiral, n: 60, seed: 3}]
        heads: [{name: dense}]
        evaluation: {splits: 1}
        cluster:
          slurm: {partition: gpu, time: "04:00:00", gpus-per-task: 1, array-limit: 2, exclusive: }
        """;

    [Fact]
    public void The_block_becomes_sbatch_lines_and_slurm_on_the_command_line_wins()
    {
        using var folder = new TempFolder();
        var recipe = folder.Write("r.yaml", Recipe);
        var (code, output, errors) = Cli.Run("submit", recipe, "--out", Path.Combine(folder.Path, "run"), "--slurm", "time=00:30:00", "--dry-run");
        Assert.True(code == 0, errors);
        var units = output.Split("collect.sbatch")[0];
        Assert.Contains("#SBATCH --partition=gpu\n", units, StringComparison.Ordinal);
        Assert.Contains("#SBATCH --gpus-per-task=1\n", units, StringComparison.Ordinal);
        Assert.Contains("#SBATCH --exclusive\n", units, StringComparison.Ordinal);
        Assert.Contains("#SBATCH --time=00:30:00\n", units, StringComparison.Ordinal);
        Assert.DoesNotContain("04:00:00", units, StringComparison.Ordinal);
        Assert.Contains("#SBATCH --array=0-1%2\n", units, StringComparison.Ordinal); // 1 dataset × 1 split × (dense + baselines)
    }

    [Fact]
    public void A_plain_run_ignores_the_block()
    {
        using var folder = new TempFolder();
        var (code, _, errors) = Cli.Run("validate", folder.Write("r.yaml", Recipe));
        Assert.True(code == 0, errors);
    }

    [Theory]
    [InlineData("cluster: {slurm: {array: 0-3}}", "nona sets --array itself")]
    [InlineData("cluster: {pbs: {queue: q}}", "cluster: unknown key 'pbs'; known keys: slurm")]
    [InlineData("cluster: {slurm: {time: [1, 2]}}", "cluster.slurm.time must be a single value")]
    public void A_bad_block_is_one_line_naming_the_recipe(string block, string expected)
    {
        using var folder = new TempFolder();
        var recipe = folder.Write("r.yaml", Recipe[..Recipe.IndexOf("cluster:", StringComparison.Ordinal)] + block + "\n");
        var (code, _, errors) = Cli.Run("submit", recipe, "--out", Path.Combine(folder.Path, "run"), "--dry-run");
        Assert.Equal(2, code);
        Assert.Contains(expected, errors, StringComparison.Ordinal);
        Assert.Contains("r.yaml", errors, StringComparison.Ordinal);
        Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
