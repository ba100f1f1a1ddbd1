namespace Nona.Host.Reports.Embedding;

/// <summary>UMAP settings, named after umap-learn's arguments and with its defaults.</summary>
public sealed record UmapOptions
{
    /// <summary>n_neighbors: the size of the local neighbourhood, the point itself included.</summary>
    public int Neighbours { get; init; } = 15;

    /// <summary>min_dist: how tightly points may pack in the map.</summary>
    public double MinDist { get; init; } = 0.1;

    /// <summary>spread: the scale of the map's distances (with MinDist, sets the curve parameters a and b).</summary>
    public double Spread { get; init; } = 1.0;

    /// <summary>n_epochs; 0 chooses as umap-learn does: 500 for at most 10,000 points, else 200.</summary>
    public int Epochs { get; init; }

    /// <summary>negative_sample_rate: repulsive samples per attractive one.</summary>
    public double NegativeSampleRate { get; init; } = 5;

    /// <summary>learning_rate: the initial SGD step (it decays linearly to 0).</summary>
    public double LearningRate { get; init; } = 1.0;
}

/// <summary>
/// Uniform Manifold Approximation and Projection to 2-D (McInnes, Healy &amp; Melville 2018), following umap-learn
/// 0.5's defaults with the Euclidean metric: exact k-NN → fuzzy simplicial set (<see cref="FuzzyGraph"/>) → spectral
/// initialisation (<see cref="SpectralLayout"/>) → SGD with negative sampling (<see cref="LayoutOptimizer"/>).
/// Deterministic: the same data and seed give the same map, bit for bit (on the same runtime and CPU architecture).
/// </summary>
public sealed class Umap(UmapOptions options)
{
    private const int Dimensions = 2;

    // The spectral layout is expanded to this half-width before the small noise is added (umap-learn's constants).
    private const double InitialExtent = 10.0;
    private const double InitialNoise = 1e-4;

    /// <summary>The 2-D map of <paramref name="data"/> (rows are points), one row of (x, y) per input row.</summary>
    public double[][] FitTransform(double[][] data, int seed)
    {
        Validate(options, data);
        var n = data.Length;
        var defaultEpochs = n <= 10_000 ? 500 : 200;
        var epochs = options.Epochs > 0 ? options.Epochs : defaultEpochs;

        // As umap-learn: edges that would be sampled less than once in the whole run are dropped before the layout.
        var graph = FuzzyGraph.Build(data, Math.Min(options.Neighbours, n));
        graph = graph.WithoutEdgesBelow(graph.MaxWeight() / (epochs > 10 ? epochs : defaultEpochs));

        var random = new Random(seed);
        var layout = SpectralLayout.Compute(graph, data, Dimensions, random);
        var embedding = Initial(layout, random);
        var (a, b) = CurveParameters.Fit(options.Spread, options.MinDist);
        LayoutOptimizer.Optimise(embedding, graph, epochs, a, b, options.NegativeSampleRate, options.LearningRate, (ulong)random.NextInt64());
        return [.. Enumerable.Range(0, n).Select(i => new[] { embedding[2 * i], embedding[(2 * i) + 1] })];
    }

    // umap-learn's simplicial_set_embedding: expand the layout to a largest |coordinate| of 10, add N(0, 1e-4) noise
    // (so coincident starts separate), then rescale each axis to [0, 10]. Returned interleaved (x, y per point).
    private static double[] Initial(double[][] layout, Random random)
    {
        var n = layout.Length;
        var largest = layout.Max(row => row.Max(Math.Abs));
        var expansion = largest > 0 ? InitialExtent / largest : 1.0;
        var embedding = new double[n * Dimensions];
        for (var i = 0; i < n; i++)
        {
            for (var d = 0; d < Dimensions; d++)
                embedding[(i * Dimensions) + d] = (layout[i][d] * expansion) + (InitialNoise * SpectralLayout.Gaussian(random));
        }

        for (var d = 0; d < Dimensions; d++)
        {
            double min = double.PositiveInfinity, max = double.NegativeInfinity;
            for (var i = 0; i < n; i++)
            {
                min = Math.Min(min, embedding[(i * Dimensions) + d]);
                max = Math.Max(max, embedding[(i * Dimensions) + d]);
            }

            var span = max - min;
            for (var i = 0; i < n; i++)
                embedding[(i * Dimensions) + d] = span > 0 ? 10.0 * (embedding[(i * Dimensions) + d] - min) / span : 0.0;
        }

        return embedding;
    }

    private static void Validate(UmapOptions options, double[][] data)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Neighbours, 2, nameof(options.Neighbours));
        ArgumentOutOfRangeException.ThrowIfNegative(options.MinDist, nameof(options.MinDist));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Spread, nameof(options.Spread));
        if (options.MinDist > options.Spread)
            throw new ArgumentException($"MinDist ({options.MinDist}) must not exceed Spread ({options.Spread}).", nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.Epochs, nameof(options.Epochs));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.NegativeSampleRate, nameof(options.NegativeSampleRate));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.LearningRate, nameof(options.LearningRate));
        if (data.Length < 2)
            throw new ArgumentException($"UMAP needs at least 2 points; got {data.Length}.", nameof(data));
        var features = data[0].Length;
        if (features == 0 || data.Any(row => row.Length != features))
            throw new ArgumentException("Every point needs the same, non-zero number of features.", nameof(data));
        if (data.Any(row => row.Any(v => !double.IsFinite(v))))
            throw new ArgumentException("The data contain NaN or infinite values.", nameof(data));
    }
}
