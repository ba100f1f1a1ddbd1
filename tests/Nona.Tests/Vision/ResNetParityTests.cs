using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Nona.Abstractions;
using Nona.Plugins.Vision.Backbones;
using Nona.Plugins.Vision.Modules;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Nona.Tests.Vision;

/// <summary>
/// Pins our ResNet against two independent implementations: torchvision (ResNet-18/34 with formula weights, fixture
/// tests/fixtures/resnet_parity.json made by tests/fixtures/make_resnet_fixture.py with Debian's python3-torch 1.13 and
/// python3-torchvision 0.14, float64) and ONNX Runtime running ML.NET's DnnImageFeaturizer ResNet18.onnx and
/// ResNetPreprocess.onnx (copied by the test project into models/dnn-resnet18/). Our side runs in float32; parity is
/// max |ours − reference| / max |reference| ≤ 1e-4.
/// </summary>
public sealed class ResNetParityTests(ResNetParityTests.DnnModel dnn, ITestOutputHelper output) : IClassFixture<ResNetParityTests.DnnModel>
{
    private const double Tolerance = 1e-4;
    private const int Side = 224;
    private static readonly string ModelFolder = Path.Combine(AppContext.BaseDirectory, "models", "dnn-resnet18");
    private static readonly string ResNetOnnx = Path.Combine(ModelFolder, "ResNet18.onnx");
    private static readonly string PreprocessOnnx = Path.Combine(ModelFolder, "ResNetPreprocess.onnx");
    private static readonly JsonElement Fixture =
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "resnet_parity.json"))).RootElement;

    /// <summary>The DnnImageFeaturizer network and preprocessing, imported once for the tests that run them.</summary>
    public sealed class DnnModel : IDisposable
    {
        public DnnModel()
        {
            Net = OnnxResNetImporter.LoadResNet(ResNetOnnx);
            Net.eval();
            Preprocess = DnnPreprocessing.Load(PreprocessOnnx);
        }

        public ResNet Net { get; }

        public DnnPreprocessing Preprocess { get; }

        public void Dispose()
        {
            Net.Dispose();
            Preprocess.Dispose();
        }
    }

    [Fact]
    public void DnnImageFeaturizer_import_names_every_weight_of_ResNet_2_2_2_3()
    {
        var imported = OnnxResNetImporter.Import(ResNetOnnx);
        try
        {
            using var reference = new ResNet([2, 2, 2, 3]);
            var expected = reference.state_dict().ToDictionary(p => p.Key, p => p.Value.shape);
            Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), imported.Keys.Order(StringComparer.Ordinal));
            Assert.All(imported, p => Assert.Equal(expected[p.Key], p.Value.shape));
        }
        finally
        {
            foreach (var tensor in imported.Values)
                tensor.Dispose();
        }
    }

    [Fact]
    public void DnnImageFeaturizer_features_match_OnnxRuntime()
    {
        // A smooth image in the range the network sees after its mean subtraction (about ±120).
        var image = FormulaImage((c, h, w) => 120 * Math.Sin((0.043 * h) + (0.029 * (c + 1) * w) + (1.7 * c)));
        var expected = RunOnnx(ResNetOnnx, image);

        Assert.Equal([2, 2, 2, 3], dnn.Net.Blocks);
        using var x = torch.tensor(image, [1, 3, Side, Side]);
        using var features = dnn.Net.call(x);
        Assert.Equal([1, ResNet.FeatureDim], features.shape);
        AssertClose(expected, Values(features), "ResNet18.onnx pooled features");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Folded_DnnImageFeaturizer_matches_OnnxRuntime_and_the_module(bool channelsLast)
    {
        var image = FormulaImage((c, h, w) => 120 * Math.Sin((0.043 * h) + (0.029 * (c + 1) * w) + (1.7 * c)));
        var expected = RunOnnx(ResNetOnnx, image);

        using var folded = FoldedResNet.Of(dnn.Net, channelsLast);
        using var x = torch.tensor(image, [1, 3, Side, Side]);
        using var features = folded.Forward(x);
        using var module = dnn.Net.call(x);
        AssertClose(expected, Values(features), $"folded{(channelsLast ? " channels-last" : "")} ResNet18.onnx pooled features");
        // Folding is one rounding of the weights: the features stay within float32 noise of the module's.
        var relative = MaxRelative(Values(module), Values(features));
        Assert.True(relative < 1e-5, $"folded features differ from the module's by {relative:E2} relative");
    }

    [Fact]
    public void DnnImageFeaturizer_with_preprocessing_matches_OnnxRuntime_chain()
    {
        var rgb = FormulaImage((c, h, w) => 127.5 + (127.5 * Math.Sin((0.031 * h * (c + 1)) + (0.057 * w) + c)));
        var preprocessed = RunOnnx(PreprocessOnnx, rgb);
        var expected = RunOnnx(ResNetOnnx, preprocessed);

        using var x = torch.tensor(rgb, [1, 3, Side, Side]);
        using var bgr = dnn.Preprocess.call(x);
        AssertClose(preprocessed, Values(bgr), "ResNetPreprocess.onnx output");
        using var features = dnn.Net.call(bgr);
        AssertClose(expected, Values(features), "preprocessing + ResNet18.onnx pooled features");
    }

    [Theory]
    [InlineData("resnet18")]
    [InlineData("resnet34")]
    public void State_dict_keys_and_shapes_match_torchvision_without_fc(string model)
    {
        var expected = Fixture.GetProperty("models").GetProperty(model);
        using var net = new ResNet(Ints(expected.GetProperty("blocks")));
        var ours = net.state_dict().ToDictionary(p => p.Key, p => p.Value.shape);
        var theirs = expected.GetProperty("keys").EnumerateArray().ToDictionary(k => k[0].GetString()!, k => Longs(k[1]));

        Assert.Equal(theirs.Keys.Order(StringComparer.Ordinal), ours.Keys.Order(StringComparer.Ordinal));
        Assert.All(theirs, p => Assert.Equal(p.Value, ours[p.Key]));
        Assert.DoesNotContain(ours.Keys, k => k.StartsWith("fc.", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("resnet18")]
    [InlineData("resnet34")]
    public void Pooled_features_match_torchvision(string model)
    {
        var expected = Fixture.GetProperty("models").GetProperty(model);
        using var net = new ResNet(Ints(expected.GetProperty("blocks")));
        var weights = FormulaWeights(expected.GetProperty("keys"));
        try
        {
            net.LoadWeights(weights);
        }
        finally
        {
            foreach (var tensor in weights.Values)
                tensor.Dispose();
        }

        net.eval();
        var shape = Longs(Fixture.GetProperty("input_shape"));
        var count = (int)shape.Aggregate(1L, (n, d) => n * d);
        var input = Enumerable.Range(0, count).Select(j => (float)(Math.Sin((0.013 * j) + 0.5) + (0.3 * Math.Cos(0.171 * j)))).ToArray();
        using var x = torch.tensor(input, shape);
        using var features = net.call(x);

        var reference = expected.GetProperty("output").EnumerateArray().SelectMany(r => r.EnumerateArray().Select(v => v.GetDouble())).ToArray();
        Assert.Equal([shape[0], ResNet.FeatureDim], features.shape);
        AssertClose(reference, Values(features), $"{model} pooled features");
    }

    [Theory]
    [InlineData("resnet18")]
    [InlineData("resnet34")]
    public void Folded_pooled_features_match_torchvision(string model)
    {
        // The fixture's BatchNorms have running means ≠ 0 and variances ≠ 1, so this pins the fold's formula.
        var expected = Fixture.GetProperty("models").GetProperty(model);
        using var net = new ResNet(Ints(expected.GetProperty("blocks")));
        var weights = FormulaWeights(expected.GetProperty("keys"));
        try
        {
            net.LoadWeights(weights);
        }
        finally
        {
            foreach (var tensor in weights.Values)
                tensor.Dispose();
        }

        using var folded = FoldedResNet.Of(net, channelsLast: true);
        var shape = Longs(Fixture.GetProperty("input_shape"));
        var count = (int)shape.Aggregate(1L, (n, d) => n * d);
        var input = Enumerable.Range(0, count).Select(j => (float)(Math.Sin((0.013 * j) + 0.5) + (0.3 * Math.Cos(0.171 * j)))).ToArray();
        using var x = torch.tensor(input, shape);
        using var features = folded.Forward(x);

        var reference = expected.GetProperty("output").EnumerateArray().SelectMany(r => r.EnumerateArray().Select(v => v.GetDouble())).ToArray();
        Assert.Equal([shape[0], ResNet.FeatureDim], features.shape);
        AssertClose(reference, Values(features), $"folded {model} pooled features");
    }

    [Fact]
    public void A_frozen_ResNet_backbone_runs_the_folded_form_and_its_fingerprint_says_so()
    {
        double[] mean = [0.485, 0.456, 0.406], std = [0.229, 0.224, 0.225];
        using var frozen = new ImageBackbone(DnnResNetCopy(), ResNet.FeatureDim, mean, std, frozen: true, fingerprint: "weights");
        using var trainable = new ImageBackbone(DnnResNetCopy(), ResNet.FeatureDim, mean, std, frozen: false, fingerprint: "weights");
        Assert.Contains("|folded-bn", frozen.Fingerprint!, StringComparison.Ordinal);
        Assert.DoesNotContain("folded", trainable.Fingerprint!, StringComparison.Ordinal);

        var pixels = FormulaImage((c, h, w) => 0.5 + (0.5 * Math.Sin((0.05 * h) + (0.03 * (c + 1) * w)))).Concat(
            FormulaImage((c, h, w) => 0.5 + (0.4 * Math.Cos((0.02 * h * (c + 1)) + (0.07 * w))))).ToArray();
        frozen.eval();
        trainable.eval();
        using var noGrad = torch.no_grad();
        using var batch = new InputBatch(torch.tensor(pixels, [2, 3, Side, Side]));
        using var ours = frozen.call(batch);
        using var module = trainable.call(batch);
        using var normalized = (batch.Values - torch.tensor(mean, ScalarType.Float32).reshape(1, 3, 1, 1)) / torch.tensor(std, ScalarType.Float32).reshape(1, 3, 1, 1);
        using var folded = FoldedResNet.Of(dnn.Net, channelsLast: true);
        using var expected = folded.Forward(normalized);

        Assert.Equal(Values(expected), Values(ours)); // the folded form itself, bit for bit
        Assert.NotEqual(Values(module), Values(ours)); // … and not the module's arithmetic
        Assert.True(MaxRelative(Values(module), Values(ours)) < 1e-5);
    }

    [Fact]
    public void FreezeUntil_layer3_freezes_exactly_conv1_bn1_layer1_and_layer2()
    {
        using var net = new ResNet([2, 2, 2, 2]);
        var frozen = net.FreezeUntil("layer3");

        var parameters = net.named_parameters().ToList();
        string[] before = ["conv1.", "bn1.", "layer1.", "layer2."];
        foreach (var (name, parameter) in parameters)
            Assert.True(parameter.requires_grad != before.Any(p => name.StartsWith(p, StringComparison.Ordinal)), name);
        Assert.Equal(parameters.Count(p => !p.parameter.requires_grad), frozen);
        Assert.Equal(0, net.FreezeUntil("conv1"));
    }

    [Fact]
    public void FreezeUntil_unknown_layer_lists_the_valid_names()
    {
        using var net = new ResNet([2, 2, 2, 2]);
        var error = Assert.Throws<ArgumentException>(() => net.FreezeUntil("layer5"));
        Assert.Contains("'layer5'", error.Message, StringComparison.Ordinal);
        Assert.Contains("conv1, bn1, layer1, layer2, layer3, layer4", error.Message, StringComparison.Ordinal);
    }

    // The fixture's weight_formulas, with i the tensor's position in torchvision's state_dict and j the flat index.
    private static Dictionary<string, Tensor> FormulaWeights(JsonElement keys)
    {
        var weights = new Dictionary<string, Tensor>();
        var i = 0;
        foreach (var entry in keys.EnumerateArray())
        {
            var name = entry[0].GetString()!;
            var shape = Longs(entry[1]);
            var count = (int)shape.Aggregate(1L, (n, d) => n * d);
            var last = name[(name.LastIndexOf('.') + 1)..];
            Func<int, double> value = last switch
            {
                "weight" when shape.Length == 4 => j => HashWeight(i, j, shape[1] * shape[2] * shape[3]),
                "weight" => j => 1 + (0.1 * Math.Sin((0.7 * j) + (1.3 * i))),
                "bias" => j => 0.05 * Math.Sin((0.7 * j) + (1.3 * i)),
                "running_mean" => j => 0.05 * Math.Cos((0.7 * j) + (1.3 * i)),
                "running_var" => j => 1 + (0.1 * Math.Abs(Math.Cos((0.3 * j) + (1.3 * i)))),
                "num_batches_tracked" => _ => 0,
                _ => throw new InvalidDataException($"no formula for {name}"),
            };
            var values = new float[count];
            for (var j = 0; j < count; j++)
                values[j] = (float)value(j);
            weights[name] = last == "num_batches_tracked" ? torch.tensor(0L) : torch.tensor(values, shape);
            i++;
        }

        return weights;
    }

    private static double HashWeight(int i, int j, long fanIn)
    {
        var x = 43758.5453 * Math.Sin((12.9898 * j) + (78.233 * i));
        return ((2 * (x - Math.Floor(x))) - 1) * Math.Sqrt(3.0 / fanIn);
    }

    private static float[] FormulaImage(Func<int, int, int, double> pixel)
    {
        var image = new float[3 * Side * Side];
        for (var c = 0; c < 3; c++)
        {
            for (var h = 0; h < Side; h++)
            {
                for (var w = 0; w < Side; w++)
                    image[(((c * Side) + h) * Side) + w] = (float)pixel(c, h, w);
            }
        }

        return image;
    }

    // ONNX Runtime with graph optimizations off, so it evaluates the graph as written (no Conv+BN folding).
    private static float[] RunOnnx(string path, float[] input)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        using var session = new InferenceSession(path, options);
        var inputName = session.InputNames.Single();
        var shape = session.InputMetadata[inputName].Dimensions.Select(d => (long)d).ToArray();
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [inputName], [value], [session.OutputNames.Single()]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    private void AssertClose(IReadOnlyList<float> expected, double[] actual, string what) =>
        AssertClose(expected.Select(v => (double)v).ToArray(), actual, what);

    private void AssertClose(double[] expected, double[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        var scale = expected.Max(Math.Abs);
        var diff = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        output.WriteLine($"{what}: max |diff| {diff:E3}, max |reference| {scale:G5}, relative {diff / scale:E3}");
        Assert.True(scale > 0, $"{what}: the reference is all zeros, which pins nothing");
        Assert.True(diff <= Tolerance * scale, $"{what}: max |diff| {diff:E3} exceeds {Tolerance:E0} × max |reference| {scale:G5}");
    }

    private ResNet DnnResNetCopy()
    {
        var copy = new ResNet([2, 2, 2, 3]);
        copy.LoadWeights(dnn.Net.state_dict());
        return copy;
    }

    private static double MaxRelative(double[] reference, double[] actual) =>
        reference.Zip(actual, (e, a) => Math.Abs(e - a)).Max() / reference.Max(Math.Abs);

    private static double[] Values(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.detach().to(ScalarType.Float64).contiguous().data<double>().ToArray();
    }

    private static int[] Ints(JsonElement array) => [.. array.EnumerateArray().Select(v => v.GetInt32())];

    private static long[] Longs(JsonElement array) => [.. array.EnumerateArray().Select(v => v.GetInt64())];
}
