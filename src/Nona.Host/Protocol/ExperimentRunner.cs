using System.Diagnostics;
using Nona.Abstractions;
using Nona.Host.Output;
using Nona.Host.Recipes;
using Nona.Host.Torch;
using Nona.Host.Units;
using TorchSharp;

namespace Nona.Host.Protocol;

/// <summary>
/// The paper's protocol over every dataset of a recipe: for each seeded split, train each head from a fresh
/// initialisation, evaluate it (and its two-stage k-NN), fit the raw-input baselines, and hand rows to the output.
/// Each head of a split, and the split's baselines, is a unit (<see cref="UnitRunner"/>): a finished unit is read
/// back, an unfinished one continues from its checkpoint, so a killed run resumes where it stood.
/// </summary>
internal sealed class ExperimentRunner(Recipe recipe, PluginBuilder builder, IRunObserver observer, RunOutput output, UnitRunner units)
{
    private readonly Placement placement = new(
        DeviceSelector.Resolve(recipe.Training.Device),
        recipe.Training.Dtype == FloatType.Float64 ? torch.ScalarType.Float64 : torch.ScalarType.Float32);

    /// <summary>Loads every dataset (before any training, so bad data fails fast and writes nothing).</summary>
    public IReadOnlyList<(string Name, DatasetData Data)> LoadDatasets(CancellationToken cancellationToken)
    {
        var loaded = new List<(string, DatasetData)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var spec in recipe.Datasets)
        {
            var dataset = builder.Create<IDataset>(spec, builder.Context(spec.Key, 0, placement.DType));
            var data = dataset.Load(cancellationToken);
            if (data.Inputs is SampleInputSource decoded)
                decoded.Prefetch = recipe.Training.Prefetch;
            var name = spec.HasLabel ? spec.Label : data.Name;
            if (!names.Add(name))
                throw new NonaException($"{recipe.Path}: {spec.Key}: a dataset named '{name}' is already in this recipe; give this one a distinct 'label:'");
            loaded.Add((name, data));
        }

        return loaded;
    }

    /// <summary>Runs the protocol on each dataset; results are written after every split.</summary>
    public void Run(IReadOnlyList<(string Name, DatasetData Data)> datasets, CancellationToken cancellationToken)
    {
        if (recipe.Training.Threads > 0)
            torch.set_num_threads(recipe.Training.Threads);
        output.Device = placement.Device.ToString();
        var dropped = new DroppedSamples(output.Folder);
        UnitKey[] all = [.. datasets.SelectMany(d => TrainingUnits(d.Name))];
        observer.RunStarted(all.Length, all.Count(u => !units.Pending(u)));
        foreach (var (name, data) in datasets)
        {
            var clock = Stopwatch.StartNew();
            foreach (var note in data.Notes)
                observer.Note(note);
            while (true)
            {
                var firstRow = output.Rows.Count;
                try
                {
                    RunDataset(name, Without(data, dropped.Rows(name)), cancellationToken);
                    break;
                }
                catch (SampleDecodeException e) when (data.Inputs.SkipsBadSamples && units.RunsEverything)
                {
                    // A body that fails to decode is found by the first unit that reads it; the dataset's units
                    // restart without the row, so every method of every split sees the same rows. A cluster task
                    // cannot restart its siblings: it fails and names the file.
                    dropped.Add(name, e.Index, e.Message);
                    observer.Note($"dataset '{name}': {e.Message} — dropped row {e.Index} for the rest of the run (on_bad_*: skip); its units restarted without it");
                    output.RemoveRowsFrom(firstRow);
                    units.Forget(name);
                }
            }

            output.DatasetTime(name, clock.Elapsed);
        }
    }

    /// <summary>
    /// Computes each dataset's frozen-backbone features (into the feature cache) when a unit of it still has to
    /// run: a cluster's first job, so the array's tasks read them instead of each computing them at once.
    /// </summary>
    public void PrepareFeatures(IReadOnlyList<(string Name, DatasetData Data)> datasets)
    {
        if (recipe.Training.Threads > 0)
            torch.set_num_threads(recipe.Training.Threads);
        var dropped = new DroppedSamples(output.Folder);
        foreach (var (name, data) in datasets)
        {
            if (TrainingUnits(name).Any(units.Pending))
                _ = TrainingInputs(name, Without(data, dropped.Rows(name)));
        }
    }

    /// <summary>The dataset's training units (one per split and head; the baselines' units train nothing), in run order.</summary>
    private UnitKey[] TrainingUnits(string dataset) =>
        [.. from k in Enumerable.Range(0, recipe.Evaluation.Splits) from h in recipe.Heads select new UnitKey(dataset, k, h.Label)];

    /// <summary>The dataset without the rows <paramref name="dropped"/> (source indices).</summary>
    internal static DatasetData Without(DatasetData data, IReadOnlySet<int> dropped)
    {
        if (dropped.Count == 0)
            return data;
        int[] kept = [.. Enumerable.Range(0, data.Labels.Length).Where(i => !dropped.Contains(i))];
        return new DatasetData
        {
            Name = data.Name,
            Inputs = new SubsetInputs(data.Inputs, kept),
            Labels = [.. kept.Select(i => data.Labels[i])],
            Groups = data.Groups is { } groups ? [.. kept.Select(i => groups[i])] : null,
            Notes = data.Notes,
        };
    }

    private void RunDataset(string name, DatasetData data, CancellationToken cancellationToken)
    {
        var evaluation = recipe.Evaluation;
        var minimum = (int)Math.Ceiling(3 / ((1 - evaluation.TestFraction) * (1 - evaluation.ValFraction))) + 2;
        if (data.Labels.Length < minimum)
            throw new NonaException($"{recipe.Path}: dataset '{name}' has {data.Labels.Length} rows; the protocol needs at least {minimum} so every split has 3 training points");
        CheckGroups(name, data);
        var surface = evaluation.Surfaces && data.Inputs.VectorDim == 2 && data.Inputs.AsVectors() is not null ? new SurfacePanels(name, data) : null;
        // Features are computed only when a unit of this dataset still has to run: a resumed run whose units are
        // done reads them back without touching the backbone.
        var training = new Lazy<(InputSource Inputs, bool Precomputed)>(() => TrainingInputs(name, data));
        var fingerprint = new Lazy<string?>(data.Inputs.Fingerprint); // once per dataset, only when a model is saved
        // A dataset none of whose units is this process's (a cluster task runs one) is not announced. The backbone is
        // built (weights read, features computed) before this dataset's first unit starts, so a missing weight file
        // stops the run before any unit writes into the folder.
        var keys = TrainingUnits(name);
        if (keys.Any(units.Owns))
            observer.DatasetStarted(name, data.Labels.Length, keys.Length);
        if (keys.Any(units.Pending))
            _ = training.Value;
        for (var k = 0; k < evaluation.Splits; k++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var seed = recipe.Seed + k;
            var split = DataSplit.Make(data.Labels, seed, evaluation, data.Groups);
            if (split.Train.Length == 0 || split.Val.Length == 0 || split.Test.Length == 0)
                throw new NonaException($"{recipe.Path}: dataset '{name}': split {k} has an empty train, validation or test part ({split.Train.Length}/{split.Val.Length}/{split.Test.Length} rows); it has too few groups for these fractions (or stratify_bins); use more data or fewer bins");
            var scaler = LabelScaler.Fit(data.Labels, split.Train);
            var scaled = data.Labels.Select(scaler.Scale).ToArray();
            var context = new SplitContext(name, data, training, fingerprint, k, seed, split, scaler, scaled, k == 0 && surface is not null);
            foreach (var head in recipe.Heads)
            {
                var key = new UnitKey(name, k, head.Label);
                var replayed = !units.Pending(key);
                Collect(units.Run(key, checkpoint => RunHead(head, context, checkpoint, cancellationToken), cancellationToken), surface, replayed);
            }

            Collect(units.Run(new UnitKey(name, k, UnitKey.Baselines), _ => RunBaselines(context), cancellationToken), surface, replayed: false);
            if (units.RunsEverything)
                output.WriteResults();
        }

        if (surface is not null)
            output.AddSurfaces(surface);
    }

    /// <summary>
    /// Hands a unit's rows to the output (and its surfaces to the panels), in results.csv order;
    /// <paramref name="replayed"/> when an earlier process ran it and its record was read back.
    /// </summary>
    private void Collect(UnitRecord? record, SurfacePanels? surface, bool replayed)
    {
        if (record is null)
            return; // another process's unit
        foreach (var unitRow in record.Rows)
        {
            output.Add(unitRow.Row, TimeSpan.FromSeconds(unitRow.Seconds), unitRow.Fitted);
            if (surface is not null && unitRow.Surface is { } values)
                surface.AddValues(unitRow.Row.Method, values);
            observer.MethodDone(unitRow.Row, unitRow == record.Rows[0] ? record.Outcome : null, replayed);
        }

        foreach (var note in record.Notes)
            observer.Note(note);
    }

    /// <summary>A dataset's group keys must cover every row, and whole groups can only be split three ways if there are three.</summary>
    private void CheckGroups(string name, DatasetData data)
    {
        if (data.Groups is not { } groups)
            return;
        if (groups.Count != data.Labels.Length || groups.Any(g => g is null))
            throw new NonaException($"{recipe.Path}: dataset '{name}' gives {groups.Count} group keys for {data.Labels.Length} rows; this is a bug in the dataset plugin");
        var distinct = groups.Distinct(StringComparer.Ordinal).Count();
        if (distinct < 3)
            throw new NonaException($"{recipe.Path}: dataset '{name}' has {distinct} group(s); a group-aware split needs at least 3 so train, validation and test each get one");
    }

    /// <summary>
    /// The inputs the heads train on: the dataset's own, or — for a frozen backbone — its features, computed once
    /// (and cached) for all splits.
    /// </summary>
    private (InputSource Inputs, bool Precomputed) TrainingInputs(string name, DatasetData data)
    {
        torch.manual_seed(recipe.Seed);
        using var backbone = NewBackbone(data.Inputs, name);
        var prepared = backbone.Prepare(data.Inputs, observer.Note); // e.g. texts tokenised once, for every split
        if (!backbone.Frozen)
            return (prepared, false);
        placement.Place(backbone);
        var features = FrozenFeatures.Compute(backbone, prepared, placement, recipe.CacheFolder, observer.Note);
        return (new VectorInputs(features), true);
    }

    private FeatureExtractor NewBackbone(InputSource inputs, string dataset)
    {
        var backbone = builder.Create<FeatureExtractor>(recipe.Backbone, builder.Context(recipe.Backbone.Key, inputs.VectorDim, placement.DType));
        if (backbone.Modality != inputs.Modality)
        {
            backbone.Dispose();
            throw new NonaException($"{recipe.Path}: backbone '{recipe.Backbone.Plugin.Name}' reads {backbone.Modality} inputs but dataset '{dataset}' has {inputs.Modality} inputs; choose a matching backbone");
        }

        return backbone;
    }

    private UnitRecord RunHead(PluginSpec headSpec, SplitContext s, TrainingCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        var (inputs, precomputed) = s.Training.Value;
        torch.manual_seed(s.Seed); // same seed ⇒ same initialisation and the same numbers
        FeatureExtractor backbone = precomputed ? new PrecomputedBackbone(inputs.VectorDim) : NewBackbone(s.Data.Inputs, s.Name);
        var projector = builder.Create<Projector>(recipe.Projector, builder.Context(recipe.Projector.Key, backbone.OutputDim, placement.DType));
        var head = builder.Create<RegressionHead>(headSpec, builder.Context(headSpec.Key, projector.OutputDim, placement.DType));
        using var model = placement.Place(new RegressionModel(backbone, projector, head));

        var method = headSpec.Label;
        var clock = Stopwatch.StartNew();
        var neighbourRows = recipe.Evaluation.Neighbours == NeighbourSet.TrainVal ? [.. s.Split.Train, .. s.Split.Val] : s.Split.Train;
        var trainer = new Trainer(recipe.Training, placement)
        {
            EpochDone = report =>
            {
                observer.EpochDone(s.Name, s.Index, method, report.Epoch, report.ValMse);
                output.LogEpoch(s.Name, s.Index, method, report);
            },
        };
        var outcome = trainer.Train(model, inputs, s.Scaled, s.Split, neighbourRows, s.Seed, checkpoint, cancellationToken);
        if (outcome.Divergence is { } divergence)
            return Diverged(s, method, outcome, divergence, clock.Elapsed);

        var rows = new List<UnitRow>();
        using var bank = model.UsesNeighbours ? Trainer.Bank(model, inputs, s.Scaled, neighbourRows, placement) : null;
        using var zTest = Inference.Embeddings(model, inputs, s.Split.Test, placement);
        var valPredictions = Inference.PredictRows(model, inputs, s.Scaled, s.Split.Val, neighbourRows, placement);
        var row = s.Row(method, valPredictions, Inference.Predict(model, zTest, bank));
        rows.Add(new UnitRow(row, clock.Elapsed.TotalSeconds, null, s.Surfaces ? Grid(model, bank) : null));
        IRegressor? knn = null;
        var saveEmbeddings = recipe.Evaluation.Embeddings == EmbeddingOutput.Save || (recipe.Evaluation.Embeddings == EmbeddingOutput.FirstSplit && s.Index == 0);
        if (saveEmbeddings || recipe.Evaluation.TwoStage)
        {
            using var zTrain = Inference.Embeddings(model, inputs, s.Split.Train, placement);
            using var zVal = Inference.Embeddings(model, inputs, s.Split.Val, placement);
            if (saveEmbeddings)
                output.SaveEmbeddings(s.Name, s.Index, method, [("train", s.Split.Train, zTrain), ("val", s.Split.Val, zVal), ("test", s.Split.Test, zTest)], s.Scaled);
            if (recipe.Evaluation.TwoStage)
            {
                clock.Restart();
                knn = NewKnn(projector.OutputDim);
                knn.Fit(Placement.ToRows(zTrain), [.. s.Split.Train.Select(i => s.Scaled[i])]);
                var twoStage = s.Row($"{method}+knn", knn.Predict(Placement.ToRows(zVal)), knn.Predict(Placement.ToRows(zTest)));
                double[]? surface = null;
                if (s.Surfaces)
                {
                    var grid = SurfacePanels.NewGrid();
                    using var z = Inference.Embeddings(model, grid, [.. Enumerable.Range(0, grid.Count)], placement);
                    surface = knn.Predict(Placement.ToRows(z));
                }

                rows.Add(new UnitRow(twoStage, clock.Elapsed.TotalSeconds, knn.Describe(), surface));
            }
        }

        // Saved after the two-stage fit, so the model folder holds the regressor of its +knn row too.
        if (recipe.Evaluation.SaveModels)
            output.SaveModel(new SavedModelInfo(s.Name, s.Index, method, precomputed ? inputs.VectorDim : s.Data.Inputs.VectorDim, precomputed, bank is null ? null : neighbourRows, s.Split.Test, s.Fingerprint.Value, knn is null ? null : s.Split.Train), model, bank, s.Scaler, outcome, knn, knn is null ? null : KnnOptions());

        return new UnitRecord(rows, [], outcome);

        double[] Grid(RegressionModel trained, NeighbourBank? neighbours)
        {
            var grid = SurfacePanels.NewGrid();
            using var z = Inference.Embeddings(trained, grid, [.. Enumerable.Range(0, grid.Count)], placement);
            return Inference.Predict(trained, z, neighbours);
        }
    }

    /// <summary>A diverged head: its rows (and its two-stage row) hold NaN, and one note says what to try.</summary>
    private UnitRecord Diverged(SplitContext s, string method, TrainingOutcome outcome, string divergence, TimeSpan elapsed)
    {
        var rows = new List<UnitRow> { new(new ResultRow(s.Name, method, s.Index, double.NaN, double.NaN, double.NaN), elapsed.TotalSeconds, null, null) };
        if (recipe.Evaluation.TwoStage)
            rows.Add(new UnitRow(new ResultRow(s.Name, $"{method}+knn", s.Index, double.NaN, double.NaN, double.NaN), 0, null, null));
        var note = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"dataset '{s.Name}', split {s.Index}, {method}: training diverged ({divergence}); its rows hold NaN. Try a lower training.lr (now {recipe.Training.Lr:G4}), e.g. --set training.lr={recipe.Training.Lr / 10:G4}");
        return new UnitRecord(rows, [note], outcome);
    }

    private UnitRecord RunBaselines(SplitContext s)
    {
        var rows = new List<UnitRow>();
        var trainY = s.Split.Train.Select(i => s.Scaled[i]).ToArray();
        if (recipe.Evaluation.Baselines.Contains(Baseline.Mean))
        {
            // Predicting the training mean: the yardstick every learned method must beat.
            var mean = trainY.Average();
            var row = s.Row("mean", [.. s.Split.Val.Select(_ => mean)], [.. s.Split.Test.Select(_ => mean)]);
            rows.Add(new UnitRow(row, 0, null, null));
        }

        // The other baselines read the raw inputs, so they exist only for vector datasets.
        if (s.Data.Inputs.AsVectors() is not { } raw)
            return new UnitRecord(rows, [], null);
        var trainX = s.Split.Train.Select(i => raw[i]).ToArray();
        foreach (var baseline in recipe.Evaluation.Baselines.Distinct().Where(b => b != Baseline.Mean))
        {
            var clock = Stopwatch.StartNew();
            var (method, regressor) = baseline == Baseline.Linear
                ? ("linear", builder.Create<IRegressor>(new PluginReference("linear"), builder.Context("evaluation.baselines", raw[0].Length, placement.DType)))
                : ("knn-raw", NewKnn(raw[0].Length));
            regressor.Fit(trainX, trainY);
            var row = s.Row(method, regressor.Predict([.. s.Split.Val.Select(i => raw[i])]), regressor.Predict([.. s.Split.Test.Select(i => raw[i])]));
            rows.Add(new UnitRow(row, clock.Elapsed.TotalSeconds, regressor.Describe(), s.Surfaces ? regressor.Predict(SurfacePanels.NewGrid().AsVectors()) : null));
        }

        return new UnitRecord(rows, [], null);
    }

    private IRegressor NewKnn(long width) =>
        builder.Create<IRegressor>(recipe.Evaluation.Knn, builder.Context("evaluation.knn", width, placement.DType));

    private object KnnOptions() =>
        builder.OptionsOf<IRegressor>(recipe.Evaluation.Knn, builder.Context("evaluation.knn", 0, placement.DType));

    /// <summary>Everything about one split that the methods share.</summary>
    private sealed record SplitContext(string Name, DatasetData Data, Lazy<(InputSource Inputs, bool Precomputed)> Training, Lazy<string?> Fingerprint, int Index, int Seed, DataSplit Split, LabelScaler Scaler, double[] Scaled, bool Surfaces)
    {
        public ResultRow Row(string method, double[] valPredictions, double[] testPredictions)
        {
            var valMse = Inference.Mse(valPredictions, [.. Split.Val.Select(i => Scaled[i])]);
            var testMse = Inference.Mse(testPredictions, [.. Split.Test.Select(i => Scaled[i])]);
            var ownUnits = Inference.Mse([.. testPredictions.Select(Scaler.Unscale)], [.. Split.Test.Select(i => Data.Labels[i])]);
            return new ResultRow(Name, method, Index, valMse, testMse, ownUnits);
        }
    }
}
