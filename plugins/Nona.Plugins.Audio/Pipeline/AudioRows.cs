using System.Globalization;
using Nona.Abstractions;

namespace Nona.Plugins.Audio.Pipeline;

/// <summary>
/// The load-time check every audio dataset runs: reads each file's header (<see cref="AudioDecoder.TryIdentify"/>)
/// and applies <see cref="AudioOptions.OnBadAudio"/>, so a missing, corrupt or unsupported (Ogg, MP3, ...) file
/// stops the run before training (fail) or is dropped and reported at the end (skip), never halfway through an epoch.
/// </summary>
public static class AudioRows
{
    private const int MaxReasons = 5;

    /// <summary>
    /// The rows whose audio file can be read, in their original order, with notes for <see cref="DatasetData.Notes"/>.
    /// </summary>
    /// <param name="dataset">The dataset's name (or table file), for the notes.</param>
    /// <param name="paths">Each row's audio file (absolute).</param>
    /// <param name="labels">Each row's label.</param>
    /// <param name="sourceLines">Each row's 1-based line in its table, for messages; null when there is no table.</param>
    /// <param name="options">The policy (<see cref="AudioOptions.OnBadAudio"/>).</param>
    /// <param name="cancellationToken">Stops the scan.</param>
    public static (string[] Paths, double[] Labels, IReadOnlyList<string> Notes) Keep(
        string dataset,
        IReadOnlyList<string> paths,
        IReadOnlyList<double> labels,
        IReadOnlyList<int>? sourceLines,
        AudioOptions options,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(options);
        if (labels.Count != paths.Count || (sourceLines is not null && sourceLines.Count != paths.Count))
            throw new ArgumentException($"{paths.Count} paths, {labels.Count} labels and {sourceLines?.Count} source lines must match");

        // Headers are small reads: checking them in parallel hides the file system's latency on large datasets.
        var problems = new string?[paths.Count];
        Parallel.For(0, paths.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            if (!AudioDecoder.TryIdentify(paths[i], out var problem))
                problems[i] = problem ?? "unreadable";
        });

        var keptPaths = new List<string>(paths.Count);
        var keptLabels = new List<double>(paths.Count);
        var reasons = new List<string>();
        var skipped = 0;
        for (var i = 0; i < paths.Count; i++)
        {
            if (problems[i] is not { } problem)
            {
                keptPaths.Add(paths[i]);
                keptLabels.Add(labels[i]);
                continue;
            }

            var line = sourceLines is null ? "" : string.Create(CultureInfo.InvariantCulture, $" (table line {sourceLines[i]})");
            if (options.OnBadAudio == BadRowPolicy.Fail)
                throw new DataFormatException($"{paths[i]}: {problem}{line}; fix or remove the file, or set on_bad_audio: skip");
            if (++skipped <= MaxReasons)
                reasons.Add($"{paths[i]}: {problem}{line}");
        }

        if (paths.Count > 0 && keptPaths.Count == 0)
            throw new DataFormatException($"{dataset}: none of the {paths.Count} audio files can be read, e.g. {reasons[0]}; check data.root and the audio paths");

        string[] notes = skipped == 0
            ? []
            : [$"{dataset}: skipped {skipped} unreadable audio file(s), e.g. {string.Join("; ", reasons)}"];
        return ([.. keptPaths], [.. keptLabels], notes);
    }
}
