using System.Globalization;
using System.Text;

namespace Nona.Host.Cluster;

/// <summary>
/// The batch scripts of a submitted run: an optional frozen-features job, the unit array (task id = unit index)
/// and the collect job. Each runs the built host directly. The array's shell traps SIGTERM (sent by
/// <c>--signal=B:TERM@S</c> before the time limit) and passes it to the unit, which checkpoints and exits 130; the
/// shell then records the unit's exit code for <c>nona status</c>.
/// </summary>
internal static class SlurmScripts
{
    /// <summary>The unit array's script.</summary>
    public static string Units(ClusterFolder folder, SlurmOptions options, SubmitSettings settings, IReadOnlyList<int> indices)
    {
        var text = Header(folder, options, settings, $"{folder.JobPrefix}-units", Path.Combine(folder.Logs, "unit-%a.log"));
        ArrayLines(text, options, ArraySpec(indices));
        text.Append("# One task per unit: SLURM_ARRAY_TASK_ID is the unit's index in cluster/units.json.\n");
        text.Append("set -u\n");
        text.Append(CultureInfo.InvariantCulture, $"folder={Quote(folder.RunFolder)}\n");
        text.Append("unit=$SLURM_ARRAY_TASK_ID\n");
        UnitBody(text, settings);
        return text.ToString();
    }

    /// <summary>
    /// A sweep stage's array: task t runs unit <c>units[t]</c> of configuration <c>folders[t]</c>; its output goes
    /// to that configuration's <c>cluster/logs/unit-I.log</c>, so each configuration reads like a submitted run.
    /// </summary>
    public static string Stage(ClusterFolder sweep, SlurmOptions options, SubmitSettings settings, int stage, IReadOnlyList<(string Folder, int Unit)> tasks)
    {
        var text = Header(sweep, options, settings, $"{sweep.JobPrefix}-stage", Path.Combine(sweep.Logs, $"stage-{stage}-task-%a.log"));
        ArrayLines(text, options, tasks.Count == 1 ? "0" : $"0-{tasks.Count - 1}");
        text.Append(CultureInfo.InvariantCulture, $"# Sweep stage {stage}: one task per (configuration, unit); the table below maps the task id to both.\n");
        text.Append("set -u\n");
        text.Append("folders=(").Append(string.Join(' ', tasks.Select(t => Quote(t.Folder)))).Append(")\n");
        text.Append("units=(").Append(string.Join(' ', tasks.Select(t => t.Unit.ToString(CultureInfo.InvariantCulture)))).Append(")\n");
        text.Append("folder=${folders[$SLURM_ARRAY_TASK_ID]}\n");
        text.Append("unit=${units[$SLURM_ARRAY_TASK_ID]}\n");
        text.Append("exec >>\"$folder/cluster/logs/unit-$unit.log\" 2>&1\n");
        UnitBody(text, settings);
        return text.ToString();
    }

    /// <summary>A sweep's driver: collects the stage's configurations, then submits the next stage (or writes the sweep's report).</summary>
    public static string Driver(ClusterFolder sweep, SlurmOptions options, SubmitSettings settings)
    {
        var text = Header(sweep, CollectOptions(options), settings, $"{sweep.JobPrefix}-driver", Path.Combine(sweep.Logs, "driver.log"));
        text.Append("#SBATCH --open-mode=append\n");
        text.Append("# After a stage's array: collect its configurations, pick the winner, submit the next stage and its driver.\n");
        text.Append("exec ").Append(Host(settings, "submit", ["--resume", sweep.RunFolder])).Append('\n');
        return text.ToString();
    }

    private static void ArrayLines(StringBuilder text, SlurmOptions options, string spec)
    {
        var limit = options.ArrayLimit is { } n ? string.Create(CultureInfo.InvariantCulture, $"%{n}") : "";
        text.Append(CultureInfo.InvariantCulture, $"#SBATCH --array={spec}{limit}\n");
        text.Append(CultureInfo.InvariantCulture, $"#SBATCH --signal=B:TERM@{options.SignalSeconds}\n");
    }

    /// <summary>Runs unit <c>$unit</c> of run <c>$folder</c> with SIGTERM passed on, and records its exit code.</summary>
    private static void UnitBody(StringBuilder text, SubmitSettings settings)
    {
        text.Append("child=\n");
        text.Append("trap '[ -n \"$child\" ] && kill -TERM \"$child\" 2>/dev/null' TERM\n");
        text.Append(Host(settings, "run", ["--resume"])).Append(" \"$folder\" --unit \"$unit\" &\n");
        text.Append("child=$!\n");
        text.Append("# A trapped TERM ends the first wait early; wait until the unit has written its checkpoint and exited.\n");
        text.Append("while true; do wait \"$child\"; rc=$?; kill -0 \"$child\" 2>/dev/null || break; done\n");
        text.Append("printf '%s\\n' \"$rc\" > \"$folder/cluster/logs/unit-$unit.exit.tmp\" && mv \"$folder/cluster/logs/unit-$unit.exit.tmp\" \"$folder/cluster/logs/unit-$unit.exit\"\n");
        text.Append("exit \"$rc\"\n");
    }

    /// <summary>The frozen-backbone job: every dataset's features into the shared feature cache, once.</summary>
    public static string Features(ClusterFolder folder, SlurmOptions options, SubmitSettings settings)
    {
        var text = Header(folder, options, settings, $"{folder.JobPrefix}-features", Path.Combine(folder.Logs, "features.log"));
        text.Append("# The frozen backbone runs once per dataset here; the unit array waits for it (afterok) and reads the cache.\n");
        text.Append("exec ").Append(Host(settings, "run", ["--resume", folder.RunFolder, "--features-only"])).Append('\n');
        return text.ToString();
    }

    /// <summary>The collect job: results.csv, summary.md, statistics and report from the finished units.</summary>
    public static string Collect(ClusterFolder folder, SlurmOptions options, SubmitSettings settings)
    {
        var text = Header(folder, CollectOptions(options), settings, $"{folder.JobPrefix}-collect", Path.Combine(folder.Logs, "collect.log"));
        text.Append("exec ").Append(Host(settings, "collect", [folder.RunFolder])).Append('\n');
        return text.ToString();
    }

    /// <summary>The collect and driver jobs need no GPU: only the time and partition-like options carry over.</summary>
    private static SlurmOptions CollectOptions(SlurmOptions options) =>
        options with { Directives = [.. options.Directives.Where(d => d.Key is "partition" or "account" or "qos" or "time" or "clusters" or "reservation")] };

    /// <summary>Indices as Slurm's array syntax: runs of consecutive numbers as ranges (<c>0-5,7,9-11</c>).</summary>
    public static string ArraySpec(IReadOnlyList<int> indices)
    {
        var parts = new List<string>();
        var sorted = indices.Order().ToArray();
        for (var i = 0; i < sorted.Length;)
        {
            var j = i;
            while (j + 1 < sorted.Length && sorted[j + 1] == sorted[j] + 1)
                j++;
            parts.Add(i == j ? sorted[i].ToString(CultureInfo.InvariantCulture) : string.Create(CultureInfo.InvariantCulture, $"{sorted[i]}-{sorted[j]}"));
            i = j + 1;
        }

        return string.Join(',', parts);
    }

    private static StringBuilder Header(ClusterFolder folder, SlurmOptions options, SubmitSettings settings, string jobName, string log)
    {
        var text = new StringBuilder("#!/bin/bash\n");
        text.Append(CultureInfo.InvariantCulture, $"# Generated by nona submit for {folder.RunFolder}; resubmit unfinished units with: nona submit --resume {folder.RunFolder}\n");
        text.Append(CultureInfo.InvariantCulture, $"#SBATCH --job-name={jobName}\n");
        text.Append(CultureInfo.InvariantCulture, $"#SBATCH --output={log}\n");
        text.Append(CultureInfo.InvariantCulture, $"#SBATCH --chdir={settings.WorkingFolder}\n");
        foreach (var (key, value) in options.Directives)
            text.Append(value is null ? $"#SBATCH --{key}\n" : $"#SBATCH --{key}={value}\n");
        return text;
    }

    private static string Host(SubmitSettings settings, string command, IEnumerable<string> arguments)
    {
        IEnumerable<string> plugins = settings.Plugins.SelectMany(p => new[] { "--plugins", p });
        return string.Join(' ', HostCommand.Current().Append(command).Concat(plugins).Concat(arguments).Select(Quote));
    }

    /// <summary>A single-quoted shell word.</summary>
    public static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
