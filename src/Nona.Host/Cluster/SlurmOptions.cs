using System.Globalization;
using System.Text.RegularExpressions;
using Nona.Abstractions;

namespace Nona.Host.Cluster;

/// <summary>
/// The <c>--slurm KEY=VALUE,…</c> options of <c>nona submit</c>: each becomes an <c>#SBATCH --KEY=VALUE</c> line
/// (a key alone: <c>#SBATCH --KEY</c>), except <c>array-limit</c> (how many tasks run at once: <c>--array=…%N</c>)
/// and <c>signal-seconds</c> (how long before the time limit SIGTERM asks a unit to checkpoint; default 300).
/// The options nona sets itself (array, output, dependency, signal, job name, working folder) are refused.
/// </summary>
internal sealed partial record SlurmOptions(IReadOnlyList<KeyValuePair<string, string?>> Directives, int? ArrayLimit, int SignalSeconds)
{
    /// <summary>The default warning before the time limit: long enough for a checkpoint of a large model.</summary>
    public const int DefaultSignalSeconds = 300;

    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        "array", "output", "o", "error", "e", "input", "i", "dependency", "d", "kill-on-invalid-dep", "signal", "job-name", "J", "chdir", "D", "parsable", "wrap",
    };

    /// <summary>No options: the cluster's defaults.</summary>
    public static SlurmOptions None { get; } = new([], null, DefaultSignalSeconds);

    /// <summary>The options as recorded in the run folder (re-parsable by <see cref="Parse"/>).</summary>
    public IReadOnlyList<string> ToTexts()
    {
        var texts = Directives.Select(d => d.Value is null ? d.Key : $"{d.Key}={d.Value}").ToList();
        if (ArrayLimit is { } limit)
            texts.Add(string.Create(CultureInfo.InvariantCulture, $"array-limit={limit}"));
        if (SignalSeconds != DefaultSignalSeconds)
            texts.Add(string.Create(CultureInfo.InvariantCulture, $"signal-seconds={SignalSeconds}"));
        return texts;
    }

    /// <summary>
    /// Parses <paramref name="texts"/> (each <c>KEY=VALUE,KEY=VALUE</c>) over <paramref name="basis"/>: a key given
    /// again replaces the earlier value, so a resubmission can change one option and keep the rest.
    /// </summary>
    public static SlurmOptions Parse(IEnumerable<string> texts, SlurmOptions basis)
    {
        var directives = basis.Directives.ToList();
        var limit = basis.ArrayLimit;
        var signal = basis.SignalSeconds;
        foreach (var text in texts)
        {
            // A comma starts a new option only before KEY= or one of sbatch's value-less flags: values such as
            // nodelist=n[1-3],n5 keep their commas.
            foreach (var part in OptionStart().Split(text).Select(p => p.Trim()).Where(p => p.Length > 0))
            {
                var equals = part.IndexOf('=');
                var key = equals < 0 ? part : part[..equals];
                var value = equals < 0 ? null : part[(equals + 1)..];
                if (!KeyPattern().IsMatch(key))
                    throw new NonaException($"--slurm {text}: '{key}' is not an sbatch option name (lowercase letters, digits and '-', as in partition=gpu,time=04:00:00)");
                if (Reserved.Contains(key))
                    throw new NonaException($"--slurm {text}: nona sets --{key} itself (one task per unit, logs under the run folder); leave it out");
                if (value is not null && (value.Length == 0 || value.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"' or '\\' or '$' or '`')))
                    throw new NonaException($"--slurm {text}: the value of '{key}' is empty or holds spaces, quotes, '\\', '$' or '`'; give a plain value such as time=04:00:00");
                switch (key)
                {
                    case "array-limit":
                        limit = Positive(text, key, value);
                        break;
                    case "signal-seconds":
                        signal = Positive(text, key, value);
                        break;
                    default:
                        directives.RemoveAll(d => d.Key == key);
                        directives.Add(new(key, value));
                        break;
                }
            }
        }

        return new SlurmOptions(directives, limit, signal);
    }

    private static int Positive(string text, string key, string? value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1
            ? n
            : throw new NonaException($"--slurm {text}: {key} needs a whole number ≥ 1, e.g. {key}=8");

    [GeneratedRegex(",(?=\\s*(?:[a-zA-Z][a-zA-Z0-9-]*\\s*=|(?:exclusive|requeue|no-requeue|overcommit|oversubscribe|contiguous|spread-job|use-min-nodes|hold|no-kill)\\s*(?:,|$)))")]
    private static partial Regex OptionStart();

    [GeneratedRegex("^[a-z][a-z0-9-]*$")]
    private static partial Regex KeyPattern();
}
