namespace Nona.Host.Reports.Embedding;

/// <summary>
/// UMAP's spectral initialisation: the eigenvectors of the normalised graph Laplacian L = I − D^(−1/2) W D^(−1/2)
/// for its 2nd and 3rd smallest eigenvalues (umap-learn's spectral_layout). Those are the eigenvectors of
/// D^(−1/2) W D^(−1/2) for its largest eigenvalues after the trivial one (eigenvalue 1, vector ∝ √degree), which the
/// Lanczos iteration finds from sparse products alone. A disconnected graph is laid out per component, as
/// umap-learn's multi_component_layout does (see <see cref="MultiComponent"/>).
/// </summary>
internal static class SpectralLayout
{
    // umap-learn asks ARPACK for 1e-4; a tighter residual costs a few more sparse products and nothing else.
    private const double Tolerance = 1e-6;

    // Bounds the Krylov basis (iterations × n doubles); the Ritz vectors are still a usable start if not converged.
    private const int MaxIterations = 400;

    /// <summary>An n × <paramref name="dimensions"/> layout of the graph's vertices (not yet scaled).</summary>
    public static double[][] Compute(FuzzyGraph graph, double[][] data, int dimensions, Random random)
    {
        var labels = graph.ComponentLabels(out var components);
        if (components > 1)
            return MultiComponent(graph, data, dimensions, labels, components, random);
        return Connected(graph, dimensions, random) ?? Uniform(graph.VertexCount, dimensions, 10.0, random);
    }

    /// <summary>Uniform random coordinates in [−<paramref name="range"/>, <paramref name="range"/>] (umap-learn's random init).</summary>
    public static double[][] Uniform(int n, int dimensions, double range, Random random)
    {
        var layout = new double[n][];
        for (var i = 0; i < n; i++)
        {
            layout[i] = new double[dimensions];
            for (var d = 0; d < dimensions; d++)
                layout[i][d] = range * ((2.0 * random.NextDouble()) - 1.0);
        }

        return layout;
    }

    // The spectral layout of a connected graph, or null when it has too few vertices for the eigenvectors wanted.
    private static double[][]? Connected(FuzzyGraph graph, int dimensions, Random random)
    {
        var n = graph.VertexCount;
        if (n <= dimensions + 1)
            return null;
        var degrees = graph.Degrees();
        var scale = degrees.Select(d => 1.0 / Math.Sqrt(d)).ToArray();
        var trivial = degrees.Select(Math.Sqrt).ToArray();
        var norm = Math.Sqrt(degrees.Sum());
        for (var i = 0; i < n; i++)
            trivial[i] /= norm;

        // y = D^(−1/2) W D^(−1/2) x, one pass over the compressed rows.
        void Multiply(double[] x, double[] y)
        {
            for (var i = 0; i < n; i++)
            {
                var sum = 0.0;
                for (var e = graph.RowStart[i]; e < graph.RowStart[i + 1]; e++)
                    sum += graph.Weights[e] * scale[graph.Columns[e]] * x[graph.Columns[e]];
                y[i] = scale[i] * sum;
            }
        }

        // umap-learn starts ARPACK from the ones vector; a seeded Gaussian start cannot be orthogonal to a wanted
        // eigenvector by symmetry of the data.
        var start = new double[n];
        for (var i = 0; i < n; i++)
            start[i] = Gaussian(random);
        var result = Lanczos.Largest(Multiply, trivial, start, dimensions, Math.Min(MaxIterations, n - 1), Tolerance);
        if (result is null)
            return null;

        var layout = new double[n][];
        for (var i = 0; i < n; i++)
            layout[i] = new double[dimensions];
        for (var d = 0; d < dimensions; d++)
        {
            // Eigenvectors have no sign; fixing one (largest |entry| positive) keeps maps from flipping between seeds.
            var vector = result.Value.Vectors[d];
            var pivot = 0;
            for (var i = 1; i < n; i++)
            {
                if (Math.Abs(vector[i]) > Math.Abs(vector[pivot]))
                    pivot = i;
            }

            var sign = vector[pivot] < 0 ? -1.0 : 1.0;
            for (var i = 0; i < n; i++)
                layout[i][d] = sign * vector[i];
        }

        return layout;
    }

    /// <summary>
    /// umap-learn's multi_component_layout, simplified in one place: each component gets an anchor ("meta"
    /// position) — ±unit vectors while there are at most 2·dimensions components, else the PCA of the components'
    /// centroids in the data (umap-learn embeds the centroids spectrally instead) scaled to unit size. Each component
    /// is then laid out spectrally (randomly if it is too small) within half the distance to the nearest other anchor.
    /// </summary>
    private static double[][] MultiComponent(FuzzyGraph graph, double[][] data, int dimensions, int[] labels, int components, Random random)
    {
        var anchors = Anchors(data, dimensions, labels, components);
        var layout = new double[graph.VertexCount][];
        for (var c = 0; c < components; c++)
        {
            var range = double.PositiveInfinity;
            for (var o = 0; o < components; o++)
            {
                if (o != c)
                    range = Math.Min(range, Math.Sqrt(NearestNeighbours.SquaredDistance(anchors[c], anchors[o])) / 2.0);
            }

            var vertices = Enumerable.Range(0, labels.Length).Where(v => labels[v] == c).ToArray();
            var part = vertices.Length < 2 * dimensions || vertices.Length <= dimensions + 1
                ? null
                : Connected(graph.Subgraph(vertices), dimensions, random);
            if (part is null)
            {
                part = Uniform(vertices.Length, dimensions, range, random);
            }
            else
            {
                var expansion = range / part.Max(row => row.Max(Math.Abs));
                foreach (var row in part)
                {
                    for (var d = 0; d < dimensions; d++)
                        row[d] *= expansion;
                }
            }

            for (var p = 0; p < vertices.Length; p++)
                layout[vertices[p]] = [.. part[p].Select((value, d) => value + anchors[c][d])];
        }

        return layout;
    }

    private static double[][] Anchors(double[][] data, int dimensions, int[] labels, int components)
    {
        if (components <= 2 * dimensions)
        {
            // e1, e2, …, −e1, −e2, … (umap-learn's vstack([eye(dim), −eye(dim)])).
            return [.. Enumerable.Range(0, components).Select(c =>
                Enumerable.Range(0, dimensions).Select(d => d == c % dimensions ? (c < dimensions ? 1.0 : -1.0) : 0.0).ToArray())];
        }

        var features = data[0].Length;
        var centroids = new double[components][];
        var sizes = new int[components];
        for (var c = 0; c < components; c++)
            centroids[c] = new double[features];
        for (var i = 0; i < data.Length; i++)
        {
            sizes[labels[i]]++;
            for (var f = 0; f < features; f++)
                centroids[labels[i]][f] += data[i][f];
        }

        for (var c = 0; c < components; c++)
        {
            for (var f = 0; f < features; f++)
                centroids[c][f] /= sizes[c];
        }

        var anchors = features >= dimensions ? Pca.Project(centroids, dimensions) : null;
        var extent = anchors?.Max(row => row.Max(Math.Abs)) ?? 0.0;
        // Coinciding anchors would leave their components no room (the range is half the nearest anchor's distance);
        // then, or with fewer features than dimensions, spread the anchors on a circle instead.
        if (anchors is null || !(MinimumSeparation(anchors) > 1e-9 * extent))
        {
            return [.. Enumerable.Range(0, components).Select(c => Enumerable.Range(0, dimensions)
                .Select(d => d > 1 ? 0.0 : d == 0 ? Math.Cos(2 * Math.PI * c / components) : Math.Sin(2 * Math.PI * c / components)).ToArray())];
        }

        foreach (var row in anchors)
        {
            for (var d = 0; d < dimensions; d++)
                row[d] /= extent;
        }

        return anchors;
    }

    private static double MinimumSeparation(double[][] points)
    {
        var minimum = double.PositiveInfinity;
        for (var i = 0; i < points.Length; i++)
        {
            for (var j = i + 1; j < points.Length; j++)
                minimum = Math.Min(minimum, Math.Sqrt(NearestNeighbours.SquaredDistance(points[i], points[j])));
        }

        return minimum;
    }

    /// <summary>A standard normal draw (Box–Muller) from <paramref name="random"/>.</summary>
    public static double Gaussian(Random random)
    {
        var u = 1.0 - random.NextDouble(); // (0, 1]: keeps the logarithm finite
        var v = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u)) * Math.Cos(2.0 * Math.PI * v);
    }
}
