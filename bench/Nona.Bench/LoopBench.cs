using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Nona.Abstractions;
using Nona.Host.Protocol;
using Nona.Host.Recipes;
using Nona.Host.Torch;
using Nona.Plugins.Heads;
using Nona.Plugins.Heads.SoftStep;
using Nona.Plugins.Tabular;
using TorchSharp;
using static TorchSharp.torch;

namespace Nona.Bench;

/// <summary>
/// The training loop's own cost (issue #16 item 5): the framework's <see cref="Trainer"/> against a minimal
/// hand-written TorchSharp loop training the same model (same initial weights, same batches in the same order,
/// Adam at the same rate) for the same epochs, in one process, alternating sides. Both sides validate after every
/// epoch with the same call (<see cref="Inference.PredictRows"/>): the evaluation algorithm is benchmarked on its
/// own, so the difference is the loop around the steps — batch gathering, the optimiser, early-stopping
/// bookkeeping, best-weight snapshots, progress.
/// </summary>
internal static class LoopBench
{
    private const int Rows = 5_000, BatchSize = 32, Epochs = 3, Seed = 7;

    /// <summary>Arguments: optional <c>ROUNDS</c> (default 3: each side runs this many times per case, alternating).</summary>
    public static void Run(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3;
        torch.set_num_threads(2);
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}; torch threads 2; {Rows} rows, batch {BatchSize}, {Epochs} epochs, float32");
        Measure("projector + NONA (l2, S2 pointwise), 8 synthetic features", width: 8, nona: true, rounds);
        Measure("projector + dense, 512 cached-feature columns (ResNet-18's pooled width)", width: 512, nona: false, rounds);
    }

    private static void Measure(string name, int width, bool nona, int rounds)
    {
        var (rows, labels) = Data(width);
        var inputs = new VectorInputs(rows);
        var split = new DataSplit([.. Enumerable.Range(0, Rows * 4 / 5)], [.. Enumerable.Range(Rows * 4 / 5, Rows / 5)], []);
        var placement = new Placement(CPU, ScalarType.Float32);
        Framework(inputs, labels, split, placement, width, nona); // warm-up: JIT and libtorch's first calls
        HandWritten(inputs, labels, split, placement, width, nona);
        var framework = new List<double>();
        var hand = new List<double>();
        double frameworkMse = 0, handMse = 0;
        for (var r = 0; r < rounds; r++)
        {
            var clock = Stopwatch.StartNew();
            frameworkMse = Framework(inputs, labels, split, placement, width, nona);
            framework.Add(clock.Elapsed.TotalSeconds);
            clock.Restart();
            handMse = HandWritten(inputs, labels, split, placement, width, nona);
            hand.Add(clock.Elapsed.TotalSeconds);
        }

        var f = Median(framework);
        var h = Median(hand);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: framework {f:F2} s (runs {string.Join(", ", framework.Select(s => s.ToString("F2", CultureInfo.InvariantCulture)))}), hand-written {h:F2} s (runs {string.Join(", ", hand.Select(s => s.ToString("F2", CultureInfo.InvariantCulture)))}); throughput ratio framework / hand-written: {h / f:F2}; last validation MSE framework {frameworkMse:F4}, hand-written {handMse:F4}; {LoadAverage()}"));
    }

    private static double Framework(VectorInputs inputs, double[] labels, DataSplit split, Placement placement, int width, bool nona)
    {
        using var model = placement.Place(Build(width, nona));
        var options = new TrainingOptions { Lr = 1e-3, BatchSize = BatchSize, MaxEpochs = Epochs, MinEpochs = Epochs, Patience = Epochs, CheckpointMinutes = 0 };
        var last = 0.0;
        var trainer = new Trainer(options, placement) { EpochDone = e => last = e.ValMse };
        trainer.Train(model, inputs, labels, split, split.Train, Seed);
        return last;
    }

    /// <summary>What a user would write: one tensor of all rows, index_select per batch, TorchSharp's Adam.</summary>
    private static double HandWritten(VectorInputs inputs, double[] labels, DataSplit split, Placement placement, int width, bool nona)
    {
        using var model = placement.Place(Build(width, nona));
        using var x = tensor(inputs.AsVectors().SelectMany(r => r).Select(v => (float)v).ToArray(), [Rows, width]);
        using var y = tensor(labels.Select(v => (float)v).ToArray());
        using var adam = optim.Adam(model.parameters(), lr: 1e-3);
        var valTargets = split.Val.Select(i => labels[i]).ToArray();
        var last = 0.0;
        for (var epoch = 1; epoch <= Epochs; epoch++)
        {
            model.train();
            manual_seed(EpochSeeds.Torch(Seed, epoch));
            using var lossSum = zeros([]);
            var plan = BatchPlan.Epoch(split.Train, BatchSize, new Random(EpochSeeds.BatchOrder(Seed, epoch)));
            foreach (var batch in plan)
            {
                using var scope = NewDisposeScope();
                var index = tensor(batch);
                var targets = y.index_select(0, index);
                var z = model.Embed(new InputBatch(x.index_select(0, index)));
                var loss = nn.functional.mse_loss(model.Predict(new HeadInput(z, z, targets, ExcludeSelf: true)), targets);
                adam.zero_grad();
                loss.backward();
                adam.step();
                lossSum.add_(loss.detach());
            }

            _ = lossSum.item<float>();
            using var validation = NewDisposeScope();
            last = Inference.Mse(Inference.PredictRows(model, inputs, labels, split.Val, split.Train, placement), valTargets);
        }

        return last;
    }

    private static RegressionModel Build(int width, bool nona)
    {
        manual_seed(11); // the same initial weights on both sides
        var projector = new MlpProjector(width, [200, 25]);
        RegressionHead head = nona
            ? new NonaHead(SimilarityKind.L2, new S2SoftStep(25, new SoftStepOptions { Params = SoftStepParameterMode.Pointwise }, ScalarType.Float32))
            : new DenseHead(25);
        return new RegressionModel(new IdentityBackbone(width), projector, head);
    }

    // Gaussian features, a smooth label of the first two plus noise (scaled units: mean 0, about unit variance).
    private static (double[][] Rows, double[] Labels) Data(int width)
    {
        var random = new Random(width);
        double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var rows = new double[Rows][];
        var labels = new double[Rows];
        for (var i = 0; i < Rows; i++)
        {
            rows[i] = [.. Enumerable.Range(0, width).Select(_ => Gaussian())];
            labels[i] = Math.Sin(rows[i][0]) + (0.5 * rows[i][1]) + (0.1 * Gaussian());
        }

        return (rows, labels);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? "load average " + File.ReadAllText("/proc/loadavg").Split(' ')[0] : "";
}
