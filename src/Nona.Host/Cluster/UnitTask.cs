using Nona.Abstractions;
using Nona.Host.Cli;
using Nona.Host.Output;
using Nona.Host.Protocol;
using Nona.Host.Units;
using Spectre.Console;

namespace Nona.Host.Cluster;

/// <summary>
/// <c>nona run --resume RUN --unit I</c> (what array task I runs) and <c>--features-only</c> (the frozen-features
/// job): one unit of a run, or the features every unit reads, in this process. The unit is the one at index I of
/// <see cref="UnitPlan"/>; it is locked, checkpointed and marked done exactly as in <c>nona run</c>, so units run
/// in any order, in any processes, and then collected give the same bytes as one <c>nona run</c>. results.csv and
/// the report are left to <c>nona collect</c>.
/// </summary>
internal static class UnitTask
{
    /// <summary>The variable that makes the unit with this index fail (the cluster failure/resume tests).</summary>
    public const string FailVariable = "NONA_FAIL_UNIT";

    /// <summary>Runs unit <paramref name="unit"/> (or, when null, every dataset's frozen features); returns the exit code.</summary>
    public static int Execute(string? recipePath, string? outFolder, string? resumeFolder, IReadOnlyList<string> overrides, IReadOnlyList<string> pluginFolders, int? unit, IAnsiConsole console, TextWriter errors)
    {
        var folder = Path.GetFullPath(resumeFolder ?? outFolder ?? throw new NonaException("--unit and --features-only need the run folder: nona run --resume FOLDER --unit I (or nona run RECIPE --out FOLDER --unit I)"));
        var recorded = RunManifest.Read(folder);
        if (resumeFolder is not null)
        {
            recorded = RunFolder.RequireManifest(folder);
            recipePath ??= recorded.RecipePath;
            overrides = overrides.Count > 0 ? overrides : recorded.Overrides;
        }

        if (recipePath is null)
            throw new NonaException("nona run --unit: give a recipe (nona run RECIPE --out FOLDER --unit I) or a run folder (nona run --resume FOLDER --unit I)");
        var (recipe, builder) = HostSetup.Recipe(recipePath, overrides, HostSetup.Catalog(pluginFolders));
        if (recorded is not null)
            RunFolder.RequireSameRecipe(folder, recorded, recipe);
        // A sweep's configuration folder records the sweep's recipe with the configuration's overrides: it is one run.
        if (recipe.Sweep is not null && recorded is null)
            throw new NonaException($"{recipe.Path}: --unit runs one unit of a single run; a recipe with a sweep: block runs with nona run");

        using var signals = new StopSignals(errors);
        var selection = new HashSet<UnitKey>();
        var observer = new ConsoleObserver(console);
        var units = new UnitRunner(folder, line => console.MarkupLineInterpolated($"[grey]{line}[/]"), () => WriteManifest(), unit is null ? null : selection);
        var runner = new ExperimentRunner(recipe, builder, observer, new RunOutput(folder, recipe), units);
        try
        {
            var datasets = runner.LoadDatasets(signals.Token);
            if (unit is null)
            {
                WriteManifest();
                runner.PrepareFeatures(datasets);
                console.MarkupLineInterpolated($"features ready for {datasets.Count} dataset(s) of {folder}");
                return ExitCodes.Ok;
            }

            var keys = UnitPlan.Keys(recipe, datasets.Select(d => d.Name));
            if (unit < 0 || unit >= keys.Count)
                throw new NonaException($"--unit {unit}: this run has units 0-{keys.Count - 1} ({datasets.Count} dataset(s) × {recipe.Evaluation.Splits} split(s) × {recipe.Heads.Count + 1} units); give one of them");
            var key = keys[unit.Value];
            if (Environment.GetEnvironmentVariable(FailVariable) == unit.Value.ToString(System.Globalization.CultureInfo.InvariantCulture))
                throw new InvalidOperationException($"unit {unit} ({key}) failed on purpose ({FailVariable}={unit})");
            selection.Add(key);
            console.MarkupLineInterpolated($"[bold]nona run[/] {recipe.Name}: unit {unit} of {keys.Count}: {key} → {folder}");
            observer.Run(() => runner.Run(datasets, signals.Token));
            foreach (var note in observer.Notes)
                console.MarkupLineInterpolated($"[yellow]note:[/] {note}");
            console.MarkupLineInterpolated($"unit {unit} done: {key}");
            return ExitCodes.Ok; // a diverged unit is done too: its NaN rows and note reach the collected results
        }
        catch (OperationCanceledException e) when (signals.Token.IsCancellationRequested && e is not RunStoppedException)
        {
            var display = RunFolder.Display(folder);
            throw new RunStoppedException(display, e, File.Exists(Path.Combine(folder, "cluster", "units.json")) ? $"nona submit --resume {display}" : null);
        }

        // The first process of a run records its recipe; the others find it and check they run the same one.
        void WriteManifest()
        {
            if (RunManifest.Read(folder) is null)
                RunManifest.For(recipe, overrides).Write(folder);
        }
    }
}
