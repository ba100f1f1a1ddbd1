using Nona.Abstractions;
using Nona.Abstractions.Torch;
using Nona.Plugins.Vision.Modules;
using TorchSharp;
using static Nona.Abstractions.Torch.HeldScalars;
using static TorchSharp.torch;

namespace Nona.Plugins.Vision.Backbones;

/// <summary>
/// The <c>resnet18-dnn</c> weights preset: the ImageNet ResNet that NuGet Microsoft.ML.DnnImageFeaturizer.ResNet18
/// 0.23.1 ships as ONNX (a CNTK export, blocks [2, 2, 2, 3]), imported into our <see cref="ResNet"/>, with its own
/// preprocessing (RGB → BGR, minus a 224×224 mean image). The files ship in this plugin's folder: no download.
/// </summary>
internal static class DnnResNet18
{
    /// <summary>The version of the package the files come from.</summary>
    public const string Provenance = "Microsoft.ML.DnnImageFeaturizer.ResNet18/0.23.1";

    /// <summary>Where the plugin keeps the two ONNX files.</summary>
    public static string Folder => Path.Combine(Path.GetDirectoryName(typeof(DnnResNet18).Assembly.Location)!, "models", "dnn-resnet18");

    /// <summary>Builds the backbone from the shipped files.</summary>
    public static FeatureExtractor Create(ResNetOptions options, PluginContext context)
    {
        var where = context.Where;
        var model = Path.Combine(Folder, "ResNet18.onnx");
        var preprocessing = Path.Combine(Folder, "ResNetPreprocess.onnx");
        if (!File.Exists(model) || !File.Exists(preprocessing))
            throw new NonaException($"{where}.weights: resnet18-dnn needs {model} and {preprocessing} (shipped with the vision plugin from {Provenance}); rebuild the plugin");
        if (options.Blocks.Count > 0 && !options.Blocks.SequenceEqual([2, 2, 2, 3]))
            throw new NonaException($"{where}.blocks: resnet18-dnn has blocks [2, 2, 2, 3]; remove blocks or set it to that");
        var network = OnnxResNetImporter.LoadResNet(model);
        try
        {
            ResNetBackboneFactory.Freeze(network, options.FreezeUntil, where);
            var preprocess = new DnnInput(DnnPreprocessing.Load(preprocessing));
            return new ImageBackbone(network, ResNet.FeatureDim, options.Mean, options.Std, !options.Trainable, Provenance, preprocess);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>[0, 1] RGB → 0–255 → the featurizer's preprocessing, with a clear error for other image sizes.</summary>
    private sealed class DnnInput : nn.Module<Tensor, Tensor>
    {
        private readonly DnnPreprocessing dnn;

        public DnnInput(DnnPreprocessing dnn)
            : base(nameof(DnnInput))
        {
            this.dnn = dnn;
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            if (input.shape[2] != dnn.Height || input.shape[3] != dnn.Width)
                throw new NonaException($"weights resnet18-dnn expects {dnn.Height}×{dnn.Width} images (its mean image), got {input.shape[2]}×{input.shape[3]}: set the dataset's image_size: {dnn.Height}");
            using var scope = NewDisposeScope();
            return dnn.call(input * Held(255L)).MoveToOuterDisposeScope();
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                dnn.Dispose();
            base.Dispose(disposing);
        }
    }
}
