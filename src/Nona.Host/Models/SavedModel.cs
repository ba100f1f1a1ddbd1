using System.Text.Json;
using Nona.Abstractions;
using Nona.Host.Data;
using Nona.Host.Discovery;
using Nona.Host.Output;
using Nona.Host.Protocol;
using Nona.Host.Recipes;
using Nona.Host.Torch;
using static TorchSharp.torch;

namespace Nona.Host.Models;

/// <summary>
/// A model a run saved (<see cref="ModelStore"/>), loaded back: rebuilt from its resolved recipe with the same
/// plugins, its trained weights and NONA's neighbour bank read in, and — for a frozen backbone — the backbone
/// rebuilt from the recipe (its pretrained weights are named there, not copied). Predicts the same numbers the run
/// computed for the same inputs.
/// </summary>
internal sealed class SavedModel : IDisposable
{
    private readonly RegressionModel model;
    private readonly NeighbourBank? bank;
    private readonly FeatureExtractor? frozenBackbone;
    private readonly Placement placement;
    private readonly string cacheFolder;

    private SavedModel(RegressionModel model, NeighbourBank? bank, FeatureExtractor? frozenBackbone, Placement placement, string cacheFolder, SavedModelInfo info, LabelScaler scaler, IRegressor? twoStage, string? softStep)
    {
        SoftStep = softStep;
        TwoStage = twoStage;
        this.model = model;
        this.bank = bank;
        this.frozenBackbone = frozenBackbone;
        this.placement = placement;
        this.cacheFolder = cacheFolder;
        Info = info;
        Scaler = scaler;
    }

    /// <summary>Dataset, split, method and the bank's rows.</summary>
    public SavedModelInfo Info { get; }

    /// <summary>
    /// The two-stage regressor (the <c>+knn</c> row) when loaded with <c>twoStage: true</c>: it then predicts from
    /// the head model's embeddings in place of the head.
    /// </summary>
    public IRegressor? TwoStage { get; }

    /// <summary>The name of the SoftStep plugin the head's options name (<c>s2</c>), or null when they name none.</summary>
    public string? SoftStep { get; }

    /// <summary>The label scaler of the model's training split.</summary>
    public LabelScaler Scaler { get; }

    /// <summary>
    /// Loads the model folder <paramref name="folder"/> (<c>models/&lt;dataset&gt;/split-&lt;k&gt;/&lt;method&gt;</c>) on the CPU;
    /// with <paramref name="twoStage"/> also its two-stage regressor, which then predicts.
    /// </summary>
    public static SavedModel Load(string folder, PluginCatalog catalog, bool twoStage = false)
    {
        var description = Path.Combine(folder, "model.json");
        if (!File.Exists(description))
            throw new NonaException($"{folder}: no model.json; give a folder models/<dataset>/split-<k>/<method> of a run");
        using var json = JsonDocument.Parse(File.ReadAllText(description));
        var root = json.RootElement;
        if (!root.TryGetProperty("format", out var format) || format.GetInt32() != 1)
            throw new NonaException($"{description}: a model saved before loadable models (no format 1); rerun the run to save a loadable one");
        var info = new SavedModelInfo(
            root.GetProperty("dataset").GetString()!,
            root.GetProperty("split").GetInt32(),
            root.GetProperty("method").GetString()!,
            root.GetProperty("input_dim").GetInt64(),
            root.GetProperty("frozen_backbone").GetBoolean(),
            Rows(root, "bank_rows"),
            Rows(root, "test_rows"),
            root.TryGetProperty("dataset_fingerprint", out var fingerprint) && fingerprint.ValueKind == JsonValueKind.String ? fingerprint.GetString() : null,
            Rows(root, "two_stage_rows"));
        var scaler = new LabelScaler(root.GetProperty("label_scaler").GetProperty("min").GetDouble(), root.GetProperty("label_scaler").GetProperty("max").GetDouble());
        var dtype = root.GetProperty("dtype").GetString() == "float64" ? ScalarType.Float64 : ScalarType.Float32;

        var recipe = ModelRecipe.Load(folder, [], catalog);
        var headSpec = recipe.Heads.FirstOrDefault(h => h.Label == info.Method)
            ?? throw new NonaException($"{description}: its recipe has no head labelled '{info.Method}'");
        var builder = new PluginBuilder(catalog, recipe, new CsvTableReader());
        var placement = new Placement(CPU, dtype);
        manual_seed(0); // initial values are overwritten by the saved weights; seeded so loading is reproducible anyway
        FeatureExtractor backbone = info.FrozenBackbone
            ? new PrecomputedBackbone(info.InputDim)
            : builder.Create<FeatureExtractor>(recipe.Backbone, builder.Context(recipe.Backbone.Key, info.InputDim, dtype));
        var projector = builder.Create<Projector>(recipe.Projector, builder.Context(recipe.Projector.Key, backbone.OutputDim, dtype));
        var head = builder.Create<RegressionHead>(headSpec, builder.Context(headSpec.Key, projector.OutputDim, dtype));
        var model = placement.Place(new RegressionModel(backbone, projector, head));
        model.load(Path.Combine(folder, "weights.bin"));
        model.eval();

        NeighbourBank? bank = null;
        if (root.GetProperty("neighbours") is { ValueKind: JsonValueKind.Object } neighbours)
        {
            var count = neighbours.GetProperty("count").GetInt64();
            var width = neighbours.GetProperty("embedding_dim").GetInt64();
            using var embeddings = zeros(count, width, dtype);
            using var labels = zeros(count, dtype);
            using var bundle = new ModelStore.TensorBundle(embeddings, labels);
            bundle.load(Path.Combine(folder, "neighbours.bin"));
            var state = bundle.state_dict();
            bank = new NeighbourBank(state["embeddings"].to(dtype, placement.Device, copy: true), state["labels"].to(dtype, placement.Device, copy: true));
        }

        FeatureExtractor? frozen = null;
        if (info.FrozenBackbone)
        {
            manual_seed(recipe.Seed);
            frozen = placement.Place(builder.Create<FeatureExtractor>(recipe.Backbone, builder.Context(recipe.Backbone.Key, 0, dtype)));
        }

        var regressor = twoStage ? LoadTwoStage(folder, root, builder, projector.OutputDim, dtype) : null;
        return new SavedModel(model, bank, frozen, placement, recipe.CacheFolder, info, scaler, regressor, SoftStepOf(headSpec.Options));
    }

    // Any head's options may name a SoftStep (a PluginReference option of that kind); the explain page words its
    // note on the mask for the one named.
    private static string? SoftStepOf(object options) =>
        options.GetType().GetProperties()
            .Where(p => p.PropertyType == typeof(PluginReference) && p.GetCustomAttributes(typeof(PluginKindAttribute), true).OfType<PluginKindAttribute>().Any(a => a.Kind == PluginKind.SoftStep))
            .Select(p => (p.GetValue(options) as PluginReference)?.Name)
            .FirstOrDefault(name => name is not null);

    /// <summary>True when the model folder <paramref name="folder"/> holds a two-stage regressor.</summary>
    public static bool HasTwoStage(string folder) => File.Exists(Path.Combine(folder, ModelStore.TwoStageFile));

    // Rebuilt through the plugin catalog from the plugin and options model.json records, then its fitted state
    // read: Load's state wins over the options, which only set how it runs (e.g. threads).
    private static IRegressor LoadTwoStage(string folder, JsonElement root, PluginBuilder builder, long width, ScalarType dtype)
    {
        var description = Path.Combine(folder, "model.json");
        if (!root.TryGetProperty("two_stage", out var entry) || entry.ValueKind != JsonValueKind.Object)
            throw new NonaException($"{description}: the model has no saved two-stage regressor; rerun with evaluation.two_stage: true to save one");
        var reference = new PluginReference(entry.GetProperty("plugin").GetString()!);
        var file = Path.Combine(folder, entry.GetProperty("file").GetString()!);
        var context = builder.Context("evaluation.knn", width, dtype);
        IRegressor regressor;
        try
        {
            // The saved options are rebound to the plugin's own options type (a missing plugin is named in one line).
            var options = entry.TryGetProperty("options", out var saved) && saved.ValueKind == JsonValueKind.Object ? saved : (JsonElement?)null;
            if (options is { } bound)
            {
                var type = builder.OptionsType<IRegressor>(reference.Name, context);
                reference.Options = bound.Deserialize(type, ModelStore.RegressorOptionsJson);
            }

            regressor = builder.Create<IRegressor>(reference, context);
        }
        catch (JsonException e)
        {
            throw new NonaException($"{description}: two_stage.options do not fit regressor '{reference.Name}': {e.Message}");
        }

        try
        {
            using var stream = File.OpenRead(file);
            regressor.Load(stream);
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            throw new NonaException($"{file}: regressor '{reference.Name}' cannot read it ({e.Message}); rerun the run to save it again");
        }

        return regressor;
    }

    /// <summary>The input modality the model reads (its backbone's).</summary>
    public string Modality => frozenBackbone?.Modality ?? model.Modality;

    /// <summary>The bank's labels in scaled units, in bank order (empty without a bank).</summary>
    public double[] BankLabelsScaled() => bank is null ? [] : Placement.ToArray(bank.Labels);

    /// <summary>True when the head predicts from the neighbour bank (NONA).</summary>
    public bool UsesNeighbours => bank is not null;

    /// <summary>Predictions in scaled label units for <paramref name="rows"/> of <paramref name="inputs"/> (the dataset's own inputs, or new ones of the same modality).</summary>
    public double[] PredictScaled(InputSource inputs, int[] rows)
    {
        using var z = Embed(inputs, rows);
        // The two-stage regressor reads the embeddings as the run fitted and evaluated it (Placement.ToRows).
        return TwoStage is { } regressor ? regressor.Predict(Placement.ToRows(z)) : Inference.Predict(model, z, bank);
    }

    /// <summary>
    /// For each of <paramref name="rows"/>, in chunks: the head's prediction and its <paramref name="top"/>
    /// neighbours by weight (bank positions; <see cref="SavedModelInfo.BankRows"/> names their dataset rows). Null
    /// for a head without neighbours. The caller disposes each chunk.
    /// </summary>
    public IEnumerable<NeighbourAttention>? Attend(InputSource inputs, int[] rows, int top)
    {
        if (bank is null)
            return null;
        return Chunks();

        IEnumerable<NeighbourAttention> Chunks()
        {
            using var z = Embed(inputs, rows);
            using var noGrad = no_grad();
            for (long start = 0; start < z.shape[0]; start += Inference.Chunk)
            {
                using var queries = z.narrow(0, start, Math.Min(Inference.Chunk, z.shape[0] - start));
                // A plugin head may predict from neighbours without saying where the weight went: a user's limit, not a bug.
                yield return model.Attend(new HeadInput(queries, bank.Embeddings, bank.Labels, ExcludeSelf: false), top)
                    ?? throw new NonaException($"head '{Info.Method}' predicts from neighbours but does not implement RegressionHead.Attend, so nona explain cannot show them; nona predict works with this model");
            }
        }
    }

    /// <summary>
    /// The two-stage regressor's predictions (scaled, as <see cref="PredictScaled"/>) for <paramref name="rows"/>
    /// and, from the same embeddings, the fitted rows each combined (positions in
    /// <see cref="SavedModelInfo.TwoStageRows"/>, which names their dataset rows); the neighbours are null when the
    /// regressor cannot name its rows (<see cref="INeighbourRegressor"/>) or the model predates saved rows.
    /// </summary>
    public (double[] Predictions, IReadOnlyList<RegressorNeighbours>? Neighbours) TwoStageExplain(InputSource inputs, int[] rows)
    {
        var regressor = TwoStage ?? throw new InvalidOperationException("the model was loaded without its two-stage regressor");
        using var z = Embed(inputs, rows);
        var embeddings = Placement.ToRows(z);
        var neighbours = regressor is INeighbourRegressor named && Info.TwoStageRows is not null ? named.Neighbours(embeddings) : null;
        return (regressor.Predict(embeddings), neighbours);
    }

    private Tensor Embed(InputSource inputs, int[] rows)
    {
        var source = inputs;
        if (frozenBackbone is not null)
        {
            var prepared = frozenBackbone.Prepare(inputs, _ => { });
            source = new VectorInputs(FrozenFeatures.Compute(frozenBackbone, prepared, placement, cacheFolder, _ => { }));
        }

        return Inference.Embeddings(model, source, rows, placement);
    }

    /// <summary>Predictions in the label's own units.</summary>
    public double[] Predict(InputSource inputs, int[] rows) => [.. PredictScaled(inputs, rows).Select(Scaler.Unscale)];

    private static int[]? Rows(JsonElement root, string key) =>
        root.TryGetProperty(key, out var rows) && rows.ValueKind == JsonValueKind.Array ? [.. rows.EnumerateArray().Select(e => e.GetInt32())] : null;

    /// <inheritdoc />
    public void Dispose()
    {
        model.Dispose();
        bank?.Dispose();
        frozenBackbone?.Dispose();
    }
}
