using System.CommandLine;
using Nona.Host.Cluster;
using Spectre.Console;

namespace Nona.Host.Cli;

/// <summary>
/// <c>nona submit</c>, <c>nona status</c> and <c>nona collect</c>: the command-line side only; the work is in
/// <see cref="ClusterRun"/>.
/// </summary>
internal static class ClusterCommands
{
    /// <summary>The three commands, each running through <paramref name="guard"/>.</summary>
    public static IEnumerable<Command> Commands(IAnsiConsole console, Func<Func<int>, int> guard)
    {
        var recipe = new Argument<string?>("recipe") { Description = "the recipe file (YAML); with --resume, the recorded one", Arity = ArgumentArity.ZeroOrOne };
        var output = new Option<string?>("--out") { Description = "the run folder, on a file system every node sees" };
        var resume = new Option<string?>("--resume") { Description = "submit again the units of this run folder that are not done or queued" };
        var set = new Option<string[]>("--set") { Description = "override a recipe key: KEY=VALUE (as for nona run)" };
        var plugins = new Option<string[]>("--plugins") { Description = "an extra plugin folder (repeatable)" };
        var slurm = new Option<string[]>("--slurm") { Description = "sbatch options KEY=VALUE,… (partition=gpu,gpus-per-task=1,time=04:00:00), plus array-limit=N and signal-seconds=S" };
        var dryRun = new Option<bool>("--dry-run") { Description = "print the batch scripts and sbatch commands; submit and write nothing" };
        var submit = new Command("submit", "run a recipe as a Slurm job array: one task per (dataset, split, method) unit, then a collect job") { recipe, output, resume, set, plugins, slurm, dryRun };
        submit.SetAction(r => guard(() => ClusterRun.Submit(
            new ClusterRun.SubmitRequest(r.GetValue(recipe), r.GetValue(output), r.GetValue(resume), r.GetValue(set) ?? [], r.GetValue(plugins) ?? [], r.GetValue(slurm) ?? [], r.GetValue(dryRun)), console)));

        var run = new Argument<string>("run") { Description = "the run folder of nona submit" };
        var status = new Command("status", "show a submitted run's units: done, running, queued, failed (with the last log line), pending; collects once all are done") { run, plugins };
        status.SetAction(r => guard(() => ClusterRun.Status(r.GetValue(run)!, r.GetValue(plugins) ?? [], console)));

        var collect = new Command("collect", "build results.csv, summary.md and the report of a submitted run from its done units") { run, plugins };
        collect.SetAction(r => guard(() => ClusterRun.Collect(r.GetValue(run)!, r.GetValue(plugins) ?? [], console)));
        return [submit, status, collect];
    }
}
