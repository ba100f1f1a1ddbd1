using TorchSharp;
using static TorchSharp.torch;

namespace Nona.Abstractions;

/// <summary>
/// A backbone: maps a batch of inputs to pooled feature vectors (B, <see cref="OutputDim"/>). Its parameters are
/// trained with the rest of the model unless the backbone freezes them itself.
/// </summary>
public abstract class FeatureExtractor(string name) : nn.Module<InputBatch, Tensor>(name)
{
    /// <summary>Width of the pooled feature vector.</summary>
    public abstract long OutputDim { get; }

    /// <summary>The input modality this backbone accepts (see <see cref="InputSource.Modality"/>).</summary>
    public abstract string Modality { get; }

    /// <summary>
    /// True when the backbone is not trained (<c>trainable: false</c>): the host then computes each sample's
    /// features once, in eval mode, caches them (on disk when <see cref="Fingerprint"/> and the inputs' fingerprint
    /// are known) and trains only the projector and head on them, for every split.
    /// </summary>
    public virtual bool Frozen => false;

    /// <summary>Identifies the weights and preprocessing (e.g. a hash of the weight file and the options), or null.</summary>
    public virtual string? Fingerprint => null;

    /// <summary>
    /// Turns a dataset's inputs into what <c>forward</c> reads, once per dataset before any training (e.g. a text
    /// backbone tokenises a <see cref="TextSource"/> with its own vocabulary). The default returns them unchanged.
    /// Messages about the inputs (texts truncated, …) go to <paramref name="note"/>.
    /// </summary>
    public virtual InputSource Prepare(InputSource inputs, Action<string> note) => inputs;
}

/// <summary>The MLP between backbone and head: (B, in) → (B, <see cref="OutputDim"/>), the embedding the head sees.</summary>
public abstract class Projector(string name) : nn.Module<Tensor, Tensor>(name)
{
    /// <summary>Width of the embedding.</summary>
    public abstract long OutputDim { get; }
}

/// <summary>
/// A trainable regression head: maps embeddings (B, d) to predictions (B) of labels scaled to [0, 1].
/// </summary>
public abstract class RegressionHead(string name) : nn.Module<HeadInput, Tensor>(name)
{
    /// <summary>
    /// True when predictions are computed from labelled neighbours (NONA). The host then passes the batch itself
    /// as neighbours in training (<see cref="HeadInput.ExcludeSelf"/> true) and the neighbour bank (train, or
    /// train+val) at evaluation — with ExcludeSelf true when the queries are themselves in the bank.
    /// </summary>
    public virtual bool UsesNeighbours => false;

    /// <summary>
    /// Where each prediction's weight went: for each query the <paramref name="top"/> neighbours with the largest
    /// attention weights, and what the whole row's weights add up to — computed exactly as <c>forward</c> computes
    /// the prediction, without gradient. Null for a head that does not attend to neighbours (the default).
    /// <paramref name="input"/> is as for <c>forward</c> at evaluation (a bank, <c>ExcludeSelf</c> when the queries
    /// are its first rows).
    /// </summary>
    public virtual NeighbourAttention? Attend(HeadInput input, int top) => null;
}

/// <summary>What a head sees.</summary>
/// <param name="Embeddings">Query embeddings Z, (B, d).</param>
/// <param name="NeighbourEmbeddings">Neighbour embeddings Z_N, (N, d); the batch itself in training.</param>
/// <param name="NeighbourLabels">Neighbour labels y_N, (N), scaled to [0, 1].</param>
/// <param name="ExcludeSelf">
/// True when each query is also a neighbour and must not see its own label: query j's own entry is neighbour j, so
/// the head masks the diagonal of its (B, N) similarities. In training Z_N = Z (N = B); when validation rows are
/// scored against a train+val bank, the host puts the queries' own entries first (N ≥ B).
/// </param>
public sealed record HeadInput(Tensor Embeddings, Tensor? NeighbourEmbeddings, Tensor? NeighbourLabels, bool ExcludeSelf);

/// <summary>
/// NONA's learned attention mask: returns ln(mask) for a similarity matrix, added to it before the softmax
/// (see docs/nona-spec: <c>S ← S + ln(mask(S̄))</c>). Entries may be −∞ but never a whole row, and gradients
/// must stay finite. A head that reads a large bank in chunks passes each chunk's similarities with the whole row's
/// <see cref="SimilarityRowRange"/>, and the mask must then give the same values as on the whole row at once.
/// </summary>
public abstract class SoftStepMask(string name) : nn.Module<SoftStepInput, Tensor>(name)
{
    /// <summary>
    /// False when the mask never reads the row min/max of S (e.g. no mask): a chunked head then skips its first
    /// pass over the bank.
    /// </summary>
    public virtual bool UsesRowRange => true;
}

/// <summary>What a SoftStep mask sees.</summary>
/// <param name="Similarity">S = Sim(Z, Z_N), (B, N), before any self-masking.</param>
/// <param name="Embeddings">The query embeddings Z, (B, d), for pointwise parameters.</param>
/// <param name="ExcludeSelf">As <see cref="HeadInput.ExcludeSelf"/>: the (B, N) diagonal is the point itself.</param>
/// <param name="RowRange">
/// The min/max of S over each query's whole row when <paramref name="Similarity"/> holds only some of its columns
/// (a chunk of a large bank); null when it holds the whole row, and the mask computes them itself.
/// </param>
public sealed record SoftStepInput(Tensor Similarity, Tensor Embeddings, bool ExcludeSelf, SimilarityRowRange? RowRange = null);

/// <summary>Per-row statistics of S = Sim(Z, Z_N) over the whole bank, each (B, 1).</summary>
/// <param name="Min">The row min over every neighbour.</param>
/// <param name="Max">The row max over every neighbour.</param>
/// <param name="OthersMin">The row min without the query's own entry (equal to <paramref name="Min"/> when the query is not in the bank).</param>
/// <param name="OthersMax">The row max without the query's own entry.</param>
public sealed record SimilarityRowRange(Tensor Min, Tensor Max, Tensor OthersMin, Tensor OthersMax);
