using Nona.Abstractions;
using Nona.Abstractions.Torch;
using TorchSharp;
using static Nona.Abstractions.Torch.HeldScalars;
using static TorchSharp.torch;

namespace Nona.Plugins.Heads;

/// <summary>
/// NONA at evaluation over a bank of any size (docs/nona-spec: "Evaluation over a large bank"): the bank is read in
/// chunks of columns sized from a memory budget, so no (B, N) or (B, N, d) tensor exists at once. SoftStep normalises
/// each row by its min/max over all N, so a first pass finds them; a second pass accumulates the softmax online
/// (log-sum-exp with a running max) together with Σ w·y, Σ w², the rejected count and the running top-k.
/// </summary>
public static class BankAttention
{
    // Live (B, n) tensors per bank chunk in the second pass (similarity, SoftStep's temporaries, logits, weights…):
    // the chunk width is the budget divided by this many entries per column.
    private const int TemporariesPerEntry = 16;

    /// <summary>Predictions and, for <paramref name="top"/> &gt; 0, each query's top neighbours by weight.</summary>
    public static NeighbourAttention Run(SimilarityKind kind, SoftStepMask softstep, HeadInput input, int top, long memoryBytes)
    {
        var bank = input.NeighbourEmbeddings ?? throw new InvalidOperationException("NONA needs neighbour embeddings");
        var labels = input.NeighbourLabels ?? throw new InvalidOperationException("NONA needs neighbour labels");
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var z = input.Embeddings;
        var queries = z.shape[0];
        var total = bank.shape[0];
        var width = ChunkWidth(queries, total, z.element_size(), memoryBytes, input.ExcludeSelf);
        var range = softstep.UsesRowRange && width < total ? RowRange(kind, z, bank, width, input.ExcludeSelf) : null;

        using var state = new Accumulator(queries, Math.Min(top, (int)total), z);
        for (long start = 0; start < total; start += width)
        {
            using var chunkScope = NewDisposeScope();
            var count = Math.Min(width, total - start);
            var sim = Similarity.ComputeForEvaluation(kind, z, bank.narrow(0, start, count));
            // The queries' own entries are the bank's first B rows (HeadInput.ExcludeSelf), all inside chunk 0.
            var self = input.ExcludeSelf && start == 0 ? eye(queries, count, ScalarType.Bool, z.device) : null;
            var logMask = softstep.call(new SoftStepInput(sim, z, self is not null, range));
            var logits = sim.Plus(logMask);
            if (self is not null)
                logits = logits.masked_fill(self, Held(double.NegativeInfinity));
            var rejected = logMask < Held(Math.Log(NeighbourAttention.RejectedBelow));
            if (self is not null)
                rejected = rejected.logical_and(self.logical_not());
            state.Add(start, logits, sim, logMask, labels.narrow(0, start, count), rejected);
        }

        return state.Finish().MoveToOuterScope();
    }

    /// <summary>Bank rows per chunk: the budget over B × element size × temporaries, at least B when the queries' own entries must share chunk 0.</summary>
    public static long ChunkWidth(long queries, long total, long elementSize, long memoryBytes, bool excludeSelf)
    {
        var width = memoryBytes / Math.Max(1, queries * elementSize * TemporariesPerEntry);
        width = Math.Max(width, excludeSelf ? queries : 1);
        return Math.Clamp(width, 1, Math.Max(total, 1));
    }

    // The first pass: each row's min/max over the whole bank, and without the query's own entry.
    private static SimilarityRowRange RowRange(SimilarityKind kind, Tensor z, Tensor bank, long width, bool excludeSelf)
    {
        var queries = z.shape[0];
        var min = full([queries, 1], Held(double.PositiveInfinity), z.dtype, z.device);
        var max = full([queries, 1], Held(double.NegativeInfinity), z.dtype, z.device);
        var othersMin = min.clone();
        var othersMax = max.clone();
        for (long start = 0; start < bank.shape[0]; start += width)
        {
            using var chunkScope = NewDisposeScope();
            var count = Math.Min(width, bank.shape[0] - start);
            var sim = Similarity.ComputeForEvaluation(kind, z, bank.narrow(0, start, count));
            var chunkMin = sim.amin([1], keepdim: true);
            var chunkMax = sim.amax([1], keepdim: true);
            Tensor chunkOthersMin = chunkMin, chunkOthersMax = chunkMax;
            if (excludeSelf && start == 0)
            {
                var self = eye(queries, count, ScalarType.Bool, z.device);
                chunkOthersMin = sim.masked_fill(self, Held(double.PositiveInfinity)).amin([1], keepdim: true);
                chunkOthersMax = sim.masked_fill(self, Held(double.NegativeInfinity)).amax([1], keepdim: true);
            }

            // Each result is a new tensor, moved once to the caller's scope; the previous ones stay there, small.
            min = minimum(min, chunkMin).MoveToOuterDisposeScope();
            max = maximum(max, chunkMax).MoveToOuterDisposeScope();
            othersMin = minimum(othersMin, chunkOthersMin).MoveToOuterDisposeScope();
            othersMax = maximum(othersMax, chunkOthersMax).MoveToOuterDisposeScope();
        }

        return new SimilarityRowRange(min, max, othersMin, othersMax);
    }

    /// <summary>
    /// The running softmax of the second pass, shifted by each row's running max of the logits. Its tensors live
    /// outside every dispose scope (they outlast each chunk's scope) and are disposed as they are replaced.
    /// </summary>
    private sealed class Accumulator : IDisposable
    {
        private readonly int top;
        private Tensor shift;
        private Tensor weightSum;
        private Tensor labelSum;
        private Tensor squareSum;
        private Tensor rejected;
        private Tensor topLogits;
        private Tensor topIndices;
        private Tensor topSimilarities;
        private Tensor topLogMasks;

        public Accumulator(long queries, int top, Tensor like)
        {
            this.top = top;
            shift = Kept(full([queries, 1], Held(double.NegativeInfinity), like.dtype, like.device));
            weightSum = Kept(zeros(queries, like.dtype, like.device));
            labelSum = Kept(zeros(queries, like.dtype, like.device));
            squareSum = Kept(zeros(queries, like.dtype, like.device));
            rejected = Kept(zeros(queries, ScalarType.Int64, like.device));
            topLogits = Kept(empty(queries, 0, like.dtype, like.device));
            topIndices = Kept(empty(queries, 0, ScalarType.Int64, like.device));
            topSimilarities = Kept(empty(queries, 0, like.dtype, like.device));
            topLogMasks = Kept(empty(queries, 0, like.dtype, like.device));
        }

        public void Add(long start, Tensor logits, Tensor sim, Tensor logMask, Tensor labels, Tensor rejectedEntries)
        {
            var newShift = maximum(shift, logits.amax([1], keepdim: true));
            // A row whose entries so far are all −∞ (S1 can reject a whole chunk) keeps a shift of 0: −∞ − −∞ is NaN.
            var safe = where(newShift.isinf(), zeros_like(newShift), newShift);
            var rescale = (shift - safe).exp().squeeze(1);
            var weights = (logits - safe).exp();
            Replace(ref weightSum, (weightSum * rescale).Plus(weights.sum(1)));
            Replace(ref labelSum, (labelSum * rescale).Plus(weights.matmul(labels)));
            Replace(ref squareSum, (squareSum * rescale * rescale).Plus(weights.pow(Held(2L)).sum(1)));
            Replace(ref rejected, rejected.Plus(rejectedEntries.sum(1, type: ScalarType.Int64)));
            Replace(ref shift, safe);
            if (top > 0)
                KeepTop(start, logits, sim, logMask);
        }

        /// <summary>The results, as new tensors in the caller's dispose scope.</summary>
        public NeighbourAttention Finish()
        {
            var logNormaliser = shift.squeeze(1).Plus(weightSum.log());
            return new NeighbourAttention(
                labelSum / weightSum,
                topIndices.clone(),
                (topLogits - logNormaliser.unsqueeze(1)).exp(),
                topSimilarities.clone(),
                topLogMasks.exp(),
                weightSum.pow(Held(2L)) / squareSum,
                rejected.clone());
        }

        public void Dispose()
        {
            foreach (var t in new[] { shift, weightSum, labelSum, squareSum, rejected, topLogits, topIndices, topSimilarities, topLogMasks })
                t.Dispose();
        }

        private static Tensor Kept(Tensor t) => t.DetachFromDisposeScope();

        private static void Replace(ref Tensor field, Tensor value)
        {
            var old = field;
            field = Kept(value);
            old.Dispose();
        }

        private void KeepTop(long start, Tensor logits, Tensor sim, Tensor logMask)
        {
            using var offset = start.ToScalar(); // offsets vary per chunk: a local, not a process-long HeldScalars entry
            var columns = HeldArithmetic.Arange(logits.shape[1], ScalarType.Int64, logits.device).Plus(offset).unsqueeze(0).expand(logits.shape[0], -1);
            var candidates = cat([topLogits, logits], 1);
            var (values, order) = candidates.topk(Math.Min(top, (int)candidates.shape[1]), dim: 1, largest: true, sorted: true);
            Replace(ref topIndices, cat([topIndices, columns], 1).gather(1, order));
            Replace(ref topSimilarities, cat([topSimilarities, sim], 1).gather(1, order));
            Replace(ref topLogMasks, cat([topLogMasks, logMask], 1).gather(1, order));
            Replace(ref topLogits, values);
        }
    }
}

/// <summary>Moving a finished attention out of the scope that computed it.</summary>
public static class NeighbourAttentionScope
{
    /// <summary>Moves every tensor of <paramref name="attention"/> to the caller's dispose scope.</summary>
    public static NeighbourAttention MoveToOuterScope(this NeighbourAttention attention)
    {
        foreach (var t in new[] { attention.Predictions, attention.Indices, attention.Weights, attention.Similarities, attention.Masks, attention.EffectiveNeighbours, attention.Rejected })
            t.MoveToOuterDisposeScope();
        return attention;
    }
}
