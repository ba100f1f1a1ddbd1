using System.ComponentModel;
using Nona.Abstractions;
using Nona.Abstractions.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static Nona.Abstractions.Torch.HeldScalars;
using static TorchSharp.torch;

namespace Nona.Plugins.Heads;

/// <summary>Options of the <c>mlp</c> projector.</summary>
public sealed class MlpProjectorOptions
{
    /// <summary>Layer widths after the backbone's output; the last one is the embedding size.</summary>
    [Description("layer widths after the input; the last is the embedding size (paper: [200, 25])")]
    public IList<int> Sizes { get; set; } = [200, 25];
}

/// <summary>The paper's projector: per layer BatchNorm1d(in) → Linear(in, out) → Tanh.</summary>
[NonaPlugin("mlp", PluginKind.Projector, Description = "BatchNorm1d → Linear → Tanh per layer (the paper's projector)")]
public sealed class MlpProjectorFactory : PluginFactory<MlpProjectorOptions, Projector>
{
    /// <inheritdoc />
    protected override Projector Create(MlpProjectorOptions options, PluginContext context)
    {
        if (options.Sizes.Count == 0 || options.Sizes.Any(s => s < 1))
            throw new NonaException($"{context.RecipePath}: {context.RecipeKey}.sizes must list at least one width ≥ 1 (got [{string.Join(", ", options.Sizes)}])");
        return new MlpProjector(context.InputDim, options.Sizes);
    }
}

/// <summary>The MLP module; submodules are named <c>net.0</c>, <c>net.1</c>, ... as a PyTorch Sequential.</summary>
public sealed class MlpProjector : Projector
{
    private readonly Sequential net;

    /// <summary>Builds layers <paramref name="inputDim"/> → sizes[0] → ... → sizes[^1].</summary>
    public MlpProjector(long inputDim, IList<int> sizes)
        : base(nameof(MlpProjector))
    {
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        var width = inputDim;
        foreach (var size in sizes)
        {
            var at = layers.Count;
            layers.Add(($"{at}", HeldBatchNorm.OneD(width)));
            layers.Add(($"{at + 1}", nn.Linear(width, size)));
            layers.Add(($"{at + 2}", nn.Tanh()));
            width = size;
        }

        net = nn.Sequential(layers);
        OutputDim = width;
        RegisterComponents();
    }

    /// <inheritdoc />
    public override long OutputDim { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => net.call(input); // (B, in) → (B, OutputDim)

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
            net.Dispose();
        base.Dispose(disposing);
    }
}
