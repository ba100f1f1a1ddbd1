using Nona.Abstractions;
using Nona.Template.Backbone;
using Nona.Testing;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Nona.Template.Backbone.Tests;

public sealed class MlpBackboneTests
{
    [Fact]
    public void The_assembly_exports_the_backbone_and_its_factory_sizes_it_from_the_context()
    {
        var plugin = PluginExports.Single(typeof(MlpBackboneFactory).Assembly, PluginKind.Backbone, "template-backbone");
        Assert.False(string.IsNullOrWhiteSpace(plugin.Description));
        using var backbone = plugin.Create<FeatureExtractor>(new MlpBackboneOptions { Hidden = 5, OutputDim = 3 }, TestPluginContext.Create(inputDim: 4));
        Assert.Equal("vector", backbone.Modality);
        Assert.Equal(3, backbone.OutputDim);
        Assert.Equal(new long[] { 5, 4 }, ((MlpBackbone)backbone).Hidden.weight!.shape);
    }

    [Fact]
    public void A_dataset_without_vector_inputs_is_a_one_line_error()
    {
        var plugin = PluginExports.Single(typeof(MlpBackboneFactory).Assembly, PluginKind.Backbone, "template-backbone");
        var error = Assert.Throws<NonaException>(() => plugin.Create<FeatureExtractor>(new MlpBackboneOptions(), TestPluginContext.Create(inputDim: 0)));
        Assert.Contains("vector", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Features_are_the_two_layers_written_out()
    {
        using var backbone = new MlpBackbone(3, 4, 2, ScalarType.Float64);
        double[][] rows = [[0.5, -1.0, 2.0], [-0.25, 0.0, 1.5]];
        using var values = tensor(rows.SelectMany(r => r).ToArray(), [2, 3], ScalarType.Float64);
        using var features = backbone.forward(new InputBatch(values));

        var w1 = Matrix(backbone.Hidden.weight!);
        var b1 = backbone.Hidden.bias!.data<double>().ToArray();
        var w2 = Matrix(backbone.Output.weight!);
        var b2 = backbone.Output.bias!.data<double>().ToArray();
        var expected = rows.SelectMany(x =>
        {
            var h = w1.Select((w, i) => Math.Max(0, w.Zip(x, (a, v) => a * v).Sum() + b1[i])).ToArray();
            return w2.Select((w, o) => w.Zip(h, (a, v) => a * v).Sum() + b2[o]);
        }).ToArray();
        Assert.Equal(new long[] { 2, 2 }, features.shape);
        Assert.Equal(expected, features.data<double>().ToArray(), new Tolerance(1e-12));
    }

    [Fact]
    public void The_loss_reaches_the_first_layer()
    {
        using var backbone = new MlpBackbone(3, 8, 2, ScalarType.Float64);
        using var values = tensor(new[] { 1.0, 2.0, 3.0, -1.0, 0.5, 0.0 }, [2, 3], ScalarType.Float64);
        using var features = backbone.forward(new InputBatch(values));
        using var loss = (features * features).sum();
        loss.backward();
        using var gradient = backbone.Hidden.weight!.grad!.abs().sum();
        Assert.True(gradient.ToDouble() > 0);
    }

    private static double[][] Matrix(Tensor weight)
    {
        var flat = weight.data<double>().ToArray();
        var columns = (int)weight.shape[1];
        return [.. Enumerable.Range(0, (int)weight.shape[0]).Select(r => flat[(r * columns)..((r + 1) * columns)])];
    }

    private sealed class Tolerance(double epsilon) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= epsilon;

        public int GetHashCode(double obj) => 0;
    }
}
