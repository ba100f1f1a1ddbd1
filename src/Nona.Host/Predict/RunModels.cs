using Nona.Abstractions;
using Nona.Host.Models;
using Nona.Host.Output;

namespace Nona.Host.Predict;

/// <summary>
/// The models a run saved (<c>models/&lt;dataset&gt;/split-&lt;k&gt;/&lt;method&gt;/</c>) and the choice among them that
/// <c>nona predict</c> and <c>nona explain</c> make: one dataset, one method, one or all splits.
/// </summary>
internal sealed class RunModels
{
    private readonly string folder;

    /// <summary>The suffix of a two-stage method: <c>nona+knn</c> is the <c>nona</c> model with its saved regressor.</summary>
    public const string TwoStageSuffix = "+knn";

    private RunModels(string folder, string dataset, string method, bool twoStage, IReadOnlyList<int> splits)
    {
        this.folder = folder;
        Dataset = dataset;
        Method = method;
        TwoStage = twoStage;
        Splits = splits;
    }

    /// <summary>True for a two-stage method: the head's model embeds and its saved regressor predicts.</summary>
    public bool TwoStage { get; }

    /// <summary>The head whose model folder is used (<see cref="Method"/> without <c>+knn</c>).</summary>
    public string Head => TwoStage ? Method[..^TwoStageSuffix.Length] : Method;

    /// <summary>The dataset whose models are used.</summary>
    public string Dataset { get; }

    /// <summary>The method (head label, or <c>&lt;head&gt;+knn</c>).</summary>
    public string Method { get; }

    /// <summary>The splits whose models predict, ascending.</summary>
    public IReadOnlyList<int> Splits { get; }

    /// <summary>The run folder.</summary>
    public string RunFolder => folder;

    /// <summary>
    /// Chooses in <paramref name="runFolder"/>: <paramref name="dataset"/> (default: the only one), <paramref name="method"/>
    /// (default: <c>nona</c> when saved, else the only method) and <paramref name="split"/> (default: every saved split).
    /// </summary>
    public static RunModels Choose(string runFolder, string? dataset, string? method, int? split)
    {
        var run = Path.GetFullPath(runFolder);
        if (!Directory.Exists(run))
            throw new NonaException($"{runFolder}: no such run folder; give the --out folder of a `nona run`");
        var models = Path.Combine(run, "models");
        if (!Directory.Exists(models))
            throw new NonaException($"{runFolder}: the run saved no models (models/ is missing); rerun it with evaluation.save_models: true");

        var datasets = Names(models);
        var chosenDataset = Pick(datasets, dataset, "dataset", "--run-dataset", runFolder);
        var splitFolders = Directory.GetDirectories(Path.Combine(models, FolderNames.Safe(chosenDataset)), "split-*")
            .Select(d => int.TryParse(Path.GetFileName(d)["split-".Length..], out var k) ? k : -1)
            .Where(k => k >= 0).Order().ToList();
        if (splitFolders.Count == 0)
            throw new NonaException($"{runFolder}: dataset '{chosenDataset}' has no saved split; rerun with evaluation.save_models: true");

        // A head saved with its two-stage regressor offers both methods: `nona` and `nona+knn`.
        var methods = splitFolders.SelectMany(k => Methods(Path.Combine(models, FolderNames.Safe(chosenDataset), $"split-{k}"))).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var chosenMethod = method ?? (methods.Contains("nona") ? "nona" : null) ?? Pick(methods, null, "method", "--method", runFolder);
        if (!methods.Contains(chosenMethod))
            throw new NonaException($"{runFolder}: no saved model of method '{chosenMethod}' for dataset '{chosenDataset}'; saved: {string.Join(", ", methods)} (choose with --method)");

        // A head whose own label ends in +knn is that head, not a two-stage method.
        var twoStage = chosenMethod.EndsWith(TwoStageSuffix, StringComparison.Ordinal)
            && !splitFolders.Any(k => Directory.Exists(Path.Combine(models, FolderNames.Safe(chosenDataset), $"split-{k}", FolderNames.Safe(chosenMethod))));
        var chosen = new RunModels(run, chosenDataset, chosenMethod, twoStage, []);
        var withMethod = splitFolders.Where(k => File.Exists(Path.Combine(chosen.ModelFolder(k), "model.json")) && (!chosen.TwoStage || SavedModel.HasTwoStage(chosen.ModelFolder(k)))).ToList();
        if (split is { } only)
        {
            if (!withMethod.Contains(only))
                throw new NonaException($"{runFolder}: no saved {chosenMethod} model for split {only}; saved splits: {string.Join(", ", withMethod)}");
            withMethod = [only];
        }

        return new RunModels(run, chosenDataset, chosenMethod, twoStage, withMethod);
    }

    /// <summary>The model folder of split <paramref name="split"/> (the head's, for a two-stage method).</summary>
    public string ModelFolder(int split) => Path.Combine(folder, "models", FolderNames.Safe(Dataset), $"split-{split}", FolderNames.Safe(Head));

    private static IEnumerable<string> Methods(string splitFolder) =>
        Names(splitFolder).SelectMany(name => SavedModel.HasTwoStage(Path.Combine(splitFolder, name)) ? [name, name + TwoStageSuffix] : new[] { name });

    private static List<string> Names(string parent) =>
        Directory.Exists(parent) ? [.. Directory.GetDirectories(parent).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)] : [];

    private static string Pick(List<string> options, string? wanted, string what, string flag, string runFolder)
    {
        if (wanted is not null)
        {
            return options.Contains(wanted)
                ? wanted
                : throw new NonaException($"{runFolder}: no saved models of {what} '{wanted}'; saved: {string.Join(", ", options)} (choose with {flag})");
        }

        return options.Count switch
        {
            0 => throw new NonaException($"{runFolder}: models/ holds no {what}; rerun with evaluation.save_models: true"),
            1 => options[0],
            _ => throw new NonaException($"{runFolder}: the run saved models of several {what}s ({string.Join(", ", options)}); choose one with {flag}"),
        };
    }
}
