using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Nona.Abstractions;

/// <summary>
/// What every file-backed dataset does with its files, written once for the image and audio families: the load-time
/// check of each file (with the recipe's fail/skip policy) and the fingerprint of the files' bytes for the feature cache.
/// </summary>
public static class FileSamples
{
    private const int MaxReasons = 5;

    /// <summary>
    /// The rows whose file passes <paramref name="identify"/>, in their original order, with notes for
    /// <see cref="DatasetData.Notes"/>. A bad file stops the run before training (fail) or is dropped and reported at
    /// the end (skip), never halfway through an epoch.
    /// </summary>
    /// <param name="dataset">The dataset's name (or table file), for the notes.</param>
    /// <param name="paths">Each row's file (absolute).</param>
    /// <param name="labels">Each row's label.</param>
    /// <param name="sourceLines">Each row's 1-based line in its table, for messages; null when there is no table.</param>
    /// <param name="policy">Fail or skip.</param>
    /// <param name="identify">Reads a file's header cheaply; returns null when usable, else what is wrong.</param>
    /// <param name="noun">What the files are, for messages ("image", "audio file").</param>
    /// <param name="policyKey">The recipe key of the policy (<c>on_bad_image</c>), for the fix in messages.</param>
    /// <param name="cancellationToken">Stops the scan.</param>
    public static (string[] Paths, double[] Labels, IReadOnlyList<string> Notes) Keep(
        string dataset,
        IReadOnlyList<string> paths,
        IReadOnlyList<double> labels,
        IReadOnlyList<int>? sourceLines,
        BadRowPolicy policy,
        Func<string, string?> identify,
        string noun,
        string policyKey,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(identify);
        if (labels.Count != paths.Count || (sourceLines is not null && sourceLines.Count != paths.Count))
            throw new ArgumentException($"{paths.Count} paths, {labels.Count} labels and {sourceLines?.Count} source lines must match");

        // Headers are small reads: checking them in parallel hides the file system's latency on large datasets.
        var problems = new string?[paths.Count];
        Parallel.For(0, paths.Count, new ParallelOptions { CancellationToken = cancellationToken }, i => problems[i] = identify(paths[i]));

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
            if (policy == BadRowPolicy.Fail)
                throw new DataFormatException($"{paths[i]}: {problem}{line}; fix or remove the file, or set {policyKey}: skip");
            if (++skipped <= MaxReasons)
                reasons.Add($"{paths[i]}: {problem}{line}");
        }

        if (paths.Count > 0 && keptPaths.Count == 0)
            throw new DataFormatException($"{dataset}: none of the {paths.Count} {noun}s can be read, e.g. {reasons[0]}; check data.root and the {noun} paths");

        string[] notes = skipped == 0
            ? []
            : [$"{dataset}: skipped {skipped} unreadable {noun}(s), e.g. {string.Join("; ", reasons)}"];
        return ([.. keptPaths], [.. keptLabels], notes);
    }

    /// <summary>
    /// SHA-256 over <paramref name="settings"/> and every file's bytes, in order (files hashed in parallel): the same
    /// bytes and settings give the same key, any change gives another.
    /// </summary>
    public static string Fingerprint(IReadOnlyList<string> paths, string settings, int threads)
    {
        var digests = new byte[paths.Count][];
        try
        {
            Parallel.For(0, paths.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) }, i =>
            {
                try
                {
                    using var stream = new FileStream(paths[i], FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
                    digests[i] = SHA256.HashData(stream);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new DataFormatException($"{paths[i]}: cannot read the file to fingerprint it ({e.Message})");
                }
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.FirstOrDefault() is DataFormatException first)
        {
            throw first;
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{settings};count={paths.Count}\n"));
        foreach (var digest in digests)
            hash.AppendData(digest);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
