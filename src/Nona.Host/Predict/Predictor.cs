using System.Globalization;
using System.Text;
using Nona.Abstractions;
using Nona.Host.Data;
using Nona.Host.Discovery;
using Nona.Host.Models;
using Nona.Host.Output;
using Nona.Host.Protocol;

namespace Nona.Host.Predict;

/// <summary>What <c>nona predict</c> was asked.</summary>
/// <param name="RunFolder">The run folder.</param>
/// <param name="Source">The rows to predict.</param>
/// <param name="Dataset">The run's dataset whose models predict (default: the only one).</param>
/// <param name="Method">The method (default nona).</param>
/// <param name="Split">One split's model, or null for every split's (mean and spread).</param>
/// <param name="Out">The predictions file (default: predictions/&lt;input&gt;-&lt;method&gt;.csv in the run folder).</param>
internal sealed record PredictRequest(string RunFolder, PredictionSource Source, string? Dataset, string? Method, int? Split, string? Out);

/// <summary>One split's predictions in the model's label units, and its scaled MSE when the rows have labels.</summary>
internal sealed record SplitPrediction(int Split, double[] Values, double? MseScaled, double? RunTestMseScaled);

/// <summary>
/// <c>nona predict</c>: each chosen split's saved model predicts the rows (eval mode, the run's preprocessing, the
/// frozen-feature cache reused), and the predictions are written in the label's original units, one row per input,
/// with their mean and spread over splits.
/// </summary>
internal static class Predictor
{
    /// <summary>Predicts and writes the file; returns the lines to show.</summary>
    public static IReadOnlyList<string> Run(PredictRequest request, PluginCatalog catalog, CancellationToken cancellationToken)
    {
        var run = RunModels.Choose(request.RunFolder, request.Dataset, request.Method, request.Split);
        if (request.Source.Test && run.Splits.Count != 1)
            throw new NonaException("--test predicts one split's own test rows; add --split K");

        PredictionRows? rows = null;
        LabelUnits? units = null;
        var perSplit = new List<SplitPrediction>();
        foreach (var split in run.Splits)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var folder = run.ModelFolder(split);
            using var model = SavedModel.Load(folder, catalog, run.TwoStage);
            rows ??= PredictionInputs.Read(run, folder, model, request.Source, catalog, cancellationToken);
            units ??= UnitsOf(folder, model, catalog, cancellationToken);
            var scaled = model.PredictScaled(rows.Data.Inputs, rows.Rows);
            double? mse = rows.Labelled ? Inference.Mse(scaled, [.. rows.Rows.Select(r => model.Scaler.Scale(rows.Data.Labels[r]))]) : null;
            perSplit.Add(new SplitPrediction(split, [.. scaled.Select(model.Scaler.Unscale)], mse, RunTestMse(run, split)));
        }

        var output = request.Out is { } chosen ? Path.GetFullPath(chosen) : Path.Combine(run.RunFolder, "predictions", $"{FolderNames.Safe(rows!.Name)}-{FolderNames.Safe(run.Method)}.csv");
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        AtomicFile.WriteText(output, Table(rows!, units!, run, perSplit));
        return Summary(rows!, units!, run, perSplit, output);
    }

    /// <summary>The label units of the model's training dataset.</summary>
    internal static LabelUnits UnitsOf(string modelFolder, SavedModel model, PluginCatalog catalog, CancellationToken cancellationToken)
    {
        var recipe = ModelRecipe.Load(modelFolder, [], catalog);
        var (spec, _) = TrainingData.FindSpec(recipe, new PluginBuilder(catalog, recipe, new CsvTableReader()), model.Info.Dataset, cancellationToken);
        return LabelUnits.Of(spec);
    }

    private static string Table(PredictionRows rows, LabelUnits units, RunModels run, List<SplitPrediction> perSplit)
    {
        var text = new StringBuilder("row,method,splits,prediction,sd,label");
        foreach (var s in perSplit)
            text.Append(CultureInfo.InvariantCulture, $",prediction_split_{s.Split}");
        text.Append('\n');
        var splits = string.Join(' ', perSplit.Select(s => s.Split));
        for (var i = 0; i < rows.Rows.Length; i++)
        {
            double[] values = [.. perSplit.Select(s => units.Original(s.Values[i]))];
            var label = rows.Data.Labels[rows.Rows[i]];
            text.Append(CultureInfo.InvariantCulture, $"{rows.Rows[i]},{ResultsCsv.Quote(run.Method)},{splits},{values.Average():R},{Spread(values):R},");
            text.Append(double.IsNaN(label) ? "" : units.Original(label).ToString("R", CultureInfo.InvariantCulture));
            foreach (var v in values)
                text.Append(CultureInfo.InvariantCulture, $",{v:R}");
            text.Append('\n');
        }

        return text.ToString();
    }

    private static IReadOnlyList<string> Summary(PredictionRows rows, LabelUnits units, RunModels run, List<SplitPrediction> perSplit, string output)
    {
        var lines = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"predicted {rows.Rows.Length} rows of '{rows.Name}' with {run.Method} (dataset '{run.Dataset}', split(s) {string.Join(", ", perSplit.Select(s => s.Split))}) → {output}"),
        };
        lines.AddRange(rows.Data.Notes.Select(note => $"  {note}")); // rows the inputs' plugin skipped (on_bad_row / on_bad_image: skip), and why
        foreach (var s in perSplit.Where(s => s.MseScaled is not null))
        {
            var reference = s.RunTestMseScaled is { } t ? string.Create(CultureInfo.InvariantCulture, $"; the run's test MSE×10³ {t * 1e3:F3}, ratio {s.MseScaled!.Value / t:F2}") : "";
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"  split {s.Split}: MSE×10³ (scaled, as results.csv) {s.MseScaled!.Value * 1e3:F3}{reference}"));
        }

        if (rows.Labelled)
        {
            double[] mean = [.. Enumerable.Range(0, rows.Rows.Length).Select(i => perSplit.Average(s => units.Original(s.Values[i])))];
            var mse = Inference.Mse(mean, [.. rows.Rows.Select(r => units.Original(rows.Data.Labels[r]))]);
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"  mean over splits: MSE {mse:G6} in {units.Describe()}"));
        }
        else
        {
            lines.Add("  the rows have no labels: predictions only");
        }

        return lines;
    }

    private static double? RunTestMse(RunModels run, int split)
    {
        var path = Path.Combine(run.RunFolder, "results.csv");
        if (!File.Exists(path))
            return null;
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            var cells = line.Split(',');
            if (cells.Length >= 6 && cells[0] == ResultsCsv.Quote(run.Dataset) && cells[1] == ResultsCsv.Quote(run.Method) && cells[2] == split.ToString(CultureInfo.InvariantCulture)
                && double.TryParse(cells[4], NumberStyles.Float, CultureInfo.InvariantCulture, out var mse))
                return mse;
        }

        return null;
    }

    private static double Spread(double[] values)
    {
        if (values.Length < 2)
            return 0;
        var mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
    }
}
