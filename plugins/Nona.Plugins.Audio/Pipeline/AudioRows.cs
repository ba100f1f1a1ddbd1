using Nona.Abstractions;

namespace Nona.Plugins.Audio.Pipeline;

/// <summary>
/// The load-time check every audio dataset runs: reads each file's header (<see cref="AudioDecoder.TryIdentify"/>)
/// and applies <see cref="AudioOptions.OnBadAudio"/>, so a missing, corrupt or unsupported (FLAC, M4A, ...) file
/// stops the run before training (fail) or is dropped and reported at the end (skip), never halfway through an epoch.
/// </summary>
public static class AudioRows
{
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
        ArgumentNullException.ThrowIfNull(options);
        return FileSamples.Keep(dataset, paths, labels, sourceLines, options.OnBadAudio, path => AudioDecoder.TryIdentify(path, out var problem) ? null : problem ?? "unreadable", "audio file", "on_bad_audio", cancellationToken);
    }
}
