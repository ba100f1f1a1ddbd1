using Nona.Abstractions;
using static TorchSharp.torch;

namespace Nona.Plugins.Tabular;

/// <summary>The identity backbone has no options.</summary>
public sealed class IdentityOptions
{
}

/// <summary>For inputs that are already feature vectors: passes them to the projector unchanged.</summary>
[NonaPlugin("identity", PluginKind.Backbone, Description = "no feature extractor: vector inputs go straight to the projector")]
public sealed class IdentityBackboneFactory : PluginFactory<IdentityOptions, FeatureExtractor>
{
    /// <inheritdoc />
    protected override FeatureExtractor Create(IdentityOptions options, PluginContext context) => new IdentityBackbone(context.InputDim);
}

/// <summary>Returns the input vectors.</summary>
public sealed class IdentityBackbone(long dim) : FeatureExtractor(nameof(IdentityBackbone))
{
    /// <inheritdoc />
    public override long OutputDim => dim;

    /// <inheritdoc />
    public override string Modality => "vector";

    /// <inheritdoc />
    public override Tensor forward(InputBatch input) => input.Values.alias();
}
