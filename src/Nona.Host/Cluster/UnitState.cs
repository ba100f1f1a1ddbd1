using System.Globalization;
using Nona.Host.Units;

namespace Nona.Host.Cluster;

/// <summary>Where one unit of a submitted run stands.</summary>
internal enum UnitPhase
{
    /// <summary>Its done marker is written.</summary>
    Done,

    /// <summary>A live process holds its lock.</summary>
    Running,

    /// <summary>Its array task waits in the queue.</summary>
    Queued,

    /// <summary>Its task ended with an error.</summary>
    Failed,

    /// <summary>Its task was stopped by a signal (the time limit, scancel): resubmitting continues it from its last checkpoint.</summary>
    Stopped,

    /// <summary>Not done, not queued, no error recorded (never submitted, or its task was killed outright).</summary>
    Pending,
}

/// <summary>One unit's phase and, for a failed or stopped one, the exit code and last line of its log.</summary>
/// <param name="Index">The unit's index.</param>
/// <param name="Key">The unit.</param>
/// <param name="Phase">Its phase.</param>
/// <param name="Detail">The holder of a running unit's lock, or a failed unit's exit code and last log line.</param>
internal sealed record UnitState(int Index, UnitKey Key, UnitPhase Phase, string? Detail)
{
    /// <summary>Every unit's state, from the run folder and (when it answers) squeue.</summary>
    public static IReadOnlyList<UnitState> Read(ClusterFolder folder, IReadOnlyList<UnitKey> keys, IReadOnlyDictionary<int, string>? queued)
    {
        var units = new UnitRunner(folder.RunFolder, _ => { });
        var states = new List<UnitState>(keys.Count);
        for (var index = 0; index < keys.Count; index++)
        {
            var key = keys[index];
            var unitFolder = units.Folder(key);
            var lockFile = Path.Combine(unitFolder, "lock");
            string? holder = File.Exists(lockFile) ? ReadQuietly(lockFile) : null;
            if (File.Exists(Path.Combine(unitFolder, "done.json")))
                states.Add(new(index, key, UnitPhase.Done, null));
            else if (holder is not null && !UnitLock.IsStale(lockFile, holder))
                states.Add(new(index, key, UnitPhase.Running, holder));
            else if (queued is not null && queued.TryGetValue(index, out var state))
                states.Add(new(index, key, state == "running" ? UnitPhase.Running : UnitPhase.Queued, state));
            else if (ReadQuietly(folder.UnitExit(index)) is { } exit && int.TryParse(exit, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var code) && code != 0)
                // 130: stopped after a checkpoint; above 128 otherwise: killed by a signal (scancel sends TERM to the
                // task's shell and the unit both, which stops it at once), resumable from its last checkpoint.
                states.Add(new(index, key, code > 128 ? UnitPhase.Stopped : UnitPhase.Failed, $"exit {code}: {LastLine(folder.UnitLog(index))}"));
            else
                states.Add(new(index, key, UnitPhase.Pending, null));
        }

        return states;
    }

    private static string? ReadQuietly(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string LastLine(string log) =>
        ReadQuietly(log)?.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0) ?? "(no log)";
}
