using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Nona.Plugins.Heads.Regressors;

/// <summary>
/// Exact brute-force k-nearest-neighbour search under a Minkowski distance, over a bank of standardised rows cut
/// into contiguous segments (the cross-validation folds), so one fold's rows can be left out without copying the
/// rest. Each query's distances to every bank row are computed once; a bounded heap keeps the nearest
/// <c>count</c>, so every k of a grid reads the same sorted list.
/// </summary>
/// <remarks>
/// Exactness: the bank is stored block-interleaved, <see cref="Vector{T}.Count"/> rows side by side per feature,
/// and SIMD runs across rows, not features. Each lane sums its own row's terms in feature order with the same
/// IEEE operations as the scalar loop <c>sum += |a−b|</c> (or <c>d·d</c>, then √), so every distance has the bits
/// of the straightforward loop on any vector width, and ties are decided exactly: by lower index, as a stable sort
/// of (distance, index) would. Queries are processed in fixed blocks in parallel; a query's result depends only on
/// the query, so the output does not depend on the number of threads.
/// </remarks>
internal sealed class NeighbourSearch
{
    // A query block shares one pass over the bank, so the bank streams from memory once per block, not per query.
    private const int QueryBlock = 64;

    private static readonly int Lanes = Vector<double>.Count;

    private readonly double[] blocked; // per segment, per block of Lanes rows: [feature][lane]
    private readonly int[] segmentRows; // segment s holds rows segmentRows[s] .. segmentRows[s + 1] - 1
    private readonly int[] segmentBlocks; // and blocks segmentBlocks[s] .. segmentBlocks[s + 1] - 1

    /// <summary>Lays out <c>(x − mean) / scale</c> (the bits of <see cref="Standardizer.Apply"/>) by segments.</summary>
    /// <param name="x">The rows, all of width <paramref name="mean"/>.Length.</param>
    /// <param name="mean">Per-feature mean.</param>
    /// <param name="scale">Per-feature scale.</param>
    /// <param name="bounds">Segment boundaries: 0 = b₀ ≤ b₁ ≤ … ≤ b_S = x.Length.</param>
    public NeighbourSearch(double[][] x, double[] mean, double[] scale, int[] bounds)
    {
        Width = mean.Length;
        Rows = x.Length;
        segmentRows = bounds;
        segmentBlocks = new int[bounds.Length];
        for (var s = 0; s + 1 < bounds.Length; s++)
            segmentBlocks[s + 1] = segmentBlocks[s] + ((bounds[s + 1] - bounds[s] + Lanes - 1) / Lanes);

        // Padding lanes hold +∞: their distance is +∞ (or NaN, read as +∞), never nearer than a real row.
        blocked = new double[(long)segmentBlocks[^1] * Width * Lanes];
        Array.Fill(blocked, double.PositiveInfinity);
        for (var s = 0; s + 1 < bounds.Length; s++)
        {
            for (var r = bounds[s]; r < bounds[s + 1]; r++)
            {
                var local = r - bounds[s];
                var offset = (((long)segmentBlocks[s] + (local / Lanes)) * Width * Lanes) + (local % Lanes);
                for (var j = 0; j < Width; j++)
                    blocked[offset + ((long)j * Lanes)] = (x[r][j] - mean[j]) / scale[j];
            }
        }
    }

    /// <summary>Number of bank rows.</summary>
    public int Rows { get; }

    /// <summary>Features per row.</summary>
    public int Width { get; }

    /// <summary>Row count of segment <paramref name="segment"/>.</summary>
    public int SegmentLength(int segment) => segmentRows[segment + 1] - segmentRows[segment];

    /// <summary>First row of segment <paramref name="segment"/>.</summary>
    public int SegmentStart(int segment) => segmentRows[segment];

    /// <summary>Copies bank row <paramref name="row"/> (standardised) into <paramref name="destination"/>.</summary>
    public void CopyRow(int row, Span<double> destination)
    {
        var segment = Array.BinarySearch(segmentRows, row);
        segment = segment >= 0 ? LastSegmentStartingAt(segment) : ~segment - 1;
        var local = row - segmentRows[segment];
        var offset = (((long)segmentBlocks[segment] + (local / Lanes)) * Width * Lanes) + (local % Lanes);
        for (var j = 0; j < Width; j++)
            destination[j] = blocked[offset + ((long)j * Lanes)];
    }

    /// <summary>
    /// The <paramref name="count"/> nearest bank rows of each query (row-major, <see cref="Width"/> per query),
    /// leaving out segment <paramref name="skipSegment"/> (−1: none), ascending by (distance, row).
    /// </summary>
    /// <param name="queries">Standardised queries, row-major.</param>
    /// <param name="p">Minkowski exponent.</param>
    /// <param name="count">Neighbours kept per query; at most the number of rows searched.</param>
    /// <param name="skipSegment">The segment left out (a fold's own rows), or −1.</param>
    /// <param name="threads">Degree of parallelism; 0 = all cores.</param>
    public Neighbours Search(double[] queries, int p, int count, int skipSegment, int threads)
    {
        var queryCount = queries.Length / Width;
        var result = new Neighbours(queryCount, count);
        if (queryCount == 0 || count == 0)
            return result;
        var blocks = (queryCount + QueryBlock - 1) / QueryBlock;
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount };
        Parallel.For(0, blocks, options, b =>
        {
            var first = b * QueryBlock;
            var size = Math.Min(QueryBlock, queryCount - first);
            var heaps = new BoundedHeap[size];
            for (var q = 0; q < size; q++)
                heaps[q] = new BoundedHeap(result, first + q);
            for (var s = 0; s + 1 < segmentRows.Length; s++)
            {
                if (s != skipSegment)
                    ScanSegment(queries.AsSpan(first * Width, size * Width), heaps, s, p);
            }

            foreach (var heap in heaps)
                heap.SortAscending();
        });
        return result;
    }

    private void ScanSegment(ReadOnlySpan<double> queries, BoundedHeap[] heaps, int segment, int p)
    {
        var firstRow = segmentRows[segment];
        var rowsInSegment = segmentRows[segment + 1] - firstRow;
        Span<double> lanes = stackalloc double[Lanes];
        for (var block = 0; block * Lanes < rowsInSegment; block++)
        {
            var bankBlock = blocked.AsSpan((int)(((long)segmentBlocks[segment] + block) * Width * Lanes), Width * Lanes);
            var firstInBlock = firstRow + (block * Lanes);
            var valid = Math.Min(Lanes, rowsInSegment - (block * Lanes));
            var q = 0;
            if (p is 1 or 2)
            {
                // Four queries per pass over the block: one load of each bank vector serves four independent sums.
                for (; q + 4 <= heaps.Length; q += 4)
                {
                    var (d0, d1, d2, d3) = Distances4(queries.Slice(q * Width, 4 * Width), bankBlock, p);
                    Offer(heaps[q], d0, firstInBlock, valid, lanes);
                    Offer(heaps[q + 1], d1, firstInBlock, valid, lanes);
                    Offer(heaps[q + 2], d2, firstInBlock, valid, lanes);
                    Offer(heaps[q + 3], d3, firstInBlock, valid, lanes);
                }
            }

            for (; q < heaps.Length; q++)
                Offer(heaps[q], Distances(queries.Slice(q * Width, Width), bankBlock, p), firstInBlock, valid, lanes);
        }
    }

    private static void Offer(BoundedHeap heap, Vector<double> distance, int firstInBlock, int valid, Span<double> lanes)
    {
        // Rows arrive in increasing index order, so once the heap is full only a strictly smaller distance can
        // enter (an equal one has the higher index and loses the tie).
        if (heap.Full && !Vector.LessThanAny(distance, new Vector<double>(heap.Worst)))
            return;
        distance.CopyTo(lanes);
        for (var lane = 0; lane < valid; lane++)
            heap.Offer(lanes[lane], firstInBlock + lane);
    }

    /// <summary>Distances from four consecutive queries to one bank block (p = 1 or 2), each summed as in <see cref="Distances"/>.</summary>
    private static (Vector<double>, Vector<double>, Vector<double>, Vector<double>) Distances4(ReadOnlySpan<double> queries, ReadOnlySpan<double> bankBlock, int p)
    {
        ref var bank = ref MemoryMarshal.GetReference(bankBlock);
        ref var q0 = ref MemoryMarshal.GetReference(queries);
        var width = queries.Length / 4;
        ref var q1 = ref Unsafe.Add(ref q0, width);
        ref var q2 = ref Unsafe.Add(ref q1, width);
        ref var q3 = ref Unsafe.Add(ref q2, width);
        Vector<double> s0 = Vector<double>.Zero, s1 = Vector<double>.Zero, s2 = Vector<double>.Zero, s3 = Vector<double>.Zero;
        if (p == 1)
        {
            for (var j = 0; j < width; j++)
            {
                var b = Vector.LoadUnsafe(ref bank, (nuint)(j * Lanes));
                s0 += Vector.Abs(new Vector<double>(Unsafe.Add(ref q0, j)) - b);
                s1 += Vector.Abs(new Vector<double>(Unsafe.Add(ref q1, j)) - b);
                s2 += Vector.Abs(new Vector<double>(Unsafe.Add(ref q2, j)) - b);
                s3 += Vector.Abs(new Vector<double>(Unsafe.Add(ref q3, j)) - b);
            }

            return (NanAsInfinity(s0), NanAsInfinity(s1), NanAsInfinity(s2), NanAsInfinity(s3));
        }

        for (var j = 0; j < width; j++)
        {
            var b = Vector.LoadUnsafe(ref bank, (nuint)(j * Lanes));
            var d0 = Vector.Abs(new Vector<double>(Unsafe.Add(ref q0, j)) - b);
            var d1 = Vector.Abs(new Vector<double>(Unsafe.Add(ref q1, j)) - b);
            var d2 = Vector.Abs(new Vector<double>(Unsafe.Add(ref q2, j)) - b);
            var d3 = Vector.Abs(new Vector<double>(Unsafe.Add(ref q3, j)) - b);
            s0 += d0 * d0;
            s1 += d1 * d1;
            s2 += d2 * d2;
            s3 += d3 * d3;
        }

        return (NanAsInfinity(Vector.SquareRoot(s0)), NanAsInfinity(Vector.SquareRoot(s1)), NanAsInfinity(Vector.SquareRoot(s2)), NanAsInfinity(Vector.SquareRoot(s3)));
    }

    /// <summary>Distances from one query to the <see cref="Vector{T}.Count"/> rows of one bank block.</summary>
    private static Vector<double> Distances(ReadOnlySpan<double> query, ReadOnlySpan<double> bankBlock, int p)
    {
        ref var bank = ref MemoryMarshal.GetReference(bankBlock);
        var width = query.Length;
        var sum = Vector<double>.Zero;
        switch (p)
        {
            case 1:
                for (var j = 0; j < width; j++)
                    sum += Vector.Abs(new Vector<double>(query[j]) - Vector.LoadUnsafe(ref bank, (nuint)(j * Lanes)));
                break;
            case 2:
                for (var j = 0; j < width; j++)
                {
                    var d = Vector.Abs(new Vector<double>(query[j]) - Vector.LoadUnsafe(ref bank, (nuint)(j * Lanes)));
                    sum += d * d;
                }

                sum = Vector.SquareRoot(sum);
                break;
            default:
                return GeneralMinkowski(query, bankBlock, p);
        }

        return NanAsInfinity(sum);
    }

    /// <summary>Other exponents: Math.Pow per term, exactly as the scalar definition.</summary>
    private static Vector<double> GeneralMinkowski(ReadOnlySpan<double> query, ReadOnlySpan<double> bankBlock, int p)
    {
        Span<double> sums = stackalloc double[Lanes];
        for (var lane = 0; lane < Lanes; lane++)
        {
            double sum = 0;
            for (var j = 0; j < query.Length; j++)
                sum += Math.Pow(Math.Abs(query[j] - bankBlock[(j * Lanes) + lane]), p);
            sums[lane] = Math.Pow(sum, 1.0 / p);
        }

        return NanAsInfinity(new Vector<double>(sums));
    }

    // NaN (a NaN feature, or ∞ − ∞ against a padding lane) orders as +∞, so the order stays total.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<double> NanAsInfinity(Vector<double> d) =>
        Vector.ConditionalSelect(Vector.Equals(d, d), d, new Vector<double>(double.PositiveInfinity));

    private int LastSegmentStartingAt(int segment)
    {
        // Empty segments share a start with the next one: the row lives in the last of them.
        while (segment + 2 < segmentRows.Length && segmentRows[segment + 1] == segmentRows[segment])
            segment++;
        return segment;
    }

    /// <summary>A max-heap on (distance, row) of at most <see cref="Neighbours.Count"/> entries, in the result arrays.</summary>
    private sealed class BoundedHeap(Neighbours result, int query)
    {
        private readonly int offset = query * result.Count;
        private int size;

        public bool Full => size == result.Count;

        public double Worst => result.Distances[offset];

        public void Offer(double distance, int row)
        {
            var d = result.Distances;
            var r = result.Rows;
            if (size < result.Count)
            {
                // Sift up.
                var i = size++;
                while (i > 0)
                {
                    var parent = (i - 1) / 2;
                    if (!Greater(distance, row, d[offset + parent], r[offset + parent]))
                        break;
                    d[offset + i] = d[offset + parent];
                    r[offset + i] = r[offset + parent];
                    i = parent;
                }

                d[offset + i] = distance;
                r[offset + i] = row;
                return;
            }

            if (!(distance < d[offset]))
                return;
            SiftDown(0, size, distance, row);
        }

        /// <summary>Heap order to ascending (distance, row), in place.</summary>
        public void SortAscending()
        {
            var d = result.Distances;
            var r = result.Rows;
            for (var end = size - 1; end > 0; end--)
            {
                var (topDistance, topRow) = (d[offset], r[offset]);
                SiftDown(0, end, d[offset + end], r[offset + end]);
                d[offset + end] = topDistance;
                r[offset + end] = topRow;
            }
        }

        private void SiftDown(int i, int length, double distance, int row)
        {
            var d = result.Distances;
            var r = result.Rows;
            while (true)
            {
                var child = (2 * i) + 1;
                if (child >= length)
                    break;
                if (child + 1 < length && Greater(d[offset + child + 1], r[offset + child + 1], d[offset + child], r[offset + child]))
                    child++;
                if (!Greater(d[offset + child], r[offset + child], distance, row))
                    break;
                d[offset + i] = d[offset + child];
                r[offset + i] = r[offset + child];
                i = child;
            }

            d[offset + i] = distance;
            r[offset + i] = row;
        }

        private static bool Greater(double d1, int r1, double d2, int r2) => d1 > d2 || (d1 == d2 && r1 > r2);
    }
}

/// <summary>Per query, its nearest rows ascending by (distance, row): entry t of query q at <c>q · Count + t</c>.</summary>
/// <param name="queries">Number of queries.</param>
/// <param name="count">Neighbours per query.</param>
internal sealed class Neighbours(int queries, int count)
{
    /// <summary>Neighbours per query.</summary>
    public int Count { get; } = count;

    /// <summary>Bank row indices.</summary>
    public int[] Rows { get; } = new int[queries * count];

    /// <summary>Their distances.</summary>
    public double[] Distances { get; } = new double[queries * count];
}
