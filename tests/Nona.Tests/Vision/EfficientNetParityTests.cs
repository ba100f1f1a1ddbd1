using System.Text.Json;
using Nona.Plugins.Vision.Modules;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Nona.Tests.Vision;

/// <summary>
/// EfficientNet-B0 against torchvision 0.14 (tests/fixtures/make_efficientnet_fixture.py): the same state_dict
/// layout, and the same eval-mode features when both carry the fixture's formula weights.
/// </summary>
public sealed class EfficientNetParityTests(ITestOutputHelper output)
{
    private static readonly Lazy<JsonDocument> Fixture = new(() => JsonDocument.Parse(
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "efficientnet_parity.json"))));

    private static JsonElement Root => Fixture.Value.RootElement;

    [Fact]
    public void State_dict_keys_and_shapes_equal_torchvision_in_order_without_the_classifier()
    {
        using var model = EfficientNet.B0();
        var ours = model.state_dict().Select(kv => $"{kv.Key} [{string.Join(", ", kv.Value.shape)}]").ToList();
        var theirs = Root.GetProperty("state_dict").EnumerateArray()
            .Select(e => $"{e.GetProperty("key").GetString()} [{string.Join(", ", e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()))}]")
            .ToList();

        Assert.Equal(358, theirs.Count);
        Assert.Equal(theirs, ours);
        Assert.Equal(1280, model.FeatureDim);
    }

    [Fact]
    public void Eval_features_match_torchvision_within_1e_4_relative()
    {
        using var model = EfficientNet.B0();
        SetFormulaWeights(model);
        model.eval();
        using var input = FormulaInput();
        using var expected = ExpectedOutputs();

        using var actual = model.call(input);

        Assert.Equal([2L, 1280L], actual.shape);
        var relative = (actual - expected).abs().max().item<float>() / expected.abs().max().item<float>();
        output.WriteLine($"max |ours − torchvision| / max |torchvision| = {relative:E2}");
        Assert.True(relative < 1e-4, $"max |ours − torchvision| / max |torchvision| = {relative:E2}");
    }

    [Fact]
    public void Train_mode_forward_gives_finite_gradients_for_every_parameter()
    {
        using var model = EfficientNet.B0(); // TorchSharp's default initialisation: training starts from it too
        model.train();
        using var input = FormulaInput();

        using var features = model.call(input);
        using var loss = features.square().mean();
        loss.backward();

        Assert.Equal([2L, 1280L], features.shape);
        Assert.True(double.IsFinite(loss.item<float>()));
        foreach (var (name, parameter) in model.named_parameters())
        {
            var grad = parameter.grad;
            Assert.True(grad is not null, $"{name} has no gradient");
            Assert.True(grad.isfinite().all().item<bool>(), $"{name} has a non-finite gradient");
        }
    }

    [Theory]
    [InlineData("features.0", 0)]
    [InlineData("features.5", 104)]
    [InlineData("features.8", 208)]
    public void FreezeUntil_freezes_exactly_the_parameters_before_the_named_stage(string stage, int frozenCount)
    {
        using var model = EfficientNet.B0();
        model.FreezeUntil("features.7"); // a second call must move the boundary, not add to the first
        model.FreezeUntil(stage);

        var parameters = model.named_parameters().ToList();
        var expectedFrozen = parameters.TakeWhile(p => !p.name.StartsWith(stage + ".", StringComparison.Ordinal)).Count();
        Assert.Equal(frozenCount, expectedFrozen);
        for (var at = 0; at < parameters.Count; at++)
            Assert.True(parameters[at].parameter.requires_grad == at >= expectedFrozen, $"{parameters[at].name}: requires_grad = {parameters[at].parameter.requires_grad}");
    }

    [Fact]
    public void FreezeUntil_with_an_unknown_name_lists_the_valid_prefixes()
    {
        using var model = EfficientNet.B0();

        var error = Assert.Throws<ArgumentException>(() => model.FreezeUntil("features.9"));

        Assert.Contains("'features.9'", error.Message, StringComparison.Ordinal);
        Assert.Contains(string.Join(", ", Enumerable.Range(0, 9).Select(s => $"features.{s}")), error.Message, StringComparison.Ordinal);
        Assert.All(model.parameters(), p => Assert.True(p.requires_grad));
    }

    [Fact]
    public void Stochastic_depth_drops_whole_rows_in_training_and_is_the_identity_in_eval()
    {
        using var depth = new StochasticDepth(0.5);
        using var ones = torch.ones(400, 3, 2, 2);

        depth.train();
        using var dropped = depth.call(ones).reshape(400, -1);
        var rowMin = dropped.amin(1);
        var rowMax = dropped.amax(1);
        // Each row is either dropped (all 0) or kept and rescaled by 1 / (1 − p) = 2.
        Assert.True(rowMin.eq(rowMax).all().item<bool>());
        Assert.True((rowMin.eq(0) | rowMin.eq(2)).all().item<bool>());
        var kept = rowMin.eq(2).sum().item<long>();
        Assert.InRange(kept, 120, 280); // Binomial(400, 0.5): mean 200, sd 10

        depth.eval();
        using var same = depth.call(ones);
        Assert.True(same.eq(ones).all().item<bool>());
    }

    [Fact]
    public void Stochastic_depth_probability_grows_linearly_with_the_block_index_as_in_torchvision()
    {
        using var model = EfficientNet.B0();

        var probabilities = model.named_modules()
            .Where(m => m.module is StochasticDepth)
            .Select(m => ((StochasticDepth)m.module).P)
            .ToList();

        // B0 has 16 MBConv blocks; block b drops its branch with 0.2 · b / 16 (torchvision's sd_prob).
        Assert.Equal(Enumerable.Range(0, 16).Select(b => 0.2 * b / 16), probabilities);
    }

    /// <summary>The fixture's "formulas": tensor i of the state_dict (PyTorch order), flat element j.</summary>
    private static void SetFormulaWeights(EfficientNet model)
    {
        var gain = Root.GetProperty("gain").GetDouble();
        using var noGrad = torch.no_grad();
        var i = 0;
        foreach (var (key, tensor) in model.state_dict())
        {
            using var scope = NewDisposeScope();
            var ji = torch.arange(tensor.numel(), dtype: int64);
            var j = ji.to_type(float64);
            var phase = (0.7 * j) + (1.3 * i) + (0.9 * ji.mul(ji).remainder(1009).to_type(float64));
            var values = key switch
            {
                _ when key.EndsWith("num_batches_tracked", StringComparison.Ordinal) => torch.zeros_like(j),
                _ when key.EndsWith("running_mean", StringComparison.Ordinal) => 0.01 * phase.sin(),
                _ when key.EndsWith("running_var", StringComparison.Ordinal) => 1 + (0.1 * phase.cos().abs()),
                _ when key.EndsWith("weight", StringComparison.Ordinal) && tensor.dim() > 1 =>
                    gain * phase.sin() / Math.Sqrt(tensor.numel() / tensor.shape[0]),
                _ when key.EndsWith("weight", StringComparison.Ordinal) => 1 + (0.1 * phase.sin()),
                _ when key.EndsWith("bias", StringComparison.Ordinal) => 0.05 * phase.cos(),
                _ => throw new InvalidOperationException($"no formula for {key}"),
            };
            tensor.copy_(values.reshape(tensor.shape).to_type(tensor.dtype));
            i++;
        }
    }

    private static Tensor FormulaInput()
    {
        using var scope = NewDisposeScope();
        var shape = Root.GetProperty("input_shape").EnumerateArray().Select(d => d.GetInt64()).ToArray(); // (2, 3, 64, 64)
        var k = torch.arange(shape.Aggregate(1L, (a, b) => a * b), dtype: float64);
        var x = (0.05 * k).sin() + (0.5 * ((0.031 * k) + 0.2).cos());
        return x.reshape(shape).to_type(float32).MoveToOuterDisposeScope();
    }

    private static Tensor ExpectedOutputs()
    {
        var rows = Root.GetProperty("outputs").EnumerateArray()
            .Select(row => row.EnumerateArray().Select(v => v.GetSingle()).ToArray())
            .ToArray();
        return torch.tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, rows[0].Length]);
    }
}
