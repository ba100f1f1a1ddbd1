using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Nona.Host.Units;

/// <summary>
/// Fault injection for the kill/resume tests: <c>NONA_KILL_AT=NAME:N[,NAME:N…]</c> makes the process SIGKILL itself
/// the N-th time it passes the point NAME — <c>epoch</c> (after an epoch's checkpoint), <c>step</c> (after a
/// training step), <c>checkpoint-write</c> (a checkpoint written to its temporary file, not yet renamed),
/// <c>unit-done</c> (a unit's done marker written), <c>results-write</c> (results.csv written to its temporary
/// file). A real SIGKILL, not an exception: nothing of ours runs after it, exactly as when a machine dies.
/// </summary>
internal static class CrashPoints
{
    /// <summary>The variable's name.</summary>
    public const string Variable = "NONA_KILL_AT";

    private static readonly Dictionary<string, int> Targets = Parse(Environment.GetEnvironmentVariable(Variable));
    private static readonly ConcurrentDictionary<string, int> Passes = new(StringComparer.Ordinal);

    /// <summary>Counts a pass of <paramref name="point"/>; kills the process when the count is the requested one.</summary>
    public static void Pass(string point)
    {
        if (Targets.Count == 0 || !Targets.TryGetValue(point, out var target))
            return;
        if (Passes.AddOrUpdate(point, 1, (_, n) => n + 1) == target)
        {
            Console.Error.Flush();
            Process.GetCurrentProcess().Kill(); // SIGKILL on Unix
        }
    }

    private static Dictionary<string, int> Parse(string? value)
    {
        var targets = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var part in (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = part.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(part[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1)
                throw new Abstractions.NonaException($"{Variable}={value}: '{part}' is not NAME:N (N ≥ 1), e.g. epoch:3");
            targets[part[..colon]] = n;
        }

        return targets;
    }
}
