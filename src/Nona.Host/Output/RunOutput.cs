using System.Text.Json;
using Nona.Abstractions;
using Nona.Host.Protocol;
using Nona.Host.Recipes;

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
    private readonly string resolvedRecipe = recipe.ResolvedText();
    private readonly TensorBoardLog tensorBoard = new(Path.Combine(folder, "tensorboard"));

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

    /// <summary>Forgets the rows from index <paramref name="first"/> on (a dataset whose units restart).</summary>
    public void RemoveRowsFrom(int first) => rows.RemoveRange(first, rows.Count - first);

    /// <summary>Records a dataset's wall time.</summary>
    public void DatasetTime(string dataset, TimeSpan elapsed) => datasetSeconds[dataset] = elapsed.TotalSeconds;

    /// <summary>Rewrites results.csv with every row so far.</summary>
    public void WriteResults()
    {
        var text = ResultsCsv.Format(rows);
        AtomicFile.Write(Path.Combine(Folder, "results.csv"), temporary =>
        {
            File.WriteAllText(temporary, text);
            Units.CrashPoints.Pass("results-write");
        });
    }

    /// <summary>Appends one epoch of one training run to <c>log.csv</c> (<see cref="RunLog"/>) and the TensorBoard events (<see cref="TensorBoardLog"/>).</summary>
    public void LogEpoch(string dataset, int split, string method, EpochReport report)
    {
        RunLog.Append(Folder, dataset, split, method, report);
        tensorBoard.Add(dataset, split, method, report);
    }

    /// <summary>Keeps a dataset's surfaces for surfaces.png.</summary>
    public void AddSurfaces(SurfacePanels panels) => surfaces.Add(panels);

    /// <summary>
    /// Saves a trained model under models/, with its fitted two-stage regressor <paramref name="twoStage"/> (the
    /// recipe's <c>evaluation.knn</c>, made with <paramref name="twoStageOptions"/>) when there is one.
    /// </summary>
    public void SaveModel(SavedModelInfo info, RegressionModel model, NeighbourBank? bank, LabelScaler scaler, TrainingOutcome outcome, IRegressor? twoStage = null, object? twoStageOptions = null)
    {
        var path = Path.Combine(Folder, "models", FolderNames.Safe(info.Dataset), $"split-{info.Split}", FolderNames.Safe(info.Method));
        var regressor = twoStage is null ? null : new TwoStageRegressor($"{info.Method}+knn", recipe.Evaluation.Knn.Name, twoStageOptions ?? throw new ArgumentNullException(nameof(twoStageOptions)), twoStage);
        ModelStore.Save(path, model, bank, scaler, outcome, info, resolvedRecipe, recipe.Training.Dtype.ToString().ToLowerInvariant(), recipe.DataRoot, regressor);
    }

    /// <summary>
    /// Writes a head's final embeddings as embeddings/&lt;dataset&gt;/split-&lt;k&gt;/&lt;method&gt;.csv with columns
    /// <c>row,role,label_scaled,z0,z1,…</c> (row = the dataset's row index).
    /// </summary>
    public void SaveEmbeddings(string dataset, int split, string method, IEnumerable<(string Role, int[] Rows, TorchSharp.torch.Tensor Embeddings)> parts, double[] scaledLabels)
    {
        var text = new System.Text.StringBuilder();
        var header = false;
        foreach (var (role, indices, embeddings) in parts)
        {
            var values = Torch.Placement.ToRows(embeddings);
            if (!header)
            {
                text.Append("row,role,label_scaled,").AppendJoin(',', Enumerable.Range(0, values.Length == 0 ? 0 : values[0].Length).Select(j => $"z{j}")).Append('\n');
                header = true;
            }

            for (var i = 0; i < indices.Length; i++)
            {
                text.Append(System.Globalization.CultureInfo.InvariantCulture, $"{indices[i]},{role},{scaledLabels[indices[i]]:R},")
                    .AppendJoin(',', values[i].Select(v => v.ToString("G9", System.Globalization.CultureInfo.InvariantCulture))).Append('\n'); // float32 precision
            }
        }

        AtomicFile.WriteText(Path.Combine(Folder, "embeddings", FolderNames.Safe(dataset), $"split-{split}", FolderNames.Safe(method) + ".csv"), text.ToString());
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
}
