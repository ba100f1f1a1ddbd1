using Nona.Host.Diagnostics;
using Nona.Host.Output;
using Nona.Host.Protocol;
using Nona.Host.Recipes;
using Nona.Host.Reports;
using Nona.Host.Sweeps;
using Spectre.Console;

namespace Nona.Host.Cli;

/// <summary><c>nona run RECIPE</c>: validate, load the data, run the protocol, write the run folder, print the table.</summary>
internal static class RunCommand
{
    /// <summary>Runs the recipe (or its sweep); returns the exit code.</summary>
    public static int Execute(string recipePath, string? outFolder, IReadOnlyList<string> overrides, IReadOnlyList<string> pluginFolders, IAnsiConsole console)
    {
        string? folder = null;
        try
        {
            return Execute(recipePath, outFolder, overrides, pluginFolders, console, f => folder = f);
        }
        catch (Exception e) when (folder is not null && InternalErrorReport.Tag(e, folder))
        {
            throw; // not reached: Tag only records the run folder, where the internal-error report goes
        }
    }

    private static int Execute(string recipePath, string? outFolder, IReadOnlyList<string> overrides, IReadOnlyList<string> pluginFolders, IAnsiConsole console, Action<string> folderChosen)
    {
        var catalog = HostSetup.Catalog(pluginFolders);
        var (recipe, builder) = HostSetup.Recipe(recipePath, overrides, catalog);
        var folder = Path.GetFullPath(outFolder ?? Path.Combine("runs", recipe.Sweep is null ? $"{recipe.Name}-{DateTime.Now:yyyyMMdd-HHmmss}" : recipe.Name));
        folderChosen(folder);
        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancellation.Cancel();
        };

        if (recipe.Sweep is { } sweep)
        {
            // A sweep folder is resumed, not refused: finished configurations are skipped.
            var runner = new SweepRunner(recipePath, overrides, catalog, sweep, console);
            runner.Validate(recipe);
            runner.Run(folder, cancellation.Token);
            return ExitCodes.Ok;
        }

        if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
            throw new Abstractions.NonaException($"--out {folder}: the folder already holds files; choose a new folder so earlier results are not mixed with these");
        var summary = RunOne(recipe, builder, folder, console, cancellation.Token);
        console.WriteLine();
        console.Write(SummaryRenderer.Table(summary, recipe.Name));
        console.MarkupLineInterpolated($"Results: {Path.Combine(folder, "results.csv")}, {Path.Combine(folder, "summary.md")}, {Path.Combine(folder, "report.html")}");
        return ExitCodes.Ok;
    }

    /// <summary>Runs one validated recipe into <paramref name="folder"/>: results, models, summary, run.json, report.</summary>
    public static SummaryTable RunOne(Recipe recipe, PluginBuilder builder, string folder, IAnsiConsole console, CancellationToken cancellationToken)
    {
        var output = new RunOutput(folder, recipe);
        var observer = new ConsoleObserver(console);
        var runner = new ExperimentRunner(recipe, builder, observer, output);
        var datasets = runner.LoadDatasets(cancellationToken);
        console.MarkupLineInterpolated($"[bold]nona run[/] {recipe.Name}: {datasets.Count} dataset(s), {recipe.Heads.Count} head(s), {recipe.Evaluation.Splits} split(s) → {folder}");
        observer.Run(() => runner.Run(datasets, cancellationToken));
        var summary = output.Finish();
        var title = $"Report: {recipe.Name}";
        var report = ReportBuilder.Build(title, output.Rows, [folder]);
        EmbeddingMaps.AddTo(report, [folder], null, summary.Datasets);
        ReportBuilder.Write(report, folder, title);
        foreach (var note in observer.Notes)
            console.MarkupLineInterpolated($"[yellow]note:[/] {note}");
        return summary;
    }
}
