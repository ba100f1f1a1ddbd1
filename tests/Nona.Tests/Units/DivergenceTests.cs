using System.Text.Json;
using Nona.Tests.Support;
using Xunit;

namespace Nona.Tests.Units;

/// <summary>A head whose loss goes non-finite ends as diverged: NaN rows, one note, no model, exit 3, readable outputs.</summary>
public sealed class DivergenceTests
{
    [Fact]
    public void A_diverging_head_finishes_the_run_with_nan_rows_a_note_and_exit_code_3()
    {
        using var folder = new TempFolder();
        var run = Path.Combine(folder.Path, "run");
        var (code, output, errors) = Cli.Run("run", Path.Combine(Cli.RepoRoot, "tests", "fixtures", "resume", "diverge.yaml"), "--out", run);

        Assert.True(code == 3, $"exit {code}: {errors}");
        Assert.DoesNotContain("internal error", errors, StringComparison.Ordinal);
        foreach (var head in new[] { "dense", "nona" })
        {
            // NaN embeddings (the projector's BatchNorm overflows) must not read as distance 0: NONA diverges too.
            Assert.Contains($"note: dataset 'overflow', split 0, {head}: training diverged (the training loss is NaN in epoch 1); its rows hold NaN. Try a lower training.lr (now 0.001), e.g. --set training.lr=0.0001", output, StringComparison.Ordinal);
            Assert.False(Directory.Exists(Path.Combine(run, "models", "overflow", "split-0", head)), "a diverged model must not be saved");
            Assert.True(File.Exists(Path.Combine(run, "models", "linear", "split-0", head, "weights.bin")), "the healthy dataset trains on");
        }

        var rows = File.ReadAllLines(Path.Combine(run, "results.csv"));
        Assert.Equal(["overflow,dense,0,NaN,NaN,NaN", "overflow,dense+knn,0,NaN,NaN,NaN", "overflow,nona,0,NaN,NaN,NaN", "overflow,nona+knn,0,NaN,NaN,NaN"], rows[1..5]);
        foreach (var row in rows[5..])
            Assert.Matches(@"^linear,[a-z+]+,0,0\.\d+,0\.\d+,0\.\d+$", row);
        using var info = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "run.json")));
        foreach (var readable in new[] { "summary.md", "report.html", "report.md" })
        {
            var text = File.ReadAllText(Path.Combine(run, readable));
            Assert.DoesNotContain("NaN", text, StringComparison.Ordinal);
            Assert.Contains("diverged", text, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("NaN", output[output.IndexOf("diverge: test MSE", StringComparison.Ordinal)..], StringComparison.Ordinal); // the console table
    }
}
