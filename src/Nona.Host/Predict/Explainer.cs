using Nona.Abstractions;
using Nona.Host.Discovery;
using Nona.Host.Models;
using Nona.Host.Torch;

namespace Nona.Host.Predict;

/// <summary>What <c>nona explain</c> was asked.</summary>
/// <param name="RunFolder">The run folder.</param>
/// <param name="Source">The rows to explain.</param>
/// <param name="Dataset">The run's dataset (default: the only one).</param>
/// <param name="Method">The method (default nona).</param>
/// <param name="Split">The split whose model explains (default 0).</param>
/// <param name="Top">Neighbours shown per prediction.</param>
/// <param name="Limit">Queries explained, from the first (0: all).</param>
/// <param name="Out">The folder for index.html, explain.csv and explain.json.</param>
internal sealed record ExplainRequest(string RunFolder, PredictionSource Source, string? Dataset, string? Method, int? Split, int Top, int Limit, string Out);

/// <summary>
/// <c>nona explain</c>: one split's model predicts the rows and its head says where the weight went
/// (<see cref="RegressionHead.Attend"/>, computed as the head computes its prediction, streaming over the bank);
/// the neighbours are named by their training rows and shown with their inputs.
/// </summary>
internal static class Explainer
{
    /// <summary>Explains and writes the folder; returns the lines to show.</summary>
    public static IReadOnlyList<string> Run(ExplainRequest request, PluginCatalog catalog, CancellationToken cancellationToken)
    {
        if (request.Top < 1)
            throw new NonaException($"--top {request.Top}: give at least 1 neighbour per prediction");
        var run = RunModels.Choose(request.RunFolder, request.Dataset, request.Method, request.Split ?? 0);
        var split = run.Splits[0];
        var folder = run.ModelFolder(split);
        using var model = SavedModel.Load(folder, catalog, run.TwoStage);
        var rows = PredictionInputs.Read(run, folder, model, request.Source, catalog, cancellationToken);
        if (request.Limit > 0 && rows.Rows.Length > request.Limit)
            rows = rows with { Rows = rows.Rows[..request.Limit] };
        var units = Predictor.UnitsOf(folder, model, catalog, cancellationToken);

        var explained = Explain(model, rows, units, request.Top);
        var note = run.TwoStage
            ? TwoStageNote(run.Method, model)
            : model.UsesNeighbours ? null : $"{run.Method} does not predict from neighbours: its predictions are shown without any";
        var bankSize = run.TwoStage ? model.Info.TwoStageRows?.Length ?? 0 : model.Info.BankRows?.Length ?? 0;
        var explanation = new Explanation(run.RunFolder, run.Dataset, run.Method, split, rows.Name, units, bankSize, explained, note, run.TwoStage ? null : model.SoftStep);

        var previews = Previews(run, folder, model, rows, explained, catalog, cancellationToken, out var previewNote);
        var page = ExplainPage.Render(explanation, previews, previewNote);
        ExplainFiles.Write(request.Out, explanation, page);
        return
        [
            $"explained {explained.Count} prediction(s) of '{rows.Name}' with {run.Method} (dataset '{run.Dataset}', split {split}, top {request.Top}) → {Path.Combine(Path.GetFullPath(request.Out), "index.html")}",
            .. rows.Data.Notes.Select(n => $"  {n}"),
            .. note is null ? Array.Empty<string>() : [$"  {note}"],
            .. previewNote is null ? Array.Empty<string>() : [$"  {previewNote}"],
        ];
    }

    private static List<ExplainedPrediction> Explain(SavedModel model, PredictionRows rows, LabelUnits units, int top)
    {
        double Original(double scaled) => units.Original(model.Scaler.Unscale(scaled));
        double LabelOf(int row) => double.IsNaN(rows.Data.Labels[row]) ? double.NaN : units.Original(rows.Data.Labels[row]);
        var result = new List<ExplainedPrediction>(rows.Rows.Length);
        if (model.TwoStage is not null)
            return ExplainTwoStage(model, rows, top, Original, LabelOf);

        var chunks = model.Attend(rows.Data.Inputs, rows.Rows, top);
        if (chunks is null)
        {
            var predictions = model.PredictScaled(rows.Data.Inputs, rows.Rows);
            for (var i = 0; i < rows.Rows.Length; i++)
                result.Add(new ExplainedPrediction(rows.Rows[i], Original(predictions[i]), LabelOf(rows.Rows[i]), [], double.NaN, double.NaN, 0));
            return result;
        }

        var bankRows = model.Info.BankRows!;
        var bankLabels = model.BankLabelsScaled();
        foreach (var chunk in chunks)
        {
            using (chunk)
            {
                var predictions = Placement.ToArray(chunk.Predictions);
                var effective = Placement.ToArray(chunk.EffectiveNeighbours);
                var rejected = chunk.Rejected.data<long>().ToArray();
                var k = (int)chunk.Indices.shape[1];
                var indices = chunk.Indices.data<long>().ToArray();
                var weights = Placement.ToArray(chunk.Weights.flatten());
                var similarities = Placement.ToArray(chunk.Similarities.flatten());
                var masks = Placement.ToArray(chunk.Masks.flatten());
                for (var q = 0; q < predictions.Length; q++)
                {
                    var row = rows.Rows[result.Count];
                    var neighbours = new List<ExplainedNeighbour>(k);
                    for (var j = 0; j < k; j++)
                    {
                        var position = (int)indices[(q * k) + j];
                        neighbours.Add(new ExplainedNeighbour(bankRows[position], Original(bankLabels[position]), similarities[(q * k) + j], masks[(q * k) + j], weights[(q * k) + j]));
                    }

                    result.Add(new ExplainedPrediction(row, Original(predictions[q]), LabelOf(row), neighbours, neighbours.Sum(n => n.Weight), effective[q], rejected[q]));
                }
            }
        }

        return result;
    }

    // A two-stage model predicts with its regressor: a k-NN names the fitted rows it averaged (their similarity is
    // minus the regressor's distance, no mask); another regressor explains only its predictions.
    private static List<ExplainedPrediction> ExplainTwoStage(SavedModel model, PredictionRows rows, int top, Func<double, double> original, Func<int, double> labelOf)
    {
        var (predictions, neighbours) = model.TwoStageExplain(rows.Data.Inputs, rows.Rows);
        var fitted = model.Info.TwoStageRows;
        var result = new List<ExplainedPrediction>(rows.Rows.Length);
        for (var i = 0; i < rows.Rows.Length; i++)
        {
            var row = rows.Rows[i];
            if (neighbours is null || fitted is null)
            {
                result.Add(new ExplainedPrediction(row, original(predictions[i]), labelOf(row), [], double.NaN, double.NaN, 0));
                continue;
            }

            var n = neighbours[i];
            var listed = Enumerable.Range(0, Math.Min(top, n.Rows.Length))
                .Select(j => new ExplainedNeighbour(fitted[n.Rows[j]], original(n.Labels[j]), -n.Distances[j], 1.0, n.Weights[j]))
                .ToList();
            var effective = 1.0 / n.Weights.Sum(w => w * w);
            result.Add(new ExplainedPrediction(row, original(predictions[i]), labelOf(row), listed, listed.Sum(e => e.Weight), effective, 0));
        }

        return result;
    }

    private static string TwoStageNote(string method, SavedModel model)
    {
        var regressor = model.TwoStage!;
        if (regressor is not INeighbourRegressor)
            return $"{method} explains only its prediction: its two-stage regressor ({regressor.Describe()}) does not report which training rows it combined";
        if (model.Info.TwoStageRows is null)
            return $"{method} explains only its prediction: the model was saved without the rows its regressor was fitted on; rerun the run to save them";
        return $"{method} predicts with its two-stage regressor ({regressor.Describe()}) from the embeddings of the {model.Info.TwoStageRows.Length} training rows it was fitted on: the neighbours are those rows, nearest first, the similarity is minus the regressor's distance and no mask applies";
    }

    // The queries' and neighbours' inputs as the model saw them. The training data is read again from the run's
    // recipe; when it cannot be (files moved, data changed) the page still shows rows, labels and weights.
    private static ExplainPreviews Previews(RunModels run, string folder, SavedModel model, PredictionRows rows, List<ExplainedPrediction> explained, PluginCatalog catalog, CancellationToken cancellationToken, out string? note)
    {
        note = null;
        InputSource? training = null;
        if (explained.Any(e => e.Neighbours.Count > 0))
        {
            try
            {
                training = TrainingData.Load(run.RunFolder, ModelRecipe.Load(folder, [], catalog), catalog, model.Info.Dataset, model.Info.DatasetFingerprint, cancellationToken).Inputs;
            }
            catch (NonaException e)
            {
                note = $"the neighbours' inputs are not shown: {e.Message}";
            }
        }

        return ExplainPreviews.Collect(rows.Data.Inputs, training, explained, model.TwoStage is null ? model.Info.BankRows : model.Info.TwoStageRows);
    }
}
