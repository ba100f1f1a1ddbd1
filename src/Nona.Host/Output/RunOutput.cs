using System.Text.Json;
using Nona.Host.Protocol;
using Nona.Host.Recipes;
using YamlDotNet.RepresentationModel;

namespace Nona.Host.Output;

/// <summary>
/// The run folder: results.csv (rewritten atomically after every split), models/, and at the end summary.md,
/// run.json and surfaces.png. The folder is created on the first write, so a run that fails validation leaves
/// nothing behind.
/// </summary>
internal sealed class RunOutput(string folder, Recipe recipe)
{
    private readonly List<ResultRow> rows = [];
    private readonly List<SurfacePanels> surfaces = [];
    private readonly Dictionary<string, double> datasetSeconds = [];
    private readonly Dictionary<string, double> methodSeconds = [];
    private readonly List<object> fits = [];
    private readonly DateTimeOffset started = DateTimeOffset.Now;
    private readonly string resolvedRecipe = Serialize(recipe.Resolved);

    /// <summary>The run folder.</summary>
    public string Folder { get; } = folder;

    /// <summary>Rows so far.</summary>
    public IReadOnlyList<ResultRow> Rows => rows;

    /// <summary>The device the run used, for run.json.</summary>
    public string Device { get; set; } = "cpu";

    /// <summary>Adds a result row; <paramref name="fitted"/> describes a regressor's chosen settings.</summary>
    public void Add(ResultRow row, TimeSpan elapsed, string? fitted = null)
    {
        rows.Add(row);
        var key = $"{row.Dataset}/{row.Method}";
        methodSeconds[key] = methodSeconds.GetValueOrDefault(key) + elapsed.TotalSeconds;
        if (fitted is not null)
            fits.Add(new { dataset = row.Dataset, method = row.Method, split = row.Split, fitted });
    }

    /// <summary>Records a dataset's wall time.</summary>
    public void DatasetTime(string dataset, TimeSpan elapsed) => datasetSeconds[dataset] = elapsed.TotalSeconds;

    /// <summary>Rewrites results.csv with every row so far.</summary>
    public void WriteResults() => AtomicFile.WriteText(Path.Combine(Folder, "results.csv"), ResultsCsv.Format(rows));

    /// <summary>Keeps a dataset's surfaces for surfaces.png.</summary>
    public void AddSurfaces(SurfacePanels panels) => surfaces.Add(panels);

    /// <summary>Saves a trained model under models/.</summary>
    public void SaveModel(string dataset, int split, string method, RegressionModel model, NeighbourBank? bank, LabelScaler scaler, TrainingOutcome outcome)
    {
        var path = Path.Combine(Folder, "models", Safe(dataset), $"split-{split}", Safe(method));
        ModelStore.Save(path, model, bank, scaler, outcome, method, resolvedRecipe);
    }

    /// <summary>Writes summary.md, run.json and surfaces.png; returns the summary.</summary>
    public SummaryTable Finish()
    {
        WriteResults();
        var summary = SummaryTable.From(rows);
        AtomicFile.WriteText(Path.Combine(Folder, "summary.md"), summary.Markdown(recipe.Name));
        if (surfaces.Count > 0)
            SurfacePlot.Save(Path.Combine(Folder, "surfaces.png"), surfaces);
        var info = new
        {
            recipe = recipe.Path,
            name = recipe.Name,
            resolved_recipe = resolvedRecipe,
            seed = recipe.Seed,
            split_seeds = Enumerable.Range(recipe.Seed, recipe.Evaluation.Splits).ToArray(),
            data_root = recipe.DataRoot,
            device = Device,
            dtype = recipe.Training.Dtype.ToString().ToLowerInvariant(),
            threads = recipe.Training.Threads,
            versions = RunInfo.Versions(),
            machine = RunInfo.Machine(),
            started,
            finished = DateTimeOffset.Now,
            timings = new { dataset_seconds = datasetSeconds, method_seconds = methodSeconds },
            regressors = fits,
        };
        AtomicFile.WriteText(Path.Combine(Folder, "run.json"), JsonSerializer.Serialize(info, RunInfo.JsonOptions));
        return summary;
    }

    private static string Serialize(YamlMappingNode node)
    {
        using var writer = new StringWriter();
        new YamlStream(new YamlDocument(node)).Save(writer, assignAnchors: false);
        return writer.ToString();
    }

    // Dataset and method names become folder names: keep them to safe characters.
    private static string Safe(string name) => string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '+' or '.' ? c : '_'));
}
