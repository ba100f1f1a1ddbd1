namespace Nona.Host.Reports.Embedding;

/// <summary>
/// UMAP's stochastic gradient descent on the fuzzy cross-entropy, step for step as umap-learn's
/// optimize_layout_euclidean with move_other (both ends of a sampled edge are attracted; a negative sample moves only
/// the edge's head): each edge is sampled every epochs_per_sample epochs, each sample followed by
/// negative_sample_rate repulsive samples of uniformly drawn vertices, gradients clipped to ±4, and the learning rate
/// decaying linearly to 0. Single-threaded with its own seeded generator, so a seed fixes the result bit for bit.
/// </summary>
internal static class LayoutOptimizer
{
    private const double Clip = 4.0;

    // umap-learn's repulsion_strength (γ, the weight of negative samples); not an option here.
    private const double Gamma = 1.0;

    /// <summary>Optimises the 2-D <paramref name="embedding"/> (x, y interleaved per vertex) in place.</summary>
    public static void Optimise(
        double[] embedding, FuzzyGraph graph, int epochs, double a, double b, double negativeSampleRate, double learningRate, ulong seed)
    {
        var n = graph.VertexCount;
        var head = new int[graph.Columns.Length];
        for (var i = 0; i < n; i++)
        {
            for (var e = graph.RowStart[i]; e < graph.RowStart[i + 1]; e++)
                head[e] = i;
        }

        var tail = graph.Columns;
        var epochsPerSample = EpochsPerSample(graph.Weights, epochs);
        var epochsPerNegativeSample = epochsPerSample.Select(e => e / negativeSampleRate).ToArray();
        var nextNegativeSample = (double[])epochsPerNegativeSample.Clone();
        var nextSample = (double[])epochsPerSample.Clone();
        var random = new XorShift(seed);
        var alpha = learningRate;
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            for (var edge = 0; edge < head.Length; edge++)
            {
                if (nextSample[edge] > epoch)
                    continue;
                int j = head[edge], k = tail[edge];
                Attract(embedding, 2 * j, 2 * k, a, b, alpha);
                nextSample[edge] += epochsPerSample[edge];

                // As umap-learn: as many negative samples as are due since the last ones, truncated toward zero.
                var negatives = (int)((epoch - nextNegativeSample[edge]) / epochsPerNegativeSample[edge]);
                for (var p = 0; p < negatives; p++)
                {
                    var other = random.Next(n);
                    if (other == j)
                        continue;
                    Repel(embedding, 2 * j, 2 * other, a, b, alpha);
                }

                nextNegativeSample[edge] += negatives * epochsPerNegativeSample[edge];
            }

            alpha = learningRate * (1.0 - ((double)epoch / epochs));
        }
    }

    /// <summary>
    /// umap-learn's make_epochs_per_sample: an edge of weight w is sampled every max(w) / w epochs (so the heaviest
    /// edge every epoch); edges of weight 0 never (−1).
    /// </summary>
    public static double[] EpochsPerSample(double[] weights, int epochs)
    {
        var max = weights.Length == 0 ? 0.0 : weights.Max();
        return [.. weights.Select(w =>
        {
            var samples = epochs * (w / max);
            return samples > 0 ? epochs / samples : -1.0;
        })];
    }

    // The attractive step along edge (j, k): ∂/∂y of log(1 / (1 + a·d^(2b))) = −2ab·d^(2(b−1)) / (1 + a·d^(2b)) · (y_j − y_k).
    private static void Attract(double[] embedding, int j, int k, double a, double b, double alpha)
    {
        var dx = embedding[j] - embedding[k];
        var dy = embedding[j + 1] - embedding[k + 1];
        var squared = (dx * dx) + (dy * dy);
        var coefficient = 0.0;
        if (squared > 0.0)
        {
            // d^(2(b−1)) as d^(2b) / d², so one Pow serves both terms.
            var power = Math.Pow(squared, b);
            coefficient = -2.0 * a * b * (power / squared) / ((a * power) + 1.0);
        }

        var gx = Math.Clamp(coefficient * dx, -Clip, Clip) * alpha;
        var gy = Math.Clamp(coefficient * dy, -Clip, Clip) * alpha;
        embedding[j] += gx;
        embedding[j + 1] += gy;
        embedding[k] -= gx;
        embedding[k + 1] -= gy;
    }

    // The repulsive step from a negative sample k: 2γb / ((0.001 + d²)(1 + a·d^(2b))) · (y_j − y_k). Where that
    // coefficient is 0 (coincident points) umap-learn pushes by the clip value in every coordinate; so does this.
    private static void Repel(double[] embedding, int j, int k, double a, double b, double alpha)
    {
        var dx = embedding[j] - embedding[k];
        var dy = embedding[j + 1] - embedding[k + 1];
        var squared = (dx * dx) + (dy * dy);
        var coefficient = squared > 0.0 ? 2.0 * Gamma * b / ((0.001 + squared) * ((a * Math.Pow(squared, b)) + 1.0)) : 0.0;
        embedding[j] += (coefficient > 0.0 ? Math.Clamp(coefficient * dx, -Clip, Clip) : Clip) * alpha;
        embedding[j + 1] += (coefficient > 0.0 ? Math.Clamp(coefficient * dy, -Clip, Clip) : Clip) * alpha;
    }

    /// <summary>xorshift64* (Vigna): fast, and its stream is fixed by this code rather than by the runtime's Random.</summary>
    private sealed class XorShift(ulong seed)
    {
        // SplitMix64's finaliser turns any seed (0 included) into a non-zero, well-mixed state.
        private ulong _state = Mix(seed);

        /// <summary>A uniform integer in [0, <paramref name="bound"/>) (Lemire's multiply-shift; bias below 2⁻³²·bound).</summary>
        public int Next(int bound)
        {
            _state ^= _state >> 12;
            _state ^= _state << 25;
            _state ^= _state >> 27;
            var value = (_state * 0x2545F4914F6CDD1DUL) >> 32;
            return (int)((value * (ulong)bound) >> 32);
        }

        private static ulong Mix(ulong x)
        {
            x += 0x9E3779B97F4A7C15UL;
            x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
            x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
            x ^= x >> 31;
            return x == 0 ? 1 : x;
        }
    }
}
