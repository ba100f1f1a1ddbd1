using System.Diagnostics;
using Nona.Abstractions;
using Nona.Abstractions.Torch;
using Nona.Host.Recipes;
using Nona.Host.Torch;
using Nona.Host.Units;
using TorchSharp;
using static TorchSharp.torch;

namespace Nona.Host.Protocol;

/// <summary>How one training run ended.</summary>
/// <param name="Epochs">Epochs run.</param>
/// <param name="BestEpoch">The epoch whose weights were kept (1-based; 0 when none).</param>
/// <param name="BestValMse">Its validation MSE in scaled units.</param>
/// <param name="Divergence">Null, or what went non-finite and when ("the training loss is NaN in epoch 7").</param>
internal sealed record TrainingOutcome(int Epochs, int BestEpoch, double BestValMse, string? Divergence = null);

/// <summary>One epoch of one training run, for the progress display and the run log.</summary>
/// <param name="Epoch">The epoch (1-based).</param>
/// <param name="TrainLoss">Mean training MSE over the epoch's batches (scaled units, before each update).</param>
/// <param name="ValMse">Validation MSE after the epoch (scaled units).</param>
/// <param name="Lr">The head's learning rate at the epoch's end (after warm-up).</param>
/// <param name="Seconds">Wall time of the epoch, validation included.</param>
/// <param name="SamplesPerSecond">Training samples per second of the epoch's wall time.</param>
internal sealed record EpochReport(int Epoch, double TrainLoss, double ValMse, double Lr, double Seconds, double SamplesPerSecond);

/// <summary>
/// Trains one model on one split (docs/nona-spec: "Protocol"): Adam, shuffled batches, validation MSE after every
/// epoch, early stopping with patience after <c>min_epochs</c>, best weights restored. With a checkpoint it saves
/// its whole state at every epoch's end (and every <c>checkpoint_minutes</c> inside one, and when stopped) and
/// continues from it; a non-finite training loss or validation MSE ends it as diverged.
/// </summary>
internal sealed class Trainer(TrainingOptions options, Placement placement)
{
    /// <summary>Called after each epoch.</summary>
    public Action<EpochReport>? EpochDone { get; init; }

    /// <summary>Trains <paramref name="model"/> in place and leaves it holding its best weights.</summary>
    /// <param name="model">A freshly initialised model, already placed.</param>
    /// <param name="inputs">All inputs of the dataset.</param>
    /// <param name="scaledLabels">All labels, scaled with the training split's scaler.</param>
    /// <param name="split">The split.</param>
    /// <param name="neighbourRows">Rows NONA attends to at validation (train, or train+val).</param>
    /// <param name="seed">The split's seed: batch order, dropout and augmentation of every epoch.</param>
    /// <param name="checkpoint">Where to keep the state (null: nowhere); continued from when it exists.</param>
    /// <param name="cancellationToken">Stops after the current step, with a checkpoint, by throwing <see cref="OperationCanceledException"/>.</param>
    public TrainingOutcome Train(RegressionModel model, InputSource inputs, double[] scaledLabels, DataSplit split, int[] neighbourRows, int seed, TrainingCheckpoint? checkpoint = null, CancellationToken cancellationToken = default)
    {
        using var optimizer = CreateOptimizer(model);
        var valTargets = split.Val.Select(i => scaledLabels[i]).ToArray();
        var best = Snapshot(model);
        using var lossSum = zeros([], placement.DType, placement.Device);
        var progress = new TrainingProgress(0, 0, 0, double.PositiveInfinity, 0, 0, 0);
        try
        {
            if (checkpoint is { Exists: true })
                progress = Restore(checkpoint, model, optimizer, best, lossSum);
            var spent = progress.Seconds;
            var clock = Stopwatch.StartNew();
            var sinceSave = Stopwatch.StartNew();
            TrainingProgress Now(int epochsDone, int batchesDone) => progress with
            {
                EpochsDone = epochsDone,
                BatchesDone = batchesDone,
                OptimizerSteps = optimizer.Steps,
                Seconds = spent + clock.Elapsed.TotalSeconds,
            };

            while (progress.EpochsDone < options.MaxEpochs)
            {
                var epoch = progress.EpochsDone + 1;
                var epochClock = Stopwatch.StartNew();
                model.train();
                var plan = BatchPlan.Epoch(split.Train, options.BatchSize, new Random(EpochSeeds.BatchOrder(seed, epoch)), inputs.Lengths);
                if (progress.BatchesDone == 0)
                {
                    manual_seed(EpochSeeds.Torch(seed, epoch));
                    lossSum.zero_();
                }

                // Inside an epoch, torch's generator and the loss so far came back from the checkpoint.
                var remaining = plan.Skip(progress.BatchesDone).ToList();
                var done = progress.BatchesDone;
                using (var batches = inputs.Batches(remaining, placement.DType, placement.Device, EpochSeeds.AugmentationPass(seed, epoch), cancellationToken).GetEnumerator())
                {
                    foreach (var indices in remaining)
                    {
                        batches.MoveNext();
                        using (var input = batches.Current)
                            Accumulate(lossSum, model, optimizer, input, scaledLabels, indices);
                        done++;
                        CrashPoints.Pass("step");
                        var stop = cancellationToken.IsCancellationRequested;
                        var due = options.CheckpointMinutes > 0 && sinceSave.Elapsed.TotalMinutes >= options.CheckpointMinutes && done < plan.Count;
                        if (checkpoint is not null && (stop || due))
                        {
                            progress = Now(epoch - 1, done);
                            Save(checkpoint, progress, model, optimizer, best, lossSum, midEpoch: true);
                            sinceSave.Restart();
                        }

                        cancellationToken.ThrowIfCancellationRequested();
                    }
                }

                var trainLoss = lossSum.ScalarValue() / plan.Count; // the epoch's one read of the loss: no sync per step
                var valMse = ValidationMse(model, inputs, scaledLabels, split, neighbourRows, valTargets);
                EpochDone?.Invoke(new EpochReport(epoch, trainLoss, valMse, options.Lr * optimizer.Warmup, epochClock.Elapsed.TotalSeconds, split.Train.Length / Math.Max(1e-9, epochClock.Elapsed.TotalSeconds)));
                if (!double.IsFinite(trainLoss) || !double.IsFinite(valMse))
                {
                    var what = double.IsFinite(trainLoss) ? $"the validation MSE is {valMse}" : $"the training loss is {trainLoss}";
                    return new TrainingOutcome(epoch, progress.BestEpoch, progress.BestValMse, $"{what} in epoch {epoch}");
                }

                var stopping = false;
                if (valMse < progress.BestValMse)
                {
                    progress = progress with { BestValMse = valMse, BestEpoch = epoch, SinceBest = 0 };
                    DisposeAll(best);
                    best = Snapshot(model);
                }
                else if (epoch > options.MinEpochs)
                {
                    progress = progress with { SinceBest = progress.SinceBest + 1 };
                    stopping = progress.SinceBest >= options.Patience;
                }

                progress = Now(epoch, 0);
                if (stopping)
                    break;
                if (checkpoint is not null && epoch < options.MaxEpochs)
                {
                    Save(checkpoint, progress, model, optimizer, best, lossSum, midEpoch: false);
                    sinceSave.Restart();
                    CrashPoints.Pass("epoch");
                }

                cancellationToken.ThrowIfCancellationRequested();
            }

            model.load_state_dict(best);
        }
        finally
        {
            DisposeAll(best);
        }

        return new TrainingOutcome(progress.EpochsDone, progress.BestEpoch, progress.BestValMse);
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
        using var loss = zeros([], placement.DType, placement.Device);
        Accumulate(loss, model, optimizer, input, scaledLabels, batch);
        return loss.ScalarValue();
    }

    /// <summary>One optimiser step on an already loaded batch; adds its loss (before the update) to <paramref name="lossSum"/> on the device.</summary>
    private void Accumulate(Tensor lossSum, RegressionModel model, AdamOptimizer optimizer, InputBatch input, double[] scaledLabels, long[] batch)
    {
        using (var scope = NewDisposeScope())
        {
            var targets = placement.Vector([.. batch.Select(i => scaledLabels[i])]);
            var z = model.Embed(input);
            // In training the batch is its own neighbour set, each point masked from itself.
            var predictions = model.Predict(new HeadInput(z, z, targets, ExcludeSelf: true));
            var mse = nn.functional.mse_loss(predictions, targets);
            optimizer.ZeroGrad();
            mse.backward();
            lossSum.add_(mse.detach(), HeldScalars.One);
        }

        optimizer.Step();
    }

    private double ValidationMse(RegressionModel model, InputSource inputs, double[] scaledLabels, DataSplit split, int[] neighbourRows, double[] targets)
    {
        using var scope = NewDisposeScope();
        return Inference.Mse(Inference.PredictRows(model, inputs, scaledLabels, split.Val, neighbourRows, placement), targets);
    }

    /// <summary>Eval-mode embeddings and scaled labels of <paramref name="rows"/>.</summary>
    public static NeighbourBank Bank(RegressionModel model, InputSource inputs, double[] scaledLabels, int[] rows, Placement placement) =>
        new(Inference.Embeddings(model, inputs, rows, placement), placement.Vector([.. rows.Select(i => scaledLabels[i])]));

    private static void Save(TrainingCheckpoint checkpoint, TrainingProgress progress, RegressionModel model, AdamOptimizer optimizer, Dictionary<string, Tensor> best, Tensor lossSum, bool midEpoch)
    {
        var tensors = model.state_dict().Select(kv => ($"model.{kv.Key}", kv.Value))
            .Concat(best.Select(kv => ($"best.{kv.Key}", kv.Value)))
            .Concat(optimizer.Moments())
            .ToList();
        using var generator = midEpoch ? get_rng_state() : null;
        if (midEpoch)
        {
            tensors.Add(("torch.generator", generator!));
            tensors.Add(("loss_sum", lossSum));
        }

        checkpoint.Save(progress, tensors);
    }

    private static TrainingProgress Restore(TrainingCheckpoint checkpoint, RegressionModel model, AdamOptimizer optimizer, Dictionary<string, Tensor> best, Tensor lossSum)
    {
        var state = model.state_dict();
        var moments = optimizer.Moments().ToDictionary(m => m.Name, m => m.Tensor);
        using var generator = get_rng_state();
        var progress = checkpoint.Load(name => name switch
        {
            _ when name.StartsWith("model.", StringComparison.Ordinal) => state.GetValueOrDefault(name[6..]),
            _ when name.StartsWith("best.", StringComparison.Ordinal) => best.GetValueOrDefault(name[5..]),
            "torch.generator" => generator,
            "loss_sum" => lossSum,
            _ => moments.GetValueOrDefault(name),
        });
        optimizer.Steps = progress.OptimizerSteps;
        if (progress.BatchesDone > 0)
            set_rng_state(generator);
        return progress;
    }

    private static Dictionary<string, Tensor> Snapshot(RegressionModel model)
    {
        // detach()'s result must be held while clone() reads it: outside a scope nothing else holds it (this was
        // a SIGSEGV in THSTensor_clone under GC stress).
        var copy = new Dictionary<string, Tensor>();
        foreach (var (name, tensor) in model.state_dict())
        {
            using var detached = tensor.detach();
            copy[name] = detached.clone();
        }

        return copy;
    }

    private static void DisposeAll(Dictionary<string, Tensor> state)
    {
        foreach (var tensor in state.Values)
            tensor.Dispose();
    }
}
