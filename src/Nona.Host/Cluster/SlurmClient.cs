using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Nona.Abstractions;

namespace Nona.Host.Cluster;

/// <summary>The Slurm client programs nona calls: <c>sbatch</c> to submit, <c>squeue</c> to see what is queued.</summary>
internal static class SlurmClient
{
    /// <summary>Submits <paramref name="script"/> with <paramref name="arguments"/> before it; returns the job id.</summary>
    public static string Submit(IReadOnlyList<string> arguments, string script)
    {
        var (code, output, errors) = Run("sbatch", [.. arguments, script]);
        if (code != 0)
        {
            var reason = errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? $"exit code {code}";
            throw new NonaException($"sbatch {script}: {reason}");
        }

        // --parsable prints "ID" or "ID;CLUSTER".
        var id = output.Trim().Split(';')[0];
        return id.Length > 0 && id.All(char.IsAsciiDigit) ? id : throw new NonaException($"sbatch {script}: unexpected answer '{output.Trim()}' (expected a job id)");
    }

    /// <summary>
    /// The array task ids of <paramref name="jobName"/> that are queued or running, with their state; null when
    /// squeue is absent or fails (status is then read from the run folder alone).
    /// </summary>
    public static IReadOnlyDictionary<int, string>? ActiveTasks(string jobName)
    {
        (int Code, string Output, string Errors) result;
        try
        {
            result = Run("squeue", ["-h", "-r", "-t", "PD,R,CF,S", "-n", jobName, "-o", "%K %T"]); // not COMPLETING: its unit has ended
        }
        catch (NonaException)
        {
            return null;
        }

        if (result.Code != 0)
            return null;
        var tasks = new Dictionary<int, string>();
        foreach (var line in result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split(' ', 2);
            if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                tasks[index] = parts[1].ToLowerInvariant();
        }

        return tasks;
    }

    private static (int Code, string Output, string Errors) Run(string program, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new NonaException($"{program} could not be started");
        }
        catch (Win32Exception)
        {
            throw new NonaException($"{program} is not on PATH: nona submit needs the Slurm client programs on this machine (see docs/cluster.md); --dry-run shows the scripts without them");
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
            {
                process.Kill();
                throw new NonaException($"{program} did not answer within 2 minutes; is slurmctld reachable (scontrol ping)?");
            }

            return (process.ExitCode, output.Result, errors.Result);
        }
    }
}
