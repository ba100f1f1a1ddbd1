namespace Nona.Host.Reports.Embedding;

/// <summary>
/// UMAP's high-dimensional fuzzy simplicial set: a symmetric weighted graph in compressed-row form (each row's
/// columns ascending). Built as umap-learn's fuzzy_simplicial_set does it: exact k-NN, a per-point distance scale
/// (smooth_knn_dist), local membership strengths, then the fuzzy union A + Aᵀ − A∘Aᵀ.
/// </summary>
internal sealed class FuzzyGraph
{
    // As umap-learn: the binary search stops when the membership sum is this close to log2(k)…
    private const double SmoothKTolerance = 1e-5;

    // …and σ never falls below this fraction of the mean neighbour distance (keeps exp(−d/σ) finite for tight points).
    private const double MinKDistScale = 1e-3;

    private const int SearchIterations = 64;

    private FuzzyGraph(int[] rowStart, int[] columns, double[] weights)
    {
        RowStart = rowStart;
        Columns = columns;
        Weights = weights;
    }

    /// <summary>Row i's entries are Columns[RowStart[i]..RowStart[i + 1]] with the same range of Weights.</summary>
    public int[] RowStart { get; }

    public int[] Columns { get; }

    public double[] Weights { get; }

    public int VertexCount => RowStart.Length - 1;

    /// <summary>The graph of <paramref name="data"/> with <paramref name="neighbours"/> neighbours (the point itself counted, as umap-learn).</summary>
    public static FuzzyGraph Build(double[][] data, int neighbours)
    {
        var (indices, distances) = NearestNeighbours.Find(data, neighbours, includeSelf: true);
        var (sigmas, rhos) = SmoothKnnDistances(distances, neighbours);
        return Union(data.Length, indices, MembershipStrengths(indices, distances, sigmas, rhos));
    }

    /// <summary>
    /// Per point, ρ (the distance to the nearest point at a non-zero distance, local connectivity 1) and σ such that
    /// Σ_{j ≥ 1} exp(−max(0, d_j − ρ) / σ) = log2(<paramref name="k"/>) over the row's neighbours (column 0, the point
    /// itself, left out), found by bisection (doubling while no upper bound is known).
    /// </summary>
    public static (double[] Sigmas, double[] Rhos) SmoothKnnDistances(double[][] distances, double k)
    {
        var target = Math.Log2(k);
        var n = distances.Length;
        var sigmas = new double[n];
        var rhos = new double[n];
        var meanAll = distances.Sum(row => row.Sum()) / distances.Sum(row => row.Length);
        for (var i = 0; i < n; i++)
        {
            var row = distances[i];
            // Rows are ascending, so the first non-zero distance is the smallest one.
            rhos[i] = row.FirstOrDefault(d => d > 0.0);
            double lo = 0.0, hi = double.PositiveInfinity, mid = 1.0;
            for (var iteration = 0; iteration < SearchIterations; iteration++)
            {
                var sum = 0.0;
                for (var j = 1; j < row.Length; j++)
                {
                    var d = row[j] - rhos[i];
                    sum += d > 0 ? Math.Exp(-(d / mid)) : 1.0;
                }

                if (Math.Abs(sum - target) < SmoothKTolerance)
                    break;
                if (sum > target)
                {
                    hi = mid;
                    mid = (lo + hi) / 2.0;
                }
                else
                {
                    lo = mid;
                    mid = double.IsPositiveInfinity(hi) ? mid * 2 : (lo + hi) / 2.0;
                }
            }

            // A point whose neighbours all sit at distance 0 has ρ = 0: bound σ by the whole data's mean instead.
            var floor = MinKDistScale * (rhos[i] > 0.0 ? row.Average() : meanAll);
            sigmas[i] = Math.Max(mid, floor);
        }

        return (sigmas, rhos);
    }

    /// <summary>exp(−(d − ρ_i) / σ_i) for each k-NN edge i → j; 1 within ρ_i; 0 for the point itself.</summary>
    public static double[][] MembershipStrengths(int[][] indices, double[][] distances, double[] sigmas, double[] rhos)
    {
        var strengths = new double[indices.Length][];
        for (var i = 0; i < indices.Length; i++)
        {
            strengths[i] = new double[indices[i].Length];
            for (var j = 0; j < indices[i].Length; j++)
            {
                var excess = distances[i][j] - rhos[i];
                strengths[i][j] = indices[i][j] == i ? 0.0
                    : excess <= 0.0 || sigmas[i] == 0.0 ? 1.0
                    : Math.Exp(-(excess / sigmas[i]));
            }
        }

        return strengths;
    }

    /// <summary>The probabilistic t-conorm of the directed k-NN graph and its transpose: w_ij = a + b − ab.</summary>
    public static FuzzyGraph Union(int n, int[][] indices, double[][] strengths)
    {
        // Every directed edge i → j (weight a) lands in row i and, mirrored, in row j; a pair present both ways then
        // appears twice in a row and merges into a + b − ab. Zero strengths are dropped, as umap-learn's eliminate_zeros.
        var rows = new List<(int Column, double Weight)>[n];
        for (var i = 0; i < n; i++)
            rows[i] = [];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < indices[i].Length; j++)
            {
                var weight = strengths[i][j];
                if (weight <= 0.0)
                    continue;
                rows[i].Add((indices[i][j], weight));
                rows[indices[i][j]].Add((i, weight));
            }
        }

        var rowStart = new int[n + 1];
        var columns = new List<int>();
        var weights = new List<double>();
        for (var i = 0; i < n; i++)
        {
            // Sorting by column only: equal columns hold a and b, and a + b − ab is symmetric in them.
            var row = rows[i];
            row.Sort((x, y) => x.Column.CompareTo(y.Column));
            for (var e = 0; e < row.Count; e++)
            {
                var (column, weight) = row[e];
                if (e + 1 < row.Count && row[e + 1].Column == column)
                {
                    var other = row[++e].Weight;
                    weight = weight + other - (weight * other);
                }

                columns.Add(column);
                weights.Add(weight);
            }

            rowStart[i + 1] = columns.Count;
        }

        return new FuzzyGraph(rowStart, [.. columns], [.. weights]);
    }

    /// <summary>The largest edge weight (0 for a graph without edges).</summary>
    public double MaxWeight() => Weights.Length == 0 ? 0.0 : Weights.Max();

    /// <summary>
    /// The same graph without the edges lighter than <paramref name="threshold"/>: umap-learn drops edges that would
    /// be sampled less than once during the whole optimisation before the layout starts. Symmetric weights stay
    /// symmetric, since both directions of a pair carry the same weight.
    /// </summary>
    public FuzzyGraph WithoutEdgesBelow(double threshold)
    {
        var rowStart = new int[RowStart.Length];
        var columns = new List<int>(Columns.Length);
        var weights = new List<double>(Weights.Length);
        for (var i = 0; i < VertexCount; i++)
        {
            for (var e = RowStart[i]; e < RowStart[i + 1]; e++)
            {
                if (Weights[e] < threshold)
                    continue;
                columns.Add(Columns[e]);
                weights.Add(Weights[e]);
            }

            rowStart[i + 1] = columns.Count;
        }

        return new FuzzyGraph(rowStart, [.. columns], [.. weights]);
    }

    /// <summary>Sum of each row's weights (the vertex degrees of the weighted graph).</summary>
    public double[] Degrees()
    {
        var degrees = new double[VertexCount];
        for (var i = 0; i < VertexCount; i++)
        {
            for (var e = RowStart[i]; e < RowStart[i + 1]; e++)
                degrees[i] += Weights[e];
        }

        return degrees;
    }

    /// <summary>Connected-component label of every vertex, components numbered in order of their smallest vertex.</summary>
    public int[] ComponentLabels(out int count)
    {
        var labels = new int[VertexCount];
        Array.Fill(labels, -1);
        count = 0;
        var stack = new Stack<int>();
        for (var start = 0; start < VertexCount; start++)
        {
            if (labels[start] >= 0)
                continue;
            labels[start] = count;
            stack.Push(start);
            while (stack.Count > 0)
            {
                var v = stack.Pop();
                for (var e = RowStart[v]; e < RowStart[v + 1]; e++)
                {
                    if (labels[Columns[e]] >= 0)
                        continue;
                    labels[Columns[e]] = count;
                    stack.Push(Columns[e]);
                }
            }

            count++;
        }

        return labels;
    }

    /// <summary>The subgraph on <paramref name="vertices"/> (ascending), renumbered 0..count − 1 in that order.</summary>
    public FuzzyGraph Subgraph(int[] vertices)
    {
        var position = new Dictionary<int, int>(vertices.Length);
        for (var p = 0; p < vertices.Length; p++)
            position[vertices[p]] = p;
        var rowStart = new int[vertices.Length + 1];
        var columns = new List<int>();
        var weights = new List<double>();
        for (var p = 0; p < vertices.Length; p++)
        {
            var v = vertices[p];
            for (var e = RowStart[v]; e < RowStart[v + 1]; e++)
            {
                if (!position.TryGetValue(Columns[e], out var column))
                    continue;
                columns.Add(column);
                weights.Add(Weights[e]);
            }

            rowStart[p + 1] = columns.Count;
        }

        return new FuzzyGraph(rowStart, [.. columns], [.. weights]);
    }
}
