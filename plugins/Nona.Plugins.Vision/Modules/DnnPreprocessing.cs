// The preprocessing ML.NET's DnnImageFeaturizer runs before its ResNet18.onnx (NuGet
// Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1, tools/DnnImageModels/ResNetPrepOnnx/ResNetPreprocess.onnx):
// Split the 0–255 RGB channels, Concat them as BGR, Sub a mean image. The mean image is a full (1, 3, 224, 224)
// per-pixel ImageNet mean in BGR order (channel averages ≈ 103.1, 115.9, 123.2), not a per-channel constant, so it
// is read from that file rather than written here.
using Nona.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace Nona.Plugins.Vision.Modules;

/// <summary>
/// RGB (0–255) → BGR minus the DnnImageFeaturizer mean image: (B, 3, H, W) → (B, 3, H, W), where H×W is the mean
/// image's size (224×224). Apply it before a <see cref="ResNet"/> loaded with <see cref="OnnxResNetImporter"/>; the
/// network expects no other scaling.
/// </summary>
public sealed class DnnPreprocessing : nn.Module<Tensor, Tensor>
{
    // A persistent buffer (state_dict key "mean_image"), so .to(device) moves it with the backbone and Dispose frees
    // it: TorchSharp 0.107's named_buffers skips non-persistent buffers, so Module.to and Module.Dispose never see them.
    private const string MeanImage = "mean_image";

    /// <summary>Wraps a (1, 3, H, W) mean image in BGR order, 0–255; the tensor is copied.</summary>
    public DnnPreprocessing(Tensor meanImage)
        : base(nameof(DnnPreprocessing))
    {
        if (meanImage.dim() != 4 || meanImage.shape[0] != 1 || meanImage.shape[1] != 3)
            throw new ArgumentException($"the mean image must have shape (1, 3, H, W), got ({string.Join(", ", meanImage.shape)})", nameof(meanImage));
        Height = meanImage.shape[2];
        Width = meanImage.shape[3];
        register_buffer(MeanImage, meanImage.detach().clone());
        RegisterComponents();
    }

    /// <summary>The image height the mean image (and so the model) expects.</summary>
    public long Height { get; }

    /// <summary>The image width the mean image (and so the model) expects.</summary>
    public long Width { get; }

    /// <summary>
    /// Reads the mean image from <c>ResNetPreprocess.onnx</c>, after checking that the graph is exactly
    /// Split(axis 1) → Concat(B, G, R) → Sub(mean image).
    /// </summary>
    /// <exception cref="InvalidDataException">The graph does anything else.</exception>
    public static DnnPreprocessing Load(string onnxPath)
    {
        var graph = OnnxModel.Load(onnxPath).Graph;
        var ops = string.Join(" → ", graph.Nodes.Select(n => n.OpType));
        InvalidDataException Unexpected(string why) =>
            new($"{onnxPath}: expected Split → Concat (B, G, R) → Sub (mean image), found {ops} ({why})");

        if (graph.Nodes.Count != 3 || graph.Inputs.Count(i => !graph.Initializers.ContainsKey(i.Name)) != 1)
            throw Unexpected("node or input count");
        var (split, concat, sub) = (graph.Nodes[0], graph.Nodes[1], graph.Nodes[2]);
        var input = graph.Inputs.Single(i => !graph.Initializers.ContainsKey(i.Name)).Name;
        if (split.OpType != "Split" || split.Int("axis", 0) != 1 || split.Outputs.Count != 3 || split.Inputs[0] != input)
            throw Unexpected("the input is not split into its three channels");
        if (split.Ints("split", [1, 1, 1]).Any(s => s != 1))
            throw Unexpected("the split is not one channel each");
        if (concat.OpType != "Concat" || concat.Int("axis", 0) != 1 || !concat.Inputs.SequenceEqual(split.Outputs.Reverse()))
            throw Unexpected("the channels are not concatenated in reverse (RGB → BGR)");
        if (sub.OpType != "Sub" || sub.Inputs.Count != 2 || sub.Inputs[0] != concat.Outputs[0]
            || !graph.Initializers.TryGetValue(sub.Inputs[1], out var mean) || graph.Outputs.Single().Name != sub.Outputs[0])
            throw Unexpected("the output is not the BGR image minus a constant");

        using var meanImage = torch.tensor(mean.ToFloats(), [.. mean.Dims]);
        return new DnnPreprocessing(meanImage);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        if (input.dim() != 4 || input.shape[1] != 3 || input.shape[2] != Height || input.shape[3] != Width)
            throw new ArgumentException($"expected RGB images of shape (B, 3, {Height}, {Width}) in 0–255, got ({string.Join(", ", input.shape)})", nameof(input));
        using var scope = NewDisposeScope();
        var bgr = input.flip(1); // (B, 3, H, W), channels R, G, B → B, G, R
        return (bgr - get_buffer(MeanImage)!).MoveToOuterDisposeScope();
    }
}
