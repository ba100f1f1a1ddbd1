using Nona.Host.Diagnostics;
using Nona.Host.Output;
using Nona.Host.Protocol;
using Nona.Host.Recipes;
using Nona.Host.Reports;
using Nona.Host.Sweeps;
using Nona.Host.Units;
using Spectre.Console;

namespace Nona.Host.Cli;

/// <summary>
/// <c>nona run RECIPE</c>: validate, load the data, run the protocol, write the run folder, print the table;
/// <c>nona run --resume FOLDER</c> continues a run from its units' checkpoints.
/// </summary>
internal static class RunCommand
{
    /// <summary>Runs the recipe (or its sweep), or resumes a run folder; returns the exit code.</summary>
    public static int Execute(string? recipePath, string? outFolder, string? resumeFolder, IReadOnlyList<string> overrides, IReadOnlyList<string> pluginFolders, IAnsiConsole console, TextWriter errors)
    {
        string? folder = null;
        try
        {
            return Execute(recipePath, outFolder, resumeFolder, overrides, pluginFolders, console, errors, f => folder = f);
        }
        catch (Exception e) when (folder is not null && InternalErrorReport.Tag(e, folder))
        {
            throw; // not reached: Tag only records the run folder, where the internal-error report goes
        }
    }

    private static int Execute(string? recipePath, string? outFolder, string? resumeFolder, IReadOnlyList<string> overrides, IReadOnlyList<string> pluginFolders, IAnsiConsole console, TextWriter errors, Action<string> folderChosen)
    {
        RunManifest? recorded = null;
        if (resumeFolder is not null)
        {
            if (outFolder is not null)
                throw new Abstractions.NonaException("--out and --resume both name a run folder; to continue a run use --resume FOLDER alone");
            recorded = RunFolder.RequireManifest(Path.GetFullPath(resumeFolder));
            recipePath ??= recorded.RecipePath;
            overrides = overrides.Count > 0 ? overrides : recorded.Overrides;
        }
        else if (recipePath is null)
        {
            throw new Abstractions.NonaException("nona run: give a recipe (nona run RECIPE) or a run folder to continue (nona run --resume FOLDER)");
        }

        var catalog = HostSetup.Catalog(pluginFolders);
        var (recipe, builder) = HostSetup.Recipe(recipePath, overrides, catalog);
        var folder = Path.GetFullPath(resumeFolder ?? outFolder ?? Path.Combine("runs", recipe.Sweep is null ? $"{recipe.Name}-{DateTime.Now:yyyyMMdd-HHmmss}" : recipe.Name));
        if (recorded is not null)
        {
            RunFolder.RequireSameRecipe(folder, recorded, recipe);
            foreach (var change in recorded.VersionChanges(RunManifest.For(recipe, overrides)))
                console.MarkupLineInterpolated($"[yellow]note:[/] a plugin changed since this run started ({change}); finished units keep their results");
        }

        folderChosen(folder);
        using var signals = new StopSignals(errors);
        try
        {
            if (recipe.Sweep is { } sweep)
            {
                // A sweep folder is resumed, not refused: finished configurations are skipped.
                var runner = new SweepRunner(recipePath, overrides, catalog, sweep, console);
                runner.Validate(recipe);
                if (RunManifest.Read(folder) is null)
                    RunManifest.For(recipe, overrides).Write(folder);
                runner.Run(folder, signals.Token);
                return ExitCodes.Ok;
            }

            if (recorded is null)
                RunFolder.RequireFresh(folder);
            var (summary, diverged) = RunOne(recipe, builder, overrides, folder, console, signals.Token);
            console.WriteLine();
            console.Write(SummaryRenderer.Table(summary, recipe.Name));
            console.MarkupLineInterpolated($"Results: {Path.Combine(folder, "results.csv")}, {Path.Combine(folder, "summary.md")}, {Path.Combine(folder, "report.html")}");
            return diverged ? ExitCodes.Diverged : ExitCodes.Ok;
        }
        catch (OperationCanceledException e) when (signals.Token.IsCancellationRequested && e is not RunStoppedException)
        {
            throw new RunStoppedException(RunFolder.Display(folder), e);
        }
        catch (Abstractions.SampleDecodeException e) when (RunManifest.Read(folder) is not null)
        {
            // Mid-run, the finished units are kept: once the file is fixed the run continues where it stopped.
            throw new Abstractions.DataFormatException($"{e.Message}; once it is fixed, continue with: nona run --resume {RunFolder.Display(folder)}");
        }
    }

    /// <summary>
    /// Runs one validated recipe into <paramref name="folder"/> — new, or holding this recipe's unfinished run —
    /// writing results, models, summary, run.json, report; returns the summary and whether any method diverged.
    /// </summary>
    public static (SummaryTable Summary, bool AnyDiverged) RunOne(Recipe recipe, PluginBuilder builder, IReadOnlyList<string> overrides, string folder, IAnsiConsole console, CancellationToken cancellationToken)
    {
        var output = new RunOutput(folder, recipe);
        var observer = new ConsoleObserver(console);
        // The manifest is written just before the first unit runs: bad data or a missing weight file leaves no folder.
        var units = new UnitRunner(folder, line => console.MarkupLineInterpolated($"[grey]{line}[/]"), () =>
        {
            if (RunManifest.Read(folder) is null)
                RunManifest.For(recipe, overrides).Write(folder);
        });
        var runner = new ExperimentRunner(recipe, builder, observer, output, units);
        var datasets = runner.LoadDatasets(cancellationToken);
        console.MarkupLineInterpolated($"[bold]nona run[/] {recipe.Name}: {datasets.Count} dataset(s), {recipe.Heads.Count} head(s), {recipe.Evaluation.Splits} split(s) → {folder}");
        observer.Run(() => runner.Run(datasets, cancellationToken));
        var summary = output.Finish();
        var title = $"Report: {recipe.Name}";
        var report = ReportBuilder.Build(title, output.Rows, [folder]);
        EmbeddingMaps.AddTo(report, [folder], null, summary.Datasets);
        LearningCurves.AddTo(report, folder);
        ReportBuilder.Write(report, folder, title);
        foreach (var note in observer.Notes)
            console.MarkupLineInterpolated($"[yellow]note:[/] {note}");
        return (summary, output.Rows.Any(r => !double.IsFinite(r.MseScaled)));
    }
}
