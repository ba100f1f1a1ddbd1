using Nona.Abstractions;
using Nona.Abstractions.Torch;
using Nona.Host.Recipes;
using Nona.Host.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace Nona.Host.Protocol;

/// <summary>How one training run ended.</summary>
/// <param name="Epochs">Epochs run.</param>
/// <param name="BestEpoch">The epoch whose weights were kept (1-based).</param>
/// <param name="BestValMse">Its validation MSE in scaled units.</param>
internal sealed record TrainingOutcome(int Epochs, int BestEpoch, double BestValMse);

/// <summary>
/// Trains one model on one split (docs/nona-spec: "Protocol"): Adam, shuffled batches, validation MSE after every
/// epoch, early stopping with patience after <c>min_epochs</c>, best weights restored.
/// </summary>
internal sealed class Trainer(TrainingOptions options, Placement placement)
{
    /// <summary>Called after each epoch with (epoch, validation MSE).</summary>
    public Action<int, double>? EpochDone { get; init; }

    /// <summary>Trains <paramref name="model"/> in place and leaves it holding its best weights.</summary>
    /// <param name="model">A freshly initialised model, already placed.</param>
    /// <param name="inputs">All inputs of the dataset.</param>
    /// <param name="scaledLabels">All labels, scaled with the training split's scaler.</param>
    /// <param name="split">The split.</param>
    /// <param name="neighbourRows">Rows NONA attends to at validation (train, or train+val).</param>
    /// <param name="seed">The split's seed: batch order.</param>
    public TrainingOutcome Train(RegressionModel model, InputSource inputs, double[] scaledLabels, DataSplit split, int[] neighbourRows, int seed)
    {
        using var optimizer = CreateOptimizer(model);
        var random = new Random(seed);
        var valTargets = split.Val.Select(i => scaledLabels[i]).ToArray();
        var best = Snapshot(model);
        var bestMse = double.PositiveInfinity;
        int bestEpoch = 0, epoch = 0, sinceBest = 0;
        try
        {
            while (epoch < options.MaxEpochs)
            {
                epoch++;
                model.train();
                var plan = BatchPlan.Epoch(split.Train, options.BatchSize, random, inputs.Lengths);
                using var batches = inputs.Batches(plan, placement.DType, placement.Device, training: true).GetEnumerator();
                foreach (var indices in plan)
                {
                    batches.MoveNext();
                    using var input = batches.Current;
                    Step(model, optimizer, input, scaledLabels, indices);
                }

                var valMse = ValidationMse(model, inputs, scaledLabels, split.Val, neighbourRows, valTargets);
                EpochDone?.Invoke(epoch, valMse);
                if (valMse < bestMse)
                {
                    bestMse = valMse;
                    bestEpoch = epoch;
                    sinceBest = 0;
                    DisposeAll(best);
                    best = Snapshot(model);
                }
                else if (epoch > options.MinEpochs && ++sinceBest >= options.Patience)
                {
                    break;
                }
            }

            model.load_state_dict(best);
        }
        finally
        {
            DisposeAll(best);
        }

        return new TrainingOutcome(epoch, bestEpoch, bestMse);
    }

    /// <summary>The recipe's optimiser over the model's trainable parameters.</summary>
    public AdamOptimizer CreateOptimizer(RegressionModel model)
    {
        // A pretrained backbone usually wants a much smaller rate than the freshly initialised projector and head.
        var backbone = model.BackboneParameters().ToHashSet(ReferenceEqualityComparer.Instance);
        var backboneLr = options.BackboneLr > 0 ? options.BackboneLr : options.Lr;
        var rates = model.parameters().Where(p => p.requires_grad).Select(p => (p, backbone.Contains(p) ? backboneLr : options.Lr));
        return new AdamOptimizer(rates, options.WeightDecay, decoupled: options.Optimizer == OptimizerKind.AdamW, options.WarmupSteps);
    }

    /// <summary>One optimiser step on <paramref name="batch"/>; returns the batch's loss before the update.</summary>
    public double Step(RegressionModel model, AdamOptimizer optimizer, InputSource inputs, double[] scaledLabels, long[] batch)
    {
        using var input = inputs.Batch(batch, placement.DType, placement.Device);
        return Step(model, optimizer, input, scaledLabels, batch);
    }

    /// <summary>One optimiser step on an already loaded batch whose rows are <paramref name="batch"/>.</summary>
    public double Step(RegressionModel model, AdamOptimizer optimizer, InputBatch input, double[] scaledLabels, long[] batch)
    {
        double loss;
        using (var scope = NewDisposeScope())
        {
            var targets = placement.Vector([.. batch.Select(i => scaledLabels[i])]);
            var z = model.Embed(input);
            // In training the batch is its own neighbour set, each point masked from itself.
            var predictions = model.Predict(new HeadInput(z, z, targets, ExcludeSelf: true));
            var mse = nn.functional.mse_loss(predictions, targets);
            optimizer.ZeroGrad();
            mse.backward();
            loss = mse.ScalarValue();
        }

        optimizer.Step();
        return loss;
    }

    private double ValidationMse(RegressionModel model, InputSource inputs, double[] scaledLabels, int[] val, int[] neighbourRows, double[] targets)
    {
        using var scope = NewDisposeScope();
        using var bank = model.UsesNeighbours ? Bank(model, inputs, scaledLabels, neighbourRows, placement) : null;
        var z = Inference.Embeddings(model, inputs, val, placement);
        var mse = Inference.Mse(Inference.Predict(model, z, bank), targets);
        return double.IsNaN(mse) ? double.PositiveInfinity : mse;
    }

    /// <summary>Eval-mode embeddings and scaled labels of <paramref name="rows"/>.</summary>
    public static NeighbourBank Bank(RegressionModel model, InputSource inputs, double[] scaledLabels, int[] rows, Placement placement) =>
        new(Inference.Embeddings(model, inputs, rows, placement), placement.Vector([.. rows.Select(i => scaledLabels[i])]));

    private static Dictionary<string, Tensor> Snapshot(RegressionModel model) =>
        model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());

    private static void DisposeAll(Dictionary<string, Tensor> state)
    {
        foreach (var tensor in state.Values)
            tensor.Dispose();
    }
}
