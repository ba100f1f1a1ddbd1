using Nona.Tests.Support;
using Xunit;

namespace Nona.Tests.Predict;

/// <summary>
/// <c>nona explain</c> with heads other than the built-in s2 NONA: a plugin head that predicts from neighbours
/// without implementing <c>RegressionHead.Attend</c> fails in one line (and still predicts); an S1 NONA's page has
/// no note written for S2's mask.
/// </summary>
public sealed class PluginHeadExplainTests
{
    private static string GaussianKernelOutput => TestPluginOutput.Of("Nona.TestPlugins.GaussianKernel");

    [Fact]
    public void A_neighbour_head_without_attend_fails_explain_in_one_line_and_still_predicts()
    {
        using var folder = new TempFolder();
        var (run, plugins) = Train(folder);
        var output = Path.Combine(folder.Path, "e");
        var (code, _, errors) = Cli.Run("explain", run, "--test", "--split", "0", "--method", "gaussian-kernel", "--plugins", plugins, "--out", output);
        Assert.NotEqual(0, code);
        var lines = errors.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, errors);
        Assert.Contains("head 'gaussian-kernel'", lines[0], StringComparison.Ordinal);
        Assert.Contains("does not implement RegressionHead.Attend", lines[0], StringComparison.Ordinal);
        Assert.Contains("nona predict works", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", errors, StringComparison.Ordinal); // no stack trace
        Assert.False(Directory.Exists(output));

        var predicted = Path.Combine(folder.Path, "p.csv");
        var predict = Cli.Run("predict", run, "--test", "--split", "0", "--method", "gaussian-kernel", "--plugins", plugins, "--out", predicted);
        Assert.True(predict.Code == 0, predict.Errors);
        Assert.True(File.ReadAllLines(predicted).Length > 1);
    }

    [Fact]
    public void An_s1_nona_page_has_no_note_written_for_s2s_mask()
    {
        using var folder = new TempFolder();
        var (run, plugins) = Train(folder);
        var output = Path.Combine(folder.Path, "e");
        var (code, _, errors) = Cli.Run("explain", run, "--test", "--split", "0", "--method", "nona-s1", "--plugins", plugins, "--limit", "3", "--out", output);
        Assert.True(code == 0, errors);
        var page = File.ReadAllText(Path.Combine(output, "index.html"));
        Assert.Contains("SoftStep mask value m", page, StringComparison.Ordinal); // the neighbour explanation is there
        Assert.DoesNotContain("S2's mask", page, StringComparison.Ordinal);
    }

    // One small run with the test plugin's Gaussian-kernel head and an S1 NONA, models saved.
    private static (string Run, string Plugins) Train(TempFolder folder)
    {
        Assert.True(Directory.Exists(GaussianKernelOutput), $"build the test plugin first: {GaussianKernelOutput}");
        var plugins = Path.Combine(folder.Path, "plugins");
        Directory.CreateDirectory(plugins);
        foreach (var file in Directory.GetFiles(GaussianKernelOutput))
            File.Copy(file, Path.Combine(plugins, Path.GetFileName(file)));
        var recipe = folder.Write("recipe.yaml", """
            datasets: [{name: synthetic, target: linear, n: 120}]
            heads:
              - name: gaussian-kernel
              - {name: nona, label: nona-s1, softstep: s1}
            training: {max_epochs: 3, batch_size: 16, threads: 1}
            evaluation: {splits: 1, two_stage: false, surfaces: false, save_models: true}
            """);
        var run = Path.Combine(folder.Path, "run");
        var (code, _, errors) = Cli.Run("run", recipe, "--plugins", plugins, "--out", run);
        Assert.True(code == 0, errors);
        return (run, plugins);
    }
}
