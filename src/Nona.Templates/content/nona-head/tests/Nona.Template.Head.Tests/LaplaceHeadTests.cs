using Nona.Abstractions;
using Nona.Template.Head;
using Nona.Testing;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Nona.Template.Head.Tests;

public sealed class LaplaceHeadTests
{
    private static readonly double[][] Queries = [[0.0, 0.0], [1.0, 0.5]];
    private static readonly double[][] Bank = [[0.0, 1.0], [1.0, 1.0], [2.0, 0.0]];
    private static readonly double[] BankLabels = [1.0, 2.0, 4.0];

    [Fact]
    public void The_assembly_exports_the_head_under_its_recipe_name()
    {
        var plugin = PluginExports.Single(typeof(LaplaceHeadFactory).Assembly, PluginKind.Head, "template-head");
        Assert.Equal(typeof(LaplaceHeadOptions), plugin.Factory.OptionsType);
        Assert.False(string.IsNullOrWhiteSpace(plugin.Description));
        using var head = plugin.Create<RegressionHead>(new LaplaceHeadOptions { Bandwidth = 0.25 }, TestPluginContext.Create(inputDim: 2));
        Assert.True(head.UsesNeighbours);
        Assert.Equal(0.25, ((LaplaceHead)head).Bandwidth, 6);
    }

    [Fact]
    public void Predictions_are_the_laplace_weighted_average_of_the_neighbour_labels()
    {
        const double b = 0.5;
        using var head = new LaplaceHead(b, ScalarType.Float64);
        using var predicted = head.forward(Input(Queries, excludeSelf: false));

        var expected = Queries.Select(q => Expected(q, Bank, BankLabels, b, skip: -1)).ToArray();
        Assert.Equal(expected, predicted.data<double>().ToArray(), new Tolerance(1e-12));
    }

    [Fact]
    public void With_exclude_self_a_training_row_never_votes_for_itself()
    {
        const double b = 0.5;
        using var head = new LaplaceHead(b, ScalarType.Float64);
        using var predicted = head.forward(Input(Bank, excludeSelf: true)); // the batch is the bank: N = B

        var expected = Bank.Select((q, j) => Expected(q, Bank, BankLabels, b, skip: j)).ToArray();
        Assert.Equal(expected, predicted.data<double>().ToArray(), new Tolerance(1e-12));
    }

    [Fact]
    public void Training_moves_the_bandwidth()
    {
        using var head = new LaplaceHead(1.0, ScalarType.Float64);
        using var predicted = head.forward(Input(Queries, excludeSelf: false));
        using var target = tensor(new[] { 4.0, 1.0 }, ScalarType.Float64);
        using var error = predicted - target;
        using var loss = (error * error).mean();
        loss.backward();
        var gradient = head.parameters().Single().grad!.ToDouble();
        Assert.True(double.IsFinite(gradient) && gradient != 0, $"gradient {gradient}");
    }

    [Fact]
    public void Attend_lists_the_top_neighbours_by_weight_and_predicts_as_forward()
    {
        using var head = new LaplaceHead(0.5, ScalarType.Float64);
        var input = Input(Queries, excludeSelf: false);
        using var predicted = head.forward(input);
        using var attention = head.Attend(input, top: 2)!;
        Assert.Equal(predicted.data<double>().ToArray(), attention.Predictions.data<double>().ToArray());
        Assert.Equal(new long[] { 2, 2 }, attention.Indices.shape);
        Assert.Equal(0L, attention.Indices[0, 0].ToInt64()); // (0, 0) is nearest to bank row 0 (distance 1)
        Assert.True(attention.Weights[0, 0].ToDouble() >= attention.Weights[0, 1].ToDouble());
    }

    // The formula, written out: w_n ∝ exp(-Σ_d |q_d - x_nd| / b), prediction Σ w_n y_n.
    private static double Expected(double[] query, double[][] bank, double[] labels, double b, int skip)
    {
        var logits = bank.Select((x, n) => n == skip ? double.NegativeInfinity : -query.Zip(x, (q, v) => Math.Abs(q - v)).Sum() / b).ToArray();
        var max = logits.Max();
        var weights = logits.Select(l => Math.Exp(l - max)).ToArray();
        return weights.Zip(labels, (w, y) => w * y).Sum() / weights.Sum();
    }

    private static HeadInput Input(double[][] queries, bool excludeSelf) => new(
        tensor(queries.SelectMany(r => r).ToArray(), [queries.Length, 2], ScalarType.Float64),
        tensor(Bank.SelectMany(r => r).ToArray(), [Bank.Length, 2], ScalarType.Float64),
        tensor(BankLabels, ScalarType.Float64),
        excludeSelf);

    private sealed class Tolerance(double epsilon) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= epsilon;

        public int GetHashCode(double obj) => 0;
    }
}
