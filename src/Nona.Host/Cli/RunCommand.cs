using Nona.Host.Output;
using Nona.Host.Protocol;
using Spectre.Console;

namespace Nona.Host.Cli;

/// <summary><c>nona run RECIPE</c>: validate, load the data, run the protocol, write the run folder, print the table.</summary>
internal static class RunCommand
{
    /// <summary>Runs the recipe; returns the exit code.</summary>
    public static int Execute(string recipePath, string? outFolder, IReadOnlyList<string> overrides, IReadOnlyList<string> pluginFolders, IAnsiConsole console)
    {
        var catalog = HostSetup.Catalog(pluginFolders);
        var (recipe, builder) = HostSetup.Recipe(recipePath, overrides, catalog);
        var folder = Path.GetFullPath(outFolder ?? Path.Combine("runs", $"{recipe.Name}-{DateTime.Now:yyyyMMdd-HHmmss}"));
        if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
            throw new Abstractions.NonaException($"--out {folder}: the folder already holds files; choose a new folder so earlier results are not mixed with these");

        var output = new RunOutput(folder, recipe);
        var observer = new ConsoleObserver(console);
        var runner = new ExperimentRunner(recipe, builder, observer, output);
        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancellation.Cancel();
        };

        var datasets = runner.LoadDatasets(cancellation.Token);
        console.MarkupLineInterpolated($"[bold]nona run[/] {recipe.Name}: {datasets.Count} dataset(s), {recipe.Heads.Count} head(s), {recipe.Evaluation.Splits} split(s) → {folder}");
        observer.Run(() => runner.Run(datasets, cancellation.Token));
        var summary = output.Finish();

        console.WriteLine();
        console.Write(SummaryRenderer.Table(summary, recipe.Name));
        foreach (var note in observer.Notes)
            console.MarkupLineInterpolated($"[yellow]note:[/] {note}");
        console.MarkupLineInterpolated($"Results: {Path.Combine(folder, "results.csv")}, {Path.Combine(folder, "summary.md")}");
        return ExitCodes.Ok;
    }
}
