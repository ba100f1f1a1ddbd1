using System.Diagnostics;
using Nona.Tests.Support;
using Xunit;

namespace Nona.Tests.Guards;

/// <summary>
/// The reproduction of the random TorchSharp Scalar crashes (docs/torch-lifetimes.md): the real <c>nona run</c> in a
/// child process (a native crash must not take the test host down) with NONA_GC_STRESS=0, a thread that forces full
/// collections and finalizers nonstop. Before the held-scalar rule these recipes died within seconds with "Unknown
/// scalar type" / "Expected false to be true"; now they must finish, with the numbers of an unstressed run.
/// </summary>
public sealed class GcStressTests
{
    [Theory]
    [InlineData("audio")]
    [InlineData("images")]
    [InlineData("text")]
    public void A_run_under_nonstop_collections_finishes_with_the_unstressed_results(string fixture)
    {
        using var folder = new TempFolder();
        var recipe = Path.Combine(Cli.RepoRoot, "tests", "fixtures", "gc-stress", fixture + ".yaml");
        var stressed = Path.Combine(folder.Path, "stressed");
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "nona.dll"), "run", recipe, "--out", stressed])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        start.Environment["NONA_GC_STRESS"] = "0";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd(); // stderr holds at most a line or two, so reading it second cannot block
        var errors = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(3)), "the stressed run did not finish in 3 minutes");
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {errors}{output[^Math.Min(2000, output.Length)..]}");

        var reference = Path.Combine(folder.Path, "reference");
        var (code, _, referenceErrors) = Cli.Run("run", recipe, "--out", reference);
        Assert.True(code == 0, referenceErrors);
        Assert.Equal(File.ReadAllText(Path.Combine(reference, "results.csv")), File.ReadAllText(Path.Combine(stressed, "results.csv")));
    }
}
