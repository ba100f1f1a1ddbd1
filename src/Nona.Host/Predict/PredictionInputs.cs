using System.Text.Json;
using Nona.Abstractions;
using Nona.Host.Data;
using Nona.Host.Discovery;
using Nona.Host.Models;
using Nona.Host.Protocol;
using Nona.Host.Recipes;
using TorchSharp;
using YamlDotNet.RepresentationModel;

namespace Nona.Host.Predict;

/// <summary>Where the rows to predict come from: exactly one of a table, a dataset entry or the run's own test rows.</summary>
/// <param name="DataFile">A CSV/TSV of new inputs (<c>--data</c>).</param>
/// <param name="DataRoot">The folder the table's paths resolve in (<c>--data-root</c>; default the table's folder).</param>
/// <param name="DataOptions">Extra keys for the table's dataset plugin, KEY=VALUE (<c>--data-option</c>).</param>
/// <param name="DatasetYaml">A dataset entry in recipe syntax (<c>--dataset '{name: shapes, n: 200}'</c>).</param>
/// <param name="Test">The model's own test rows (<c>--test</c>).</param>
internal sealed record PredictionSource(string? DataFile, string? DataRoot, IReadOnlyList<string> DataOptions, string? DatasetYaml, bool Test);

/// <summary>The rows to predict: inputs, their labels (NaN where none), the rows, and a name for files and logs.</summary>
internal sealed record PredictionRows(DatasetData Data, int[] Rows, string Name)
{
    /// <summary>True when every row has a label.</summary>
    public bool Labelled => Rows.All(r => !double.IsNaN(Data.Labels[r]));
}

/// <summary>
/// Reads the rows to predict through the same dataset plugins and preprocessing as the run: a table goes to the
/// model's modality's <c>*-csv</c> plugin with the run's dataset keys that plugin also has (image_size, resize,
/// seconds, crop, label_transform…), a dataset entry goes through its own plugin, and <c>--test</c> reads the
/// training dataset again.
/// </summary>
internal static class PredictionInputs
{
    // Keys that name a table's columns or file: never copied from the run's dataset to the table's plugin.
    private static readonly HashSet<string> TableKeys = ["name", "label", "path", "target", "features", "image", "audio", "text_columns", "template", "delimiter", "on_bad_row"];

    /// <summary>Reads <paramref name="source"/> for the model saved in <paramref name="modelFolder"/>.</summary>
    public static PredictionRows Read(RunModels run, string modelFolder, SavedModel model, PredictionSource source, PluginCatalog catalog, CancellationToken cancellationToken)
    {
        var given = (source.DataFile is null ? 0 : 1) + (source.DatasetYaml is null ? 0 : 1) + (source.Test ? 1 : 0);
        if (given != 1)
            throw new NonaException("give exactly one of --data FILE (a table of new inputs), --dataset '{name: ..., ...}' or --test (the run's own test rows, with --split K)");

        if (source.Test)
        {
            var rows = model.Info.TestRows ?? throw new NonaException($"{modelFolder}: the model was saved before test rows were recorded; rerun the run to use --test");
            var recipe = ModelRecipe.Load(modelFolder, [], catalog);
            var data = TrainingData.Load(run.RunFolder, recipe, catalog, model.Info.Dataset, model.Info.DatasetFingerprint, cancellationToken);
            return new PredictionRows(data, rows, $"{model.Info.Dataset}-test-split-{model.Info.Split}");
        }

        string entry;
        var overrides = new List<string>();
        string name;
        if (source.DatasetYaml is { } yaml)
        {
            entry = yaml;
            name = "dataset";
        }
        else
        {
            var file = Path.GetFullPath(source.DataFile!);
            if (!File.Exists(file))
                throw new NonaException($"--data {source.DataFile}: file not found; give a CSV/TSV of new inputs");
            var root = Path.GetFullPath(source.DataRoot ?? Path.GetDirectoryName(file)!);
            overrides.Add($"data.root={JsonSerializer.Serialize(root)}");
            entry = TableEntry(modelFolder, model, file, source.DataOptions, catalog, cancellationToken);
            name = Path.GetFileNameWithoutExtension(file);
        }

        var withInputs = ModelRecipe.Load(modelFolder, [.. overrides, $"datasets=[{entry}]"], catalog);
        var spec = withInputs.Datasets[0];
        var builder = new PluginBuilder(catalog, withInputs, new CsvTableReader(labelsOptional: true));
        var loaded = builder.Create<IDataset>(spec, builder.Context(spec.Key, 0, torch.ScalarType.Float32)).Load(cancellationToken);
        if (loaded.Inputs.Modality != model.Modality)
            throw new NonaException($"{source.DataFile ?? source.DatasetYaml}: {loaded.Inputs.Modality} inputs, but the model reads {model.Modality} inputs; give inputs of the run's modality");
        if (!model.Info.FrozenBackbone && model.Modality == "vector" && loaded.Inputs.VectorDim != model.Info.InputDim)
            throw new NonaException($"{source.DataFile ?? source.DatasetYaml}: rows of {loaded.Inputs.VectorDim} values, but the model was trained on {model.Info.InputDim}; give the same feature columns as the run");
        return new PredictionRows(loaded, [.. Enumerable.Range(0, loaded.Labels.Length)], name == "dataset" ? loaded.Name : name);
    }

    /// <summary>The recipe entry that reads <paramref name="file"/> with the modality's table plugin and the run's preprocessing.</summary>
    private static string TableEntry(string modelFolder, SavedModel model, string file, IReadOnlyList<string> dataOptions, PluginCatalog catalog, CancellationToken cancellationToken)
    {
        var plugin = model.Modality switch
        {
            "image" => "image-csv",
            "audio" => "audio-csv",
            "text" => "text-csv",
            _ => "csv",
        };
        var entry = catalog.Find(PluginKind.Dataset, plugin)
            ?? throw new NonaException($"--data needs the '{plugin}' dataset plugin for {model.Modality} inputs, and it is not installed (see nona plugins)");
        static HashSet<string> OptionNames(PluginEntry plugin) =>
            plugin.Factory.OptionsType.GetProperties().Where(p => p.CanWrite).Select(p => SnakeCase.Of(p.Name)).ToHashSet(StringComparer.Ordinal);
        var declared = OptionNames(entry);

        var recipe = ModelRecipe.Load(modelFolder, [], catalog);
        var builder = new PluginBuilder(catalog, recipe, new CsvTableReader());
        var (spec, _) = TrainingData.FindSpec(recipe, builder, model.Info.Dataset, cancellationToken);
        var runEntry = (YamlMappingNode)((YamlSequenceNode)RecipeLoader.Child(recipe.Resolved, "datasets")!).Children[recipe.Datasets.ToList().IndexOf(spec)];

        var mapping = new YamlMappingNode { Style = YamlDotNet.Core.Events.MappingStyle.Flow };
        mapping.Add("name", plugin);
        mapping.Add("path", new YamlScalarNode(file) { Style = YamlDotNet.Core.ScalarStyle.DoubleQuoted });
        var sameTable = spec.Plugin.Name == plugin;
        foreach (var (keyNode, value) in runEntry.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value ?? "";
            if (declared.Contains(key) && (sameTable ? key is not ("name" or "label" or "path") : !TableKeys.Contains(key)))
                mapping.Add(key, value);
        }

        void Default(string key, YamlNode value)
        {
            if (declared.Contains(key) && !mapping.Children.ContainsKey(new YamlScalarNode(key)))
                mapping.Add(key, value);
        }

        Default("target", new YamlScalarNode("label"));
        Default("image", new YamlScalarNode("image"));
        // The tensor image datasets (shapes, medsegbench) draw whole frames at image_size and declare no resize: their
        // pictures as files are prepared the same way (stretched to image_size, resize: 0), not by image-csv's
        // ImageNet default (shorter side 256, centre crop 224), which would cut off the frame's edges.
        var runDeclaresResize = catalog.Find(PluginKind.Dataset, spec.Plugin.Name) is { } runPlugin && OptionNames(runPlugin).Contains("resize");
        if (plugin == "image-csv" && !runDeclaresResize)
            Default("resize", new YamlScalarNode("0"));
        Default("audio", new YamlScalarNode("audio"));
        Default("text_columns", new YamlSequenceNode(new YamlScalarNode("text")) { Style = YamlDotNet.Core.Events.SequenceStyle.Flow });
        if (plugin == "csv")
        {
            var features = new YamlSequenceNode { Style = YamlDotNet.Core.Events.SequenceStyle.Flow };
            for (var i = 0; i < model.Info.InputDim; i++)
                features.Add($"x{i}");
            Default("features", features);
        }

        foreach (var option in dataOptions)
        {
            var equals = option.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
                throw new NonaException($"--data-option {option}: expected KEY=VALUE, e.g. --data-option resize=0");
            var key = option[..equals].Trim();
            if (!declared.Contains(key))
                throw new NonaException($"--data-option {option}: the '{plugin}' dataset has no option '{key}'; its options: {string.Join(", ", declared.Order(StringComparer.Ordinal))}");
            var stream = new YamlStream();
            stream.Load(new StringReader(option[(equals + 1)..]));
            var parsed = stream.Documents.Count == 0 ? new YamlScalarNode("") : stream.Documents[0].RootNode;
            mapping.Children.Remove(new YamlScalarNode(key));
            mapping.Add(key, parsed);
        }

        using var writer = new StringWriter();
        new YamlStream(new YamlDocument(mapping)).Save(writer, assignAnchors: false);
        return string.Join(' ', writer.ToString().Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && l != "...")); // one flow line, without the end-of-document marker
    }
}
