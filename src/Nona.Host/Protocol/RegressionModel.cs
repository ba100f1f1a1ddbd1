using Nona.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace Nona.Host.Protocol;

/// <summary>Backbone → projector → head: the model one head is trained as. State-dict keys start with those names.</summary>
internal sealed class RegressionModel : nn.Module
{
    private readonly FeatureExtractor backbone;
    private readonly Projector projector;
    private readonly RegressionHead head;

    /// <summary>Composes the three parts.</summary>
    public RegressionModel(FeatureExtractor backbone, Projector projector, RegressionHead head)
        : base(nameof(RegressionModel))
    {
        this.backbone = backbone;
        this.projector = projector;
        this.head = head;
        RegisterComponents();
    }

    /// <summary>The backbone's parameters (for its own learning rate).</summary>
    public IEnumerable<TorchSharp.Modules.Parameter> BackboneParameters() => backbone.parameters();

    /// <summary>True for heads that predict from labelled neighbours.</summary>
    public bool UsesNeighbours => head.UsesNeighbours;

    /// <summary>The embedding the head sees: (B, d).</summary>
    public Tensor Embed(InputBatch batch)
    {
        using var scope = NewDisposeScope();
        return projector.call(backbone.call(batch)).MoveToOuterDisposeScope();
    }

    /// <summary>The head's predictions, (B).</summary>
    public Tensor Predict(HeadInput input) => head.call(input);

    /// <summary>The head's top neighbours by weight (<see cref="RegressionHead.Attend"/>); null for a head without neighbours.</summary>
    public NeighbourAttention? Attend(HeadInput input, int top) => head.Attend(input, top);

    /// <summary>The input modality the backbone reads.</summary>
    public string Modality => backbone.Modality;

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            backbone.Dispose();
            projector.Dispose();
            head.Dispose();
        }

        base.Dispose(disposing);
    }
}
