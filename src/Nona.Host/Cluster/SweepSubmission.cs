using System.Globalization;
using Nona.Host.Cli;
using Nona.Host.Discovery;
using Nona.Host.Output;
using Nona.Host.Recipes;
using Nona.Host.Sweeps;
using Nona.Host.Units;
using Spectre.Console;

namespace Nona.Host.Cluster;

/// <summary>
/// A sweep on Slurm: one job array per stage — every unit of every configuration of the stage — followed by a
/// driver job (<c>afterok</c>) that runs <c>nona submit --resume SWEEP</c>: it collects the stage's configurations,
/// picks the winner as <c>nona run</c> does and submits the next stage with its own driver; after the last stage
/// it writes sweep.json and the report. Each configuration is an ordinary submitted run under <c>configs/</c>, so
/// its units, logs, status and results are those of any other run, and the same bytes as a local sweep.
/// </summary>
internal static class SweepSubmission
{
    /// <summary>Walks the stages, collecting finished configurations, and submits the first stage with units to run.</summary>
    public static int Submit(ClusterFolder sweep, string recipePath, IReadOnlyList<string> overrides, PluginCatalog catalog, Recipe recipe, SlurmOptions options, SubmitSettings settings, bool dryRun, IAnsiConsole console)
    {
        var runner = new SweepRunner(recipePath, overrides, catalog, recipe.Sweep!, console);
        runner.Validate(recipe);
        if (SlurmClient.ActiveTasks($"{sweep.JobPrefix}-stage") is { Count: > 0 } active)
        {
            console.MarkupLineInterpolated($"nothing to submit: {active.Count} task(s) of the sweep's current stage are queued or running; see nona status {RunFolder.Display(sweep.RunFolder)}");
            return ExitCodes.Ok;
        }

        if (!dryRun && RunManifest.Read(sweep.RunFolder) is null)
            RunManifest.For(recipe, overrides).Write(sweep.RunFolder);
        var winners = new List<(string Key, string Value)>();
        for (var stage = 0; stage < runner.StageCount; stage++)
        {
            var results = new List<SweepResult>();
            var tasks = new List<(string Folder, int Unit)>();
            SweepConfig? firstPending = null;
            foreach (var configOverrides in runner.StageConfigs(stage, winners))
            {
                var config = runner.Config(sweep.RunFolder, configOverrides);
                var folder = new ClusterFolder(config.Folder);
                if (!config.Finished)
                {
                    var keys = folder.Exists ? folder.ReadUnits() : ClusterRun.Plan(config.Recipe, config.Builder, config.Folder, console);
                    var todo = UnitState.Read(folder, keys, null).Where(s => s.Phase != UnitPhase.Done).Select(s => s.Index).ToList();
                    if (todo.Count > 0)
                    {
                        if (!dryRun)
                            Prepare(config, folder, keys, settings, todo);
                        tasks.AddRange(todo.Select(i => (config.Folder, i)));
                        firstPending ??= config;
                        continue;
                    }

                    // Every unit is done: finish the configuration exactly as nona run would.
                    console.MarkupLineInterpolated($"sweep {SweepRunner.Name(configOverrides)}: every unit done; collecting {config.Folder}");
                    if (dryRun)
                        continue;
                    RunCommand.RunOne(config.Recipe, config.Builder, config.Overrides, config.Folder, console, CancellationToken.None);
                }

                results.Add(runner.Result(config) with { Overrides = configOverrides });
            }

            if (tasks.Count > 0)
                return SubmitStage(sweep, options, settings, stage, runner.StageCount, tasks, firstPending!, dryRun, console);
            if (dryRun && results.Count < runner.StageConfigs(stage, winners).Count)
            {
                console.MarkupLineInterpolated($"(dry run: stage {stage} would be collected first; the later stages depend on its winner)");
                return ExitCodes.Ok;
            }

            var winner = SweepRunner.Best(results, runner.StageKey(stage));
            winners.Add(winner.Overrides[^1]);
            console.MarkupLineInterpolated($"sweep stage {stage} ({runner.StageKey(stage)}): chose {SweepRunner.Name(winner.Overrides)}");
        }

        if (dryRun)
            return ExitCodes.Ok;
        // Every configuration is finished: the sweep's own summary and report, read back from them.
        runner.Run(sweep.RunFolder, CancellationToken.None);
        return ExitCodes.Ok;
    }

    /// <summary>Makes a configuration's folder a submitted run: manifest, unit table, settings, cleared exit codes.</summary>
    private static void Prepare(SweepConfig config, ClusterFolder folder, IReadOnlyList<UnitKey> keys, SubmitSettings settings, IReadOnlyList<int> todo)
    {
        if (RunManifest.Read(config.Folder) is null)
            RunManifest.For(config.Recipe, config.Overrides).Write(config.Folder);
        config.WriteConfigFile();
        folder.WriteUnits(keys);
        folder.WriteSettings(settings);
        Directory.CreateDirectory(folder.Logs);
        folder.ClearExits(todo);
    }

    private static int SubmitStage(ClusterFolder sweep, SlurmOptions options, SubmitSettings settings, int stage, int stages, IReadOnlyList<(string Folder, int Unit)> tasks, SweepConfig first, bool dryRun, IAnsiConsole console)
    {
        var scripts = new List<(string Name, string Text)>();
        if (ClusterRun.FrozenBackbone(first.Recipe))
            scripts.Add(("features.sbatch", SlurmScripts.Features(new ClusterFolder(first.Folder), options, settings)));
        scripts.Add(($"stage-{stage}.sbatch", SlurmScripts.Stage(sweep, options, settings, stage, tasks)));
        scripts.Add(("driver.sbatch", SlurmScripts.Driver(sweep, options, settings)));
        if (dryRun)
            return ClusterRun.DryRun(sweep, scripts, console);

        sweep.WriteSettings(settings);
        Directory.CreateDirectory(sweep.Logs);
        var ids = ClusterRun.SubmitChain(sweep, scripts);
        var configs = tasks.Select(t => t.Folder).Distinct().Count();
        sweep.RecordSubmission(new Submission(DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture), $"stage {stage}: 0-{tasks.Count - 1}", ids.GetValueOrDefault("features.sbatch"), ids[$"stage-{stage}.sbatch"], ids["driver.sbatch"]));
        console.MarkupLineInterpolated($"submitted sweep stage {stage + 1} of {stages}: {tasks.Count} unit(s) of {configs} configuration(s) as array job {ids[$"stage-{stage}.sbatch"]}, then driver job {ids["driver.sbatch"]} (collects them and submits the next stage)");
        console.MarkupLineInterpolated($"follow with: nona status {RunFolder.Display(sweep.RunFolder)}");
        return ExitCodes.Ok;
    }
}
