using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Nona.Abstractions;
using Nona.Abstractions.Torch;
using TorchSharp;
using static Nona.Abstractions.Torch.HeldScalars;
using static TorchSharp.torch;

namespace Nona.Plugins.Heads;

/// <summary>Options of the <c>nona</c> head.</summary>
public sealed class NonaHeadOptions
{
    /// <summary>The similarity between a query and a neighbour.</summary>
    [Description("l2 (paper), l1, dot or cos")]
    public SimilarityKind Similarity { get; set; } = SimilarityKind.L2;

    /// <summary>The learned attention mask.</summary>
    [Description("SoftStep mask: none, s1 or s2, with its options (params, normalize)")]
    [PluginKind(PluginKind.SoftStep)]
    public PluginReference Softstep { get; set; } = new("s2");

    /// <summary>Memory for the bank chunks at evaluation, in MiB.</summary>
    [Description("memory for evaluation's (queries × bank chunk) temporaries, MiB: larger banks are read in more chunks, with the same result")]
    [Range(1, 1 << 20)]
    public int EvalMemoryMb { get; set; } = 256;
}

/// <summary>Nearness of Neighbours Attention: a softmax over similarities to labelled neighbours.</summary>
[NonaPlugin("nona", PluginKind.Head, Description = "NONA: softmax(Sim(Z, Z_N) + ln SoftStep) · y_N")]
public sealed class NonaHeadFactory : PluginFactory<NonaHeadOptions, RegressionHead>
{
    /// <inheritdoc />
    protected override RegressionHead Create(NonaHeadOptions options, PluginContext context)
    {
        var mask = context.Plugins.Create<SoftStepMask>(options.Softstep, context with { RecipeKey = context.RecipeKey + ".softstep" });
        return new NonaHead(options.Similarity, mask) { EvalMemoryBytes = options.EvalMemoryMb * (1L << 20) };
    }
}

/// <summary>
/// ŷ = softmax_rows(S + ln mask(S̄)) · y_N with S = Sim(Z, Z_N) (docs/nona-spec: "NONA"). In training the batch is
/// its own neighbour set and each point's self-similarity is −∞, so no point sees its own label. Without gradient
/// (evaluation) the bank is read in chunks (<see cref="BankAttention"/>), so its size is bounded only by memory for the
/// bank itself.
/// </summary>
public sealed class NonaHead : RegressionHead
{
    private readonly SimilarityKind similarity;
    private readonly SoftStepMask softstep;

    /// <summary>Creates the head.</summary>
    public NonaHead(SimilarityKind similarity, SoftStepMask softstep)
        : base(nameof(NonaHead))
    {
        this.similarity = similarity;
        this.softstep = softstep;
        RegisterComponents();
    }

    /// <inheritdoc />
    public override bool UsesNeighbours => true;

    /// <summary>The memory budget of evaluation's bank chunks, in bytes.</summary>
    public long EvalMemoryBytes { get; init; } = 256L << 20;

    /// <inheritdoc />
    public override NeighbourAttention Attend(HeadInput input, int top) =>
        BankAttention.Run(similarity, softstep, input, top, EvalMemoryBytes);

    /// <inheritdoc />
    public override Tensor forward(HeadInput input)
    {
        if (!is_grad_enabled())
        {
            // Evaluation: chunked over the bank, the same numbers Attend explains.
            using var attention = BankAttention.Run(similarity, softstep, input, 0, EvalMemoryBytes);
            return attention.Predictions.clone();
        }

        // Training: the whole (B, N) matrix with the difference-form similarity, whose gradient is exact at 0.
        var neighbours = input.NeighbourEmbeddings ?? throw new InvalidOperationException("NONA needs neighbour embeddings");
        var labels = input.NeighbourLabels ?? throw new InvalidOperationException("NONA needs neighbour labels");
        using var scope = NewDisposeScope();
        var z = input.Embeddings;
        var sim = Similarity.Compute(similarity, z, neighbours); // (B, N)
        sim = sim.Plus(softstep.call(new SoftStepInput(sim, z, input.ExcludeSelf)));
        if (input.ExcludeSelf)
            sim = sim.masked_fill(eye(sim.shape[0], sim.shape[1], ScalarType.Bool, sim.device), Held(double.NegativeInfinity));
        return sim.softmax(1).matmul(labels).MoveToOuterDisposeScope(); // (B)
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
            softstep.Dispose();
        base.Dispose(disposing);
    }
}
