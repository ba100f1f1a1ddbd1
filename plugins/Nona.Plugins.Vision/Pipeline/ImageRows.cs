using Nona.Abstractions;

namespace Nona.Plugins.Vision.Pipeline;

/// <summary>
/// The load-time check every image dataset runs: reads each image's header (<see cref="ImageDecoder.TryIdentify"/>)
/// and applies <see cref="ImageOptions.OnBadImage"/>, so a missing, corrupt or oversized file stops the run before
/// training (fail) or is dropped and reported at the end (skip), never halfway through an epoch.
/// </summary>
public static class ImageRows
{
    /// <summary>
    /// The rows whose image can be read, in their original order, with notes for <see cref="DatasetData.Notes"/>.
    /// </summary>
    /// <param name="dataset">The dataset's name (or table file), for the notes.</param>
    /// <param name="paths">Each row's image file (absolute).</param>
    /// <param name="labels">Each row's label.</param>
    /// <param name="sourceLines">Each row's 1-based line in its table, for messages; null when there is no table.</param>
    /// <param name="options">The policy (<see cref="ImageOptions.OnBadImage"/>) and the size cap.</param>
    /// <param name="cancellationToken">Stops the scan.</param>
    public static (string[] Paths, double[] Labels, IReadOnlyList<string> Notes) Keep(
        string dataset,
        IReadOnlyList<string> paths,
        IReadOnlyList<double> labels,
        IReadOnlyList<int>? sourceLines,
        ImageOptions options,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return FileSamples.Keep(dataset, paths, labels, sourceLines, options.OnBadImage, path => ImageDecoder.TryIdentify(path, options.MaxPixels, out var problem) ? null : problem ?? "unreadable", "image", "on_bad_image", cancellationToken);
    }
}
