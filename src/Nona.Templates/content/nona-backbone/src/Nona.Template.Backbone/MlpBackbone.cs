using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Nona.Abstractions;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nona.Template.Backbone;

/// <summary>Options of the <c>template-backbone</c> backbone.</summary>
public sealed class MlpBackboneOptions
{
    /// <summary>Width of the hidden layer.</summary>
    [Description("width of the hidden layer")]
    [Range(1, 4096)]
    public int Hidden { get; set; } = 64;

    /// <summary>Width of the features handed to the projector.</summary>
    [Description("width of the output features")]
    [Range(1, 4096)]
    public int OutputDim { get; set; } = 16;
}

/// <summary>Exports the backbone to the nona host under the name recipes use.</summary>
[NonaPlugin("template-backbone", PluginKind.Backbone, Description = "two-layer MLP for vector inputs: Linear -> ReLU -> Linear, trained with the head")]
public sealed class MlpBackboneFactory : PluginFactory<MlpBackboneOptions, FeatureExtractor>
{
    /// <inheritdoc />
    protected override FeatureExtractor Create(MlpBackboneOptions options, PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(context);
        if (context.InputDim < 1)
            throw new NonaException($"{context.Where}: template-backbone reads vector inputs, and this dataset's have no width; use it with a vector dataset (csv, synthetic)");
        return new MlpBackbone(context.InputDim, options.Hidden, options.OutputDim, context.DType);
    }
}

/// <summary>(B, d) vectors → (B, OutputDim) features: Linear → ReLU → Linear.</summary>
public sealed class MlpBackbone : FeatureExtractor
{
    private readonly Linear hidden;
    private readonly Linear output;

    /// <summary>Creates the layers for <paramref name="inputDim"/>-wide inputs.</summary>
    public MlpBackbone(long inputDim, int hiddenDim, int outputDim, ScalarType dtype = ScalarType.Float32)
        : base(nameof(MlpBackbone))
    {
        hidden = nn.Linear(inputDim, hiddenDim, dtype: dtype);
        output = nn.Linear(hiddenDim, outputDim, dtype: dtype);
        OutputDim = outputDim;
        RegisterComponents();
    }

    /// <inheritdoc />
    public override long OutputDim { get; }

    /// <summary>Reads the datasets whose inputs are numeric vectors.</summary>
    public override string Modality => "vector";

    /// <summary>The hidden layer (for tests and inspection).</summary>
    public Linear Hidden => hidden;

    /// <summary>The output layer.</summary>
    public Linear Output => output;

    /// <inheritdoc />
    public override Tensor forward(InputBatch input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = NewDisposeScope();
        return output.forward(nn.functional.relu(hidden.forward(input.Values))).MoveToOuterDisposeScope();
    }
}
