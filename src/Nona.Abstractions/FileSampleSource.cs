namespace Nona.Abstractions;

/// <summary>
/// Samples decoded from files, one file per sample (images, audio clips): holds the paths and fingerprints them —
/// the source's settings and every file's bytes — once, on first use, for the frozen-backbone feature cache.
/// </summary>
public abstract class FileSampleSource : SampleInputSource
{
    private readonly string[] paths;
    private readonly Lazy<string> fingerprint;

    /// <summary>
    /// The files at <paramref name="paths"/> (absolute). <paramref name="settings"/> names everything that changes
    /// what a file turns into (a pipeline version and the evaluation options), so changed settings miss the cache.
    /// </summary>
    protected FileSampleSource(IReadOnlyList<string> paths, string settings)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(settings);
        this.paths = [.. paths];
        fingerprint = new Lazy<string>(() => FileSamples.Fingerprint(this.paths, settings, DecodeThreads), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The files, in sample order.</summary>
    public IReadOnlyList<string> Paths => paths;

    /// <inheritdoc />
    public override int Count => paths.Length;

    /// <inheritdoc />
    public override long VectorDim => 0;

    /// <summary>SHA-256 (hex) over the settings and every file's bytes in order; computed on first use (it reads every file once) and kept.</summary>
    public override string Fingerprint() => fingerprint.Value;
}
