// Imports the ImageNet ResNet that ML.NET's DnnImageFeaturizer ships (NuGet Microsoft.ML.DnnImageFeaturizer.ResNet18
// 0.23.1, tools/DnnImageModels/ResNet18Onnx/ResNet18.onnx: a CNTK export, ONNX opset 8, input (1, 3, 224, 224),
// output (1, 512, 1, 1)) as a torchvision-style state dict. Its initializers have opaque names (Parameter91,
// Constant98, ...), so the importer walks the graph from its input and names each tensor by the role of the node that
// uses it; every step checks the op, kernel, stride, padding and shape it expects, so another graph fails loudly.
using Nona.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace Nona.Plugins.Vision.Modules;

/// <summary>Converts a BasicBlock ResNet stored as ONNX (Conv + BatchNormalization, unfolded) into ResNet weights.</summary>
public static class OnnxResNetImporter
{
    /// <summary>
    /// Reads <paramref name="onnxPath"/> and returns its weights under torchvision's state_dict keys (no <c>fc</c>),
    /// ready for <see cref="ResNet.LoadWeights"/>. The DnnImageFeaturizer model has blocks [2, 2, 2, 3]. The caller owns
    /// (and disposes) the returned tensors.
    /// </summary>
    /// <exception cref="InvalidDataException">The graph is not a ResNet that torchvision's forward reproduces.</exception>
    public static Dictionary<string, Tensor> Import(string onnxPath) => new GraphWalk(OnnxModel.Load(onnxPath).Graph, onnxPath).Run();

    /// <summary>Builds a <see cref="ResNet"/> with the block counts found in <paramref name="onnxPath"/> and loads its weights.</summary>
    public static ResNet LoadResNet(string onnxPath)
    {
        var weights = Import(onnxPath);
        try
        {
            var blocks = Enumerable.Range(1, 4)
                .Select(s => weights.Keys.Where(k => k.StartsWith($"layer{s}.", StringComparison.Ordinal)).Select(k => k.Split('.')[1]).Distinct().Count())
                .ToArray();
            var net = new ResNet(blocks);
            net.LoadWeights(weights);
            return net;
        }
        finally
        {
            foreach (var tensor in weights.Values)
                tensor.Dispose();
        }
    }

    // One pass over the graph: stem, then residual blocks until the final pooling. Spatial sizes are tracked so that
    // CNTK's explicit paddings can be checked against torchvision's (see Window).
    private sealed class GraphWalk
    {
        private const string BatchNormalization = "BatchNormalization";
        private readonly OnnxGraph graph;
        private readonly string source;
        private readonly Dictionary<string, List<OnnxNode>> consumers = [];
        private readonly Dictionary<string, Tensor> weights = [];

        public GraphWalk(OnnxGraph graph, string source)
        {
            this.graph = graph;
            this.source = source;
            foreach (var node in graph.Nodes)
            {
                foreach (var input in node.Inputs)
                {
                    if (!consumers.TryGetValue(input, out var list))
                        consumers[input] = list = [];
                    list.Add(node);
                }
            }
        }

        public Dictionary<string, Tensor> Run()
        {
            try
            {
                var (x, size) = Stem();
                Blocks(x, size);
                return weights;
            }
            catch
            {
                foreach (var tensor in weights.Values)
                    tensor.Dispose();
                throw;
            }
        }

        // conv1 7×7/2 pad 3 → bn1 → ReLU → MaxPool 3×3/2 pad 1, as in torchvision.
        private (string Output, (long H, long W) Size) Stem()
        {
            var input = graph.Inputs.FirstOrDefault(i => !graph.Initializers.ContainsKey(i.Name))
                ?? throw Fail("the graph has no image input");
            if (input.Shape.Count != 4 || input.Shape[1] != 3)
                throw Fail($"input {input.Name} has shape [{string.Join(", ", input.Shape)}], expected [N, 3, H, W]");
            var conv = Only(input.Name, "Conv", $"input {input.Name}");
            var size = Window(conv, kernel: 7, stride: 2, pad: 3, (input.Shape[2], input.Shape[3]));
            Conv("conv1", conv, 64, 3);
            var bn = Next(conv, BatchNormalization);
            BatchNorm("bn1", bn, 64);
            var pool = Next(Next(bn, "Relu"), "MaxPool");
            if (pool.Int("ceil_mode", 0) != 0)
                throw Fail($"{pool.Name} rounds its output size up (ceil_mode); torchvision's max pool rounds down");
            size = Window(pool, kernel: 3, stride: 2, pad: 1, size);
            return (pool.Outputs[0], size);
        }

        // A block is conv 3×3 → BN → ReLU → conv 3×3 → BN → Add(shortcut) → ReLU. A block with a 1×1 projection
        // shortcut starts a new stage (torchvision adds one exactly when the width or resolution changes). The graph
        // lists the projection before conv1, so nodes are matched by structure, never by their order in the file.
        private void Blocks(string x, (long H, long W) size)
        {
            var stage = -1;
            var block = 0;
            long channels = 64;
            while (true)
            {
                var next = Consumers(x);
                if (next.Count == 1 && next[0].OpType is "AveragePool" or "GlobalAveragePool")
                {
                    GlobalPool(next[0], size);
                    break;
                }

                var main = next.SingleOrDefault(n => n.OpType == "Conv" && n.Ints("kernel_shape", []).SequenceEqual([3L, 3L]));
                var shortcut = next.SingleOrDefault(n => n.OpType == "Conv" && n.Ints("kernel_shape", []).SequenceEqual([1L, 1L]));
                if (main is null)
                    throw Fail($"expected a residual block or the final pooling after {x}, found [{string.Join(", ", next.Select(n => $"{n.Name} ({n.OpType})"))}]");
                if (shortcut is not null || stage < 0)
                    (stage, block) = (stage + 1, 0);
                if (stage > 3)
                    throw Fail($"{main.Name} starts a fifth stage; a ResNet has four");

                var planes = 64L << stage;
                var stride = stage > 0 && block == 0 ? 2 : 1;
                var prefix = $"layer{stage + 1}.{block}";
                var blockInput = size;
                size = Window(main, kernel: 3, stride: stride, pad: 1, blockInput);
                Conv($"{prefix}.conv1", main, planes, channels);
                var bn1 = Next(main, BatchNormalization);
                BatchNorm($"{prefix}.bn1", bn1, planes);
                var conv2 = Next(Next(bn1, "Relu"), "Conv");
                Window(conv2, kernel: 3, stride: 1, pad: 1, size);
                Conv($"{prefix}.conv2", conv2, planes, planes);
                var bn2 = Next(conv2, BatchNormalization);
                BatchNorm($"{prefix}.bn2", bn2, planes);
                var add = Next(bn2, "Add");
                if (add.Inputs.Count != 2)
                    throw Fail($"{add.Name} adds {add.Inputs.Count} tensors, a residual add has 2");
                var residual = add.Inputs[0] == bn2.Outputs[0] ? add.Inputs[1] : add.Inputs[0];

                if (shortcut is null)
                {
                    if (residual != x || stride != 1 || channels != planes)
                        throw Fail($"{add.Name} adds {residual} where {prefix} needs the identity shortcut {x}");
                }
                else
                {
                    var shortcutBn = Next(shortcut, BatchNormalization);
                    if (residual != shortcutBn.Outputs[0])
                        throw Fail($"{add.Name} adds {residual} where {prefix} needs its projection {shortcutBn.Outputs[0]}");
                    if (Window(shortcut, kernel: 1, stride: stride, pad: 0, blockInput) != size)
                        throw Fail($"{shortcut.Name} and {main.Name} give different output sizes");
                    Conv($"{prefix}.downsample.0", shortcut, planes, channels);
                    BatchNorm($"{prefix}.downsample.1", shortcutBn, planes);
                }

                x = Next(add, "Relu").Outputs[0];
                channels = planes;
                block++;
            }

            if (stage != 3)
                throw Fail($"found {stage + 1} stages before the final pooling; a ResNet has four");
        }

        // torchvision ends with AdaptiveAvgPool2d(1): an average over the whole last feature map.
        private void GlobalPool(OnnxNode pool, (long H, long W) size)
        {
            if (pool.OpType == "AveragePool")
            {
                var kernel = pool.Ints("kernel_shape", []);
                if (!kernel.SequenceEqual([size.H, size.W]) || pool.Ints("pads", [0, 0, 0, 0]).Any(p => p != 0))
                    throw Fail($"{pool.Name} averages {string.Join("×", kernel)} windows with pads [{string.Join(", ", pool.Ints("pads", []))}] over a {size.H}×{size.W} map; torchvision averages the whole map");
            }

            if (!graph.Outputs.Any(o => o.Name == pool.Outputs[0]))
                throw Fail($"{pool.Name} is not the graph's output; layers after the pooling are not supported");
        }

        // Checks a Conv/MaxPool window against torchvision's (kernel k, stride s, pad p on every side) and returns the
        // output size. CNTK exports "same" padding computed for the graph's fixed input, so an end padding can be
        // smaller than torchvision's (the stem has pads [3, 3, 2, 2], each stride-2 3×3 conv [1, 1, 0, 0], the max
        // pool [1, 1, 0, 0]). Windows start at the same offsets either way; when both paddings give the same number of
        // outputs, the last window ends inside the shorter padding, so torchvision's extra end row/column is never
        // read and the results are identical. That is checked here for the graph's own input size (224: every stage
        // sees an even size); any other combination is an error rather than a silent difference.
        private (long H, long W) Window(OnnxNode node, long kernel, long stride, long pad, (long H, long W) size)
        {
            var kernelShape = node.Ints("kernel_shape", []);
            var strides = node.Ints("strides", [1, 1]);
            var pads = node.Ints("pads", [0, 0, 0, 0]);
            if (!kernelShape.SequenceEqual([kernel, kernel]) || !strides.SequenceEqual([stride, stride]))
                throw Fail($"{node.Name} ({node.OpType}) has kernel [{string.Join(", ", kernelShape)}] and strides [{string.Join(", ", strides)}]; expected {kernel}×{kernel} with stride {stride}");
            if (node.Ints("dilations", [1, 1]).Any(d => d != 1) || node.Int("group", 1) != 1)
                throw Fail($"{node.Name} ({node.OpType}) is dilated or grouped; torchvision's ResNet convolutions are neither");
            if (node.Attributes.TryGetValue("auto_pad", out var autoPad) && autoPad.S is not ("" or "NOTSET"))
                throw Fail($"{node.Name} ({node.OpType}) uses auto_pad {autoPad.S}; only explicit pads are supported");
            if (pads.Count != 4 || pads[0] != pad || pads[1] != pad)
                throw Fail($"{node.Name} ({node.OpType}) has pads [{string.Join(", ", pads)}]; torchvision pads {pad} before each axis");

            long Out(long n, long end, string axis)
            {
                if (n <= 0)
                    throw Fail($"{node.Name} ({node.OpType}): the graph's input has no fixed {axis}, so its pads [{string.Join(", ", pads)}] cannot be checked");
                var ours = ((n + (2 * pad) - kernel) / stride) + 1;
                var theirs = ((n + pad + end - kernel) / stride) + 1;
                if (ours != theirs)
                    throw Fail($"{node.Name} ({node.OpType}) has pads [{string.Join(", ", pads)}], which on a {axis} of {n} give {theirs} outputs where torchvision's padding {pad} gives {ours}");
                return ours;
            }

            return (Out(size.H, pads[2], "height"), Out(size.W, pads[3], "width"));
        }

        private void Conv(string key, OnnxNode conv, long outChannels, long inChannels)
        {
            if (conv.Inputs.Count != 2)
                throw Fail($"{conv.Name} has a bias; torchvision's ResNet convolutions have none");
            var kernel = conv.Ints("kernel_shape", []);
            Store($"{key}.weight", conv.Inputs[1], conv, [outChannels, inChannels, kernel[0], kernel[1]]);
        }

        // ONNX BatchNormalization (inputs X, scale, B, mean, var; inference form with one output) computes
        // scale·(X − mean)/√(var + ε) + B over each channel (spatial = 1), which is BatchNorm2d in eval mode.
        private void BatchNorm(string key, OnnxNode bn, long channels)
        {
            if (bn.Inputs.Count != 5 || bn.Outputs.Count != 1)
                throw Fail($"{bn.Name} has {bn.Inputs.Count} inputs and {bn.Outputs.Count} outputs; expected the inference form (X, scale, B, mean, var) → Y");
            if (bn.Int("spatial", 1) != 1)
                throw Fail($"{bn.Name} normalizes per activation (spatial = 0); BatchNorm2d normalizes per channel");
            var epsilon = bn.Float("epsilon", 1e-5f);
            if (Math.Abs(epsilon - ResNet.BatchNormEps) > 1e-9)
                throw Fail($"{bn.Name} has epsilon {epsilon}; torchvision's BatchNorm2d uses {ResNet.BatchNormEps}");
            Store($"{key}.weight", bn.Inputs[1], bn, [channels]);
            Store($"{key}.bias", bn.Inputs[2], bn, [channels]);
            Store($"{key}.running_mean", bn.Inputs[3], bn, [channels]);
            Store($"{key}.running_var", bn.Inputs[4], bn, [channels]);
            weights[$"{key}.num_batches_tracked"] = torch.tensor(0L);
        }

        private void Store(string key, string initializer, OnnxNode node, long[] shape)
        {
            if (!graph.Initializers.TryGetValue(initializer, out var tensor))
                throw Fail($"{node.Name} reads {initializer}, which is not an initializer (weights must be constants)");
            if (!tensor.Dims.SequenceEqual(shape))
                throw Fail($"{initializer} ({node.Name}) has shape [{string.Join(", ", tensor.Dims)}]; {key} needs [{string.Join(", ", shape)}]");
            weights[key] = torch.tensor(tensor.ToFloats(), shape);
        }

        private List<OnnxNode> Consumers(string tensor) => consumers.TryGetValue(tensor, out var list) ? list : [];

        private OnnxNode Next(OnnxNode node, string opType) => Only(node.Outputs[0], opType, $"{node.Name} ({node.OpType})");

        private OnnxNode Only(string tensor, string opType, string what)
        {
            var next = Consumers(tensor);
            if (next.Count != 1 || next[0].OpType != opType)
                throw Fail($"expected {what} to feed one {opType}, found [{string.Join(", ", next.Select(n => $"{n.Name} ({n.OpType})"))}]");
            return next[0];
        }

        private InvalidDataException Fail(string message) => new($"{source}: {message}");
    }
}
