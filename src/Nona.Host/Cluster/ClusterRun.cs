using System.Globalization;
using Nona.Abstractions;
using Nona.Host.Cli;
using Nona.Host.Output;
using Nona.Host.Protocol;
using Nona.Host.Recipes;
using Nona.Host.Units;
using Spectre.Console;

namespace Nona.Host.Cluster;

/// <summary>
/// A run as Slurm jobs: <c>nona submit</c> prepares the run folder (manifest, unit table) and submits a job array
/// with one task per unit (plus a frozen-features job before it and a collect job after it); <c>nona status</c>
/// reads where each unit stands; <c>nona collect</c> builds results.csv, summary.md and the report from the done
/// units — the same bytes as <c>nona run</c>, because every unit reads and writes exactly what it does there.
/// </summary>
internal static class ClusterRun
{
    /// <summary>What <c>nona submit</c> was asked.</summary>
    /// <param name="RecipePath">The recipe (a new run), or null with <paramref name="ResumeFolder"/>.</param>
    /// <param name="OutFolder">The run folder of a new run.</param>
    /// <param name="ResumeFolder">A submitted run whose unfinished units to submit again.</param>
    /// <param name="Overrides">The <c>--set</c> values.</param>
    /// <param name="Plugins">Extra plugin folders.</param>
    /// <param name="Slurm">The <c>--slurm</c> options.</param>
    /// <param name="DryRun">Print the scripts and sbatch commands; submit and write nothing.</param>
    public sealed record SubmitRequest(string? RecipePath, string? OutFolder, string? ResumeFolder, IReadOnlyList<string> Overrides, IReadOnlyList<string> Plugins, IReadOnlyList<string> Slurm, bool DryRun);

    /// <summary><c>nona submit</c>; returns the exit code.</summary>
    public static int Submit(SubmitRequest request, IAnsiConsole console)
    {
        RunManifest? recorded = null;
        var recipePath = request.RecipePath;
        var overrides = request.Overrides;
        if (request.ResumeFolder is not null)
        {
            if (request.OutFolder is not null)
                throw new NonaException("--out and --resume both name a run folder; to resubmit a run use --resume FOLDER alone");
            recorded = RunFolder.RequireManifest(Path.GetFullPath(request.ResumeFolder));
            recipePath ??= recorded.RecipePath;
            overrides = overrides.Count > 0 ? overrides : recorded.Overrides;
        }
        else if (recipePath is null)
        {
            throw new NonaException("nona submit: give a recipe (nona submit RECIPE --out FOLDER) or a submitted run folder (nona submit --resume FOLDER)");
        }

        var folder = new ClusterFolder(Path.GetFullPath(request.ResumeFolder ?? request.OutFolder ?? throw new NonaException("nona submit: give the run folder with --out FOLDER, on a file system every node sees")));
        RequirePlainPath(folder.RunFolder, request.ResumeFolder is null ? "--out" : "--resume");
        RequirePlainPath(Environment.CurrentDirectory, "the working folder");
        var recordedSettings = folder.ReadSettings();
        var plugins = request.Plugins.Count > 0 ? [.. request.Plugins.Select(Path.GetFullPath)] : recordedSettings?.Plugins ?? [];
        var catalog = HostSetup.Catalog(plugins);
        var (recipe, builder) = HostSetup.Recipe(recipePath, overrides, catalog);
        // The recipe's cluster.slurm block, then what an earlier submission recorded, then --slurm: the later wins.
        SlurmOptions options;
        try
        {
            options = SlurmOptions.Parse(recipe.ClusterSlurm, SlurmOptions.None);
        }
        catch (NonaException e)
        {
            throw new NonaException($"{recipe.Path}: cluster.slurm: {e.Message[(e.Message.IndexOf(": ", StringComparison.Ordinal) + 2)..]}");
        }

        options = SlurmOptions.Parse(request.Slurm, recordedSettings is null ? options : SlurmOptions.Parse(recordedSettings.Slurm, options));
        var settings = new SubmitSettings(options.ToTexts(), plugins, recordedSettings?.WorkingFolder ?? Environment.CurrentDirectory);

        if (recorded is not null)
            RunFolder.RequireSameRecipe(folder.RunFolder, recorded, recipe);
        else if (!request.DryRun)
            RunFolder.RequireFresh(folder.RunFolder);
        if (recipe.Sweep is not null)
            return SweepSubmission.Submit(folder, recipePath, overrides, catalog, recipe, options, settings, request.DryRun, console);

        IReadOnlyList<UnitKey> keys;
        if (recorded is not null)
            keys = folder.Exists ? folder.ReadUnits() : Plan(recipe, builder, folder.RunFolder, console);
        else
            keys = Plan(recipe, builder, folder.RunFolder, console); // loads the data here: bad data fails before anything is queued

        var queued = SlurmClient.ActiveTasks($"{folder.JobPrefix}-units");
        var states = UnitState.Read(folder, keys, queued);
        int[] todo = [.. states.Where(s => s.Phase is UnitPhase.Failed or UnitPhase.Stopped or UnitPhase.Pending).Select(s => s.Index)];
        if (todo.Length == 0)
        {
            if (states.All(s => s.Phase == UnitPhase.Done))
            {
                console.MarkupLineInterpolated($"every unit of {folder.RunFolder} is done; collecting");
                return request.DryRun ? ExitCodes.Ok : Collect(folder.RunFolder, plugins, console);
            }

            console.MarkupLineInterpolated($"nothing to submit: the {states.Count(s => s.Phase != UnitPhase.Done)} unfinished unit(s) are queued or running; see nona status {RunFolder.Display(folder.RunFolder)}");
            return ExitCodes.Ok;
        }

        var scripts = new List<(string Name, string Text)>();
        if (FrozenBackbone(recipe))
            scripts.Add(("features.sbatch", SlurmScripts.Features(folder, options, settings)));
        scripts.Add(("units.sbatch", SlurmScripts.Units(folder, options, settings, todo)));
        scripts.Add(("collect.sbatch", SlurmScripts.Collect(folder, options, settings)));
        if (request.DryRun)
            return DryRun(folder, scripts, console);

        if (recorded is null)
            RunManifest.For(recipe, overrides).Write(folder.RunFolder);
        folder.WriteUnits(keys);
        folder.WriteSettings(settings);
        Directory.CreateDirectory(folder.Logs);
        folder.ClearExits(todo);
        var ids = SubmitChain(folder, scripts);
        var units = ids["units.sbatch"];
        folder.RecordSubmission(new Submission(DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture), SlurmScripts.ArraySpec(todo), ids.GetValueOrDefault("features.sbatch"), units, ids["collect.sbatch"]));
        var display = RunFolder.Display(folder.RunFolder);
        var features = ids.TryGetValue("features.sbatch", out var f) ? $"frozen-features job {f}, then " : "";
        console.MarkupLineInterpolated($"submitted {todo.Length} of {keys.Count} units of {recipe.Name}: {features}array job {units} (--array={SlurmScripts.ArraySpec(todo)}), collect job {ids["collect.sbatch"]}");
        console.MarkupLineInterpolated($"follow with: nona status {display}   (logs: {folder.Logs})");
        return ExitCodes.Ok;
    }

    /// <summary><c>nona status</c>: each unit's phase; collects when every unit is done and nothing was collected yet.</summary>
    public static int Status(string runFolder, IReadOnlyList<string> pluginFolders, IAnsiConsole console)
    {
        var folder = new ClusterFolder(Path.GetFullPath(runFolder));
        if (!Directory.Exists(folder.RunFolder))
            throw new NonaException($"{runFolder}: no such folder; give the run folder of nona submit --out");
        if (!folder.Exists && Directory.Exists(Path.Combine(folder.RunFolder, "configs")))
            return SweepStatus(folder, console);
        var keys = folder.ReadUnits();
        var states = UnitState.Read(folder, keys, SlurmClient.ActiveTasks($"{folder.JobPrefix}-units"));
        var display = RunFolder.Display(folder.RunFolder);
        console.MarkupLineInterpolated($"{display}: {keys.Count} units — {Counts(states)}");
        Details(folder, states, console);
        if (states.All(s => s.Phase == UnitPhase.Done))
        {
            if (File.Exists(Path.Combine(folder.RunFolder, "summary.md")))
            {
                console.MarkupLineInterpolated($"collected: {Path.Combine(folder.RunFolder, "results.csv")}");
                return ExitCodes.Ok;
            }

            return Collect(folder.RunFolder, pluginFolders.Count > 0 ? pluginFolders : folder.ReadSettings()?.Plugins ?? [], console);
        }

        if (states.Any(s => s.Phase is UnitPhase.Failed or UnitPhase.Stopped or UnitPhase.Pending))
            console.MarkupLineInterpolated($"submit the units that are not done or queued again with: nona submit --resume {display}");
        return states.Any(s => s.Phase == UnitPhase.Failed) ? ExitCodes.Failed : ExitCodes.Ok;
    }

    /// <summary>A sweep's status: each configuration's units, then whether the sweep finished.</summary>
    private static int SweepStatus(ClusterFolder sweep, IAnsiConsole console)
    {
        var display = RunFolder.Display(sweep.RunFolder);
        var failed = false;
        foreach (var config in Directory.GetDirectories(Path.Combine(sweep.RunFolder, "configs")).Order(StringComparer.Ordinal).Select(f => new ClusterFolder(f)).Where(f => f.Exists))
        {
            var keys = config.ReadUnits();
            var states = UnitState.Read(config, keys, null);
            var overrides = File.Exists(Path.Combine(config.RunFolder, "config.json"))
                ? string.Join(" ", System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(config.RunFolder, "config.json"))).RootElement.GetProperty("overrides").EnumerateArray().Select(o => o.GetString()))
                : "";
            var collected = File.Exists(Path.Combine(config.RunFolder, "run.json")) ? "; collected" : "";
            console.MarkupLineInterpolated($"{Path.GetFileName(config.RunFolder)} ({overrides}): {keys.Count} units — {Counts(states)}{collected}");
            Details(config, states, console);
            failed |= states.Any(s => s.Phase == UnitPhase.Failed);
        }

        if (File.Exists(Path.Combine(sweep.RunFolder, "sweep.json")))
        {
            console.MarkupLineInterpolated($"sweep finished: {Path.Combine(sweep.RunFolder, "sweep.json")}, {Path.Combine(sweep.RunFolder, "report.html")}");
            return ExitCodes.Ok;
        }

        if (failed)
            console.MarkupLineInterpolated($"submit the stage's unfinished units again with: nona submit --resume {display}");
        return failed ? ExitCodes.Failed : ExitCodes.Ok;
    }

    private static string Counts(IReadOnlyList<UnitState> states) =>
        string.Join(", ", Enum.GetValues<UnitPhase>().Select(p => (Phase: p, Count: states.Count(s => s.Phase == p))).Where(c => c.Count > 0).Select(c => $"{c.Count} {c.Phase.ToString().ToLowerInvariant()}"));

    private static void Details(ClusterFolder folder, IReadOnlyList<UnitState> states, IAnsiConsole console)
    {
        foreach (var state in states.Where(s => s.Phase is UnitPhase.Failed or UnitPhase.Stopped))
            console.MarkupLineInterpolated($"  {state.Phase.ToString().ToLowerInvariant()}: unit {state.Index} ({state.Key}): {state.Detail} (log: {folder.UnitLog(state.Index)})");
        foreach (var state in states.Where(s => s.Phase == UnitPhase.Running).Take(20))
            console.MarkupLineInterpolated($"  running: unit {state.Index} ({state.Key}){(state.Detail is { } d ? $" [{d}]" : "")}");
    }

    /// <summary>
    /// <c>nona collect</c>: every unit must be done; then the run is finished exactly as <c>nona run --resume</c>
    /// finishes one whose units are all done (results.csv, summary.md, run.json, report.html).
    /// </summary>
    public static int Collect(string runFolder, IReadOnlyList<string> pluginFolders, IAnsiConsole console)
    {
        var folder = new ClusterFolder(Path.GetFullPath(runFolder));
        var recorded = RunFolder.RequireManifest(folder.RunFolder);
        var plugins = pluginFolders.Count > 0 ? pluginFolders : folder.ReadSettings()?.Plugins ?? [];
        var (recipe, builder) = HostSetup.Recipe(recorded.RecipePath, recorded.Overrides, HostSetup.Catalog(plugins));
        RunFolder.RequireSameRecipe(folder.RunFolder, recorded, recipe);
        // Units run by hand (nona run --unit) have no unit table: the plan comes from the data, as in the tasks.
        var keys = folder.Exists ? folder.ReadUnits() : Plan(recipe, builder, folder.RunFolder, console);
        var runner = new UnitRunner(folder.RunFolder, _ => { });
        var missing = Enumerable.Range(0, keys.Count).Where(i => runner.Done(keys[i]) is null).ToList();
        if (missing.Count > 0)
        {
            var shown = string.Join(", ", missing.Take(5).Select(i => $"unit {i} ({keys[i]})")) + (missing.Count > 5 ? $" and {missing.Count - 5} more" : "");
            var resubmit = folder.Exists ? $"resubmit with nona submit --resume {RunFolder.Display(folder.RunFolder)}" : "run them with nona run --resume FOLDER --unit I";
            throw new NonaException($"{runFolder}: {missing.Count} of {keys.Count} units are not done ({shown}); {resubmit}");
        }

        var (summary, diverged) = RunCommand.RunOne(recipe, builder, recorded.Overrides, folder.RunFolder, console, CancellationToken.None);
        console.WriteLine();
        console.Write(SummaryRenderer.Table(summary, recipe.Name));
        console.MarkupLineInterpolated($"Results: {Path.Combine(folder.RunFolder, "results.csv")}, {Path.Combine(folder.RunFolder, "summary.md")}, {Path.Combine(folder.RunFolder, "report.html")}");
        return diverged ? ExitCodes.Diverged : ExitCodes.Ok;
    }

    /// <summary>Writes the scripts and submits them in order, each after the one before (afterok); returns the job ids by script.</summary>
    internal static Dictionary<string, string> SubmitChain(ClusterFolder folder, IReadOnlyList<(string Name, string Text)> scripts)
    {
        string? previous = null;
        var ids = new Dictionary<string, string>();
        foreach (var (name, text) in scripts)
        {
            var path = folder.WriteScript(name, text);
            List<string> arguments = ["--parsable"];
            if (previous is not null)
                arguments.AddRange([$"--dependency=afterok:{previous}", "--kill-on-invalid-dep=yes"]);
            previous = ids[name] = SlurmClient.Submit(arguments, path);
        }

        return ids;
    }

    /// <summary>The run's units in index order (loads the datasets: their names, and bad data fails here).</summary>
    internal static IReadOnlyList<UnitKey> Plan(Recipe recipe, PluginBuilder builder, string folder, IAnsiConsole console)
    {
        var runner = new ExperimentRunner(recipe, builder, new ConsoleObserver(console), new RunOutput(folder, recipe), new UnitRunner(folder, _ => { }));
        return UnitPlan.Keys(recipe, runner.LoadDatasets(CancellationToken.None).Select(d => d.Name));
    }

    /// <summary>True when the recipe's backbone says <c>trainable: false</c>: its features are computed by one job first.</summary>
    internal static bool FrozenBackbone(Recipe recipe) =>
        recipe.Resolved.Children.TryGetValue(new YamlDotNet.RepresentationModel.YamlScalarNode("backbone"), out var node)
        && node is YamlDotNet.RepresentationModel.YamlMappingNode backbone
        && backbone.Children.TryGetValue(new YamlDotNet.RepresentationModel.YamlScalarNode("trainable"), out var trainable)
        && trainable is YamlDotNet.RepresentationModel.YamlScalarNode { Value: "false" };

    internal static int DryRun(ClusterFolder folder, IReadOnlyList<(string Name, string Text)> scripts, IAnsiConsole console)
    {
        string? previous = null;
        foreach (var (name, text) in scripts)
        {
            var path = Path.Combine(folder.Folder, name);
            console.WriteLine($"# {path}");
            console.WriteLine(text);
            var dependency = previous is null ? "" : $" --dependency=afterok:<{previous} job id> --kill-on-invalid-dep=yes";
            console.WriteLine($"sbatch --parsable{dependency} {path}");
            console.WriteLine();
            previous = Path.GetFileNameWithoutExtension(name);
        }

        console.WriteLine("(dry run: nothing was written or submitted)");
        return ExitCodes.Ok;
    }

    private static void RequirePlainPath(string path, string what)
    {
        if (path.Any(c => char.IsWhiteSpace(c) || c is '%' or '\'' or '"' or '\\' or '$' or '`'))
            throw new NonaException($"{what} {path}: a path used in batch scripts must not hold spaces, '%', quotes, '\\', '$' or '`' (#SBATCH lines cannot quote them); choose another folder");
    }
}
