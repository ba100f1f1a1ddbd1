using System.CommandLine;
using Nona.Abstractions;
using Nona.Host.Cli;
using Nona.Host.Recipes;
using Nona.Host.Reports;
using Spectre.Console;

namespace Nona.Host;

/// <summary>The <c>nona</c> command line.</summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        var console = AnsiConsole.Console;
        if (!console.Profile.Capabilities.Interactive)
            console.Profile.Width = 200; // logs and pipes: do not wrap result lines at 80 columns
        Diagnostics.GcPressure.StartIfRequested(Console.Error);
        Diagnostics.GcCensus.StartIfRequested(Console.Error);
        return NonaCli.Run(args, console, Console.Error);
    }
}

/// <summary>The commands, callable in-process (tests) with their own console and error writer.</summary>
internal static class NonaCli
{
    /// <summary>Parses <paramref name="args"/> and runs the command; returns the exit code.</summary>
    public static int Run(string[] args, IAnsiConsole console, TextWriter errors)
    {
        Torch.OneDnnIsaCap.Apply(); // before any tensor work: oneDNN reads it once
        var recipe = new Argument<string>("recipe") { Description = "the recipe file (YAML)" };
        var runRecipe = new Argument<string?>("recipe") { Description = "the recipe file (YAML); with --resume, the recorded one by default", Arity = ArgumentArity.ZeroOrOne };
        var resume = new Option<string?>("--resume") { Description = "continue the run in this folder from its checkpoints (same recipe and --set values)" };
        var output = new Option<string?>("--out") { Description = "run folder (default: runs/<recipe>-<timestamp>)" };
        var set = new Option<string[]>("--set") { Description = "override a recipe key: KEY=VALUE (e.g. training.batch_size=64, heads[1].similarity=cos)", AllowMultipleArgumentsPerToken = false };
        var plugins = new Option<string[]>("--plugins") { Description = "an extra plugin folder (repeatable)" };

        var unit = new Option<int?>("--unit") { Description = "run only the unit with this index (what a cluster array task runs; see nona submit)" };
        var featuresOnly = new Option<bool>("--features-only") { Description = "only compute the frozen backbone's features into the cache (a cluster's first job)" };
        var run = new Command("run", "train and evaluate every head of a recipe on every dataset and split") { runRecipe, output, resume, set, plugins, unit, featuresOnly };
        run.SetAction(r => Guard(console, errors, () => r.GetValue(unit) is not null || r.GetValue(featuresOnly)
            ? Cluster.UnitTask.Execute(r.GetValue(runRecipe), r.GetValue(output), r.GetValue(resume), r.GetValue(set) ?? [], r.GetValue(plugins) ?? [], r.GetValue(unit), console, errors)
            : RunCommand.Execute(r.GetValue(runRecipe), r.GetValue(output), r.GetValue(resume), r.GetValue(set) ?? [], r.GetValue(plugins) ?? [], console, errors)));

        var validate = new Command("validate", "check a recipe without running it") { recipe, set, plugins };
        validate.SetAction(r => Guard(console, errors, () =>
        {
            var (loaded, _) = HostSetup.Recipe(r.GetValue(recipe)!, r.GetValue(set) ?? [], HostSetup.Catalog(r.GetValue(plugins) ?? []));
            console.MarkupLineInterpolated($"[green]ok[/]: {loaded.Path}: {loaded.Datasets.Count} dataset(s), {loaded.Heads.Count} head(s), {loaded.Evaluation.Splits} split(s)");
            return ExitCodes.Ok;
        }));

        var list = new Command("plugins", "list every discovered plugin with its options") { plugins };
        list.SetAction(r => Guard(console, errors, () => PluginsCommand.Execute(r.GetValue(plugins) ?? [], console)));

        var runs = new Argument<string[]>("runs") { Description = "run folders whose results.csv to merge", Arity = ArgumentArity.OneOrMore };
        var reportOut = new Option<string?>("--out") { Description = "report folder (default: the run folder, or reports/report-<timestamp> for several)" };
        var mapDataset = new Option<string?>("--map-dataset") { Description = "dataset of the embedding maps (default: the first with saved embeddings)" };
        var mapSplit = new Option<int>("--map-split") { Description = "split of the embedding maps (default 0)" };
        var mapProjection = new Option<MapProjection>("--map-projection") { Description = "umap (default) or pca", DefaultValueFactory = _ => MapProjection.Umap };
        var report = new Command("report", "merge the results of runs into one report: Table 1, Friedman + Nemenyi, CD diagram, embedding maps") { runs, reportOut, mapDataset, mapSplit, mapProjection };
        report.SetAction(r => Guard(console, errors, () => ReportCommand.Execute(
            r.GetValue(runs) ?? [], r.GetValue(reportOut), new MapOptions(r.GetValue(mapDataset), r.GetValue(mapSplit), r.GetValue(mapProjection)), console)));

        var root = new RootCommand("nona: supervised fine-tuning with Nearness of Neighbours Attention (NONA) heads") { run, validate, list, report };
        foreach (var command in PredictCommand.Commands(console, action => Guard(console, errors, action)).Concat(ClusterCommands.Commands(console, action => Guard(console, errors, action))))
            root.Add(command);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
                errors.WriteLine($"usage: {error.Message} (see nona --help)");
            return ExitCodes.BadRecipe;
        }

        return parsed.Invoke();
    }

    /// <summary>Turns user-fixable errors into one line each and an exit code; never a stack trace for those.</summary>
    private static int Guard(IAnsiConsole console, TextWriter errors, Func<int> command)
    {
        try
        {
            return command();
        }
        catch (RecipeException e)
        {
            foreach (var line in e.Lines)
                errors.WriteLine(line);
            return ExitCodes.BadRecipe;
        }
        catch (Units.RunStoppedException e)
        {
            console.WriteLine();
            errors.WriteLine(e.Message);
            return ExitCodes.Interrupted;
        }
        catch (OperationCanceledException)
        {
            errors.WriteLine("interrupted");
            return ExitCodes.Interrupted;
        }
        catch (NonaException e)
        {
            errors.WriteLine($"error: {e.Message}");
            return e is DataFormatException ? ExitCodes.Failed : ExitCodes.BadRecipe;
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("NONA_DEBUG") is null)
        {
            console.WriteLine();
            errors.WriteLine(Diagnostics.InternalErrorReport.Write(e));
            return ExitCodes.Failed;
        }
    }
}
