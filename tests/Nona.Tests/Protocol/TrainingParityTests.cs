using System.Text.Json;
using Nona.Abstractions;
using Nona.Host.Protocol;
using Nona.Host.Recipes;
using Nona.Host.Torch;
using Nona.Plugins.Heads;
using Nona.Plugins.Heads.SoftStep;
using Nona.Plugins.Tabular;
using Nona.Tests.Support;
using TorchSharp;
using Xunit;

namespace Nona.Tests.Protocol;

/// <summary>
/// Pins forward, backward, BatchNorm's train/eval semantics and Adam together against PyTorch: the projector with a
/// dense head and with a NONA head (l2, S2 pointwise), weights from a formula, 20 Adam steps on fixed batches, then
/// one eval-mode prediction against the training neighbours. Fixture: tests/fixtures/training_parity.json, made by
/// tests/fixtures/make_training_parity.py with Debian's python3-torch 1.13 in float64.
/// </summary>
public sealed class TrainingParityTests
{
    private const double Tolerance = 1e-6;
    private static readonly JsonElement Fixture = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "training_parity.json"))).RootElement;

    [Theory]
    [InlineData("dense")]
    [InlineData("nona")]
    public void Losses_and_final_predictions_match_PyTorch(string head)
    {
        var expected = Fixture.GetProperty(head);
        var x = Fixture.GetProperty("x").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
        var y = Fixture.GetProperty("y").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var batches = Fixture.GetProperty("batches").EnumerateArray().Select(b => b.EnumerateArray().Select(v => v.GetInt64()).ToArray()).ToList();
        var inputs = new VectorInputs(x);
        var placement = new Placement(torch.CPU, torch.ScalarType.Float64);
        using var model = placement.Place(Build(head));
        var trainer = new Trainer(new TrainingOptions { Lr = Fixture.GetProperty("lr").GetDouble(), Dtype = FloatType.Float64 }, placement);
        using var optimizer = trainer.CreateOptimizer(model);

        model.train();
        var losses = batches.Select(batch => trainer.Step(model, optimizer, inputs, y, batch)).ToArray();
        AssertClose(expected.GetProperty("losses"), losses, "loss");

        var all = Enumerable.Range(0, x.Length).ToArray();
        using var bank = model.UsesNeighbours ? Trainer.Bank(model, inputs, y, all, placement) : null;
        using var z = Inference.Embeddings(model, inputs, all, placement);
        AssertClose(expected.GetProperty("final_predictions"), Inference.Predict(model, z, bank), "final prediction");
        var runningMean = model.named_buffers().Single(b => b.name == "projector.net.3.running_mean").buffer;
        AssertClose(expected.GetProperty("final_bn_running_mean_layer1"), Tensors.Values(runningMean), "layer-1 BatchNorm running mean");
    }

    private static RegressionModel Build(string head)
    {
        var projector = new MlpProjector(2, [16, 8]);
        RegressionHead regressionHead = head == "dense"
            ? new DenseHead(8)
            : new NonaHead(SimilarityKind.L2, new S2SoftStep(8, new SoftStepOptions { Params = SoftStepParameterMode.Pointwise }, torch.ScalarType.Float64));
        var model = new RegressionModel(new IdentityBackbone(2), projector, regressionHead);
        model.to(torch.ScalarType.Float64);
        SetLinear(model, "projector.net.1", layer: 0, inputs: 2, outputs: 16);
        SetLinear(model, "projector.net.4", layer: 1, inputs: 16, outputs: 8);
        if (head == "dense")
            SetLinear(model, "head.linear", layer: 2, inputs: 8, outputs: 1);
        else
            SetLinear(model, "head.softstep.pointwise", layer: 3, inputs: 8, outputs: 3);
        return model;
    }

    // The fixture's formulas: W[o, i] = 0.5·sin(0.37·(o·in + i) + 0.11·L + 0.1)/√in, b[o] = 0.1·cos(0.53·o + L).
    private static void SetLinear(torch.nn.Module model, string prefix, int layer, int inputs, int outputs)
    {
        var weight = new double[outputs * inputs];
        for (var o = 0; o < outputs; o++)
        {
            for (var i = 0; i < inputs; i++)
                weight[(o * inputs) + i] = 0.5 * Math.Sin((0.37 * ((o * inputs) + i)) + (0.11 * layer) + 0.1) / Math.Sqrt(inputs);
        }

        Tensors.Set(model, prefix + ".weight", weight);
        Tensors.Set(model, prefix + ".bias", [.. Enumerable.Range(0, outputs).Select(o => 0.1 * Math.Cos((0.53 * o) + layer))]);
    }

    private static void AssertClose(JsonElement expected, double[] actual, string what)
    {
        var values = expected.EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.Equal(values.Length, actual.Length);
        for (var i = 0; i < values.Length; i++)
            Assert.True(Math.Abs(values[i] - actual[i]) <= Tolerance, $"{what} {i}: PyTorch {values[i]:R}, ours {actual[i]:R}");
    }
}
