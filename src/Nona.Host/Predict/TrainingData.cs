using Nona.Abstractions;
using Nona.Host.Data;
using Nona.Host.Discovery;
using Nona.Host.Output;
using Nona.Host.Protocol;
using Nona.Host.Recipes;
using Nona.Host.Units;
using TorchSharp;

namespace Nona.Host.Predict;

/// <summary>
/// The dataset a model was trained on, read again from its recipe exactly as the run read it (rows the run dropped
/// under <c>on_bad_*: skip</c> dropped again), so row ids in the model (its bank, its test part) name the same samples.
/// </summary>
internal static class TrainingData
{
    /// <summary>The recipe entry of the dataset named <paramref name="dataset"/> in the run (its label, else the name it loads as).</summary>
    public static (PluginSpec Spec, DatasetData? Loaded) FindSpec(Recipe recipe, PluginBuilder builder, string dataset, CancellationToken cancellationToken)
    {
        if (recipe.Datasets.FirstOrDefault(d => d.HasLabel && d.Label == dataset) is { } labelled)
            return (labelled, null);
        foreach (var spec in recipe.Datasets.Where(d => !d.HasLabel))
        {
            var data = builder.Create<IDataset>(spec, builder.Context(spec.Key, 0, torch.ScalarType.Float32)).Load(cancellationToken);
            if (data.Name == dataset)
                return (spec, data);
        }

        throw new NonaException($"{recipe.Path}: no dataset of this recipe loads as '{dataset}'; the model folder does not belong to this recipe");
    }

    /// <summary>
    /// Loads the training dataset of a model; checks it still has the fingerprint the run recorded, so an
    /// explanation never shows other samples under the trained rows' ids.
    /// </summary>
    public static DatasetData Load(string runFolder, Recipe recipe, PluginCatalog catalog, string dataset, string? fingerprint, CancellationToken cancellationToken)
    {
        var builder = new PluginBuilder(catalog, recipe, new CsvTableReader());
        var (spec, loaded) = FindSpec(recipe, builder, dataset, cancellationToken);
        var data = loaded ?? builder.Create<IDataset>(spec, builder.Context(spec.Key, 0, torch.ScalarType.Float32)).Load(cancellationToken);
        data = ExperimentRunner.Without(data, new DroppedSamples(runFolder).Rows(dataset));
        if (fingerprint is not null && data.Inputs.Fingerprint() is { } now && now != fingerprint)
            throw new NonaException($"{recipe.Path}: {spec.Key}: the training data of dataset '{dataset}' changed since the run (its fingerprint differs); restore the files the run read (data.root {recipe.DataRoot})");
        return data;
    }
}
