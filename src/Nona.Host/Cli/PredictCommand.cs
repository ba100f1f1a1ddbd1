using System.CommandLine;
using Nona.Host.Predict;
using Spectre.Console;

namespace Nona.Host.Cli;

/// <summary>
/// <c>nona predict</c> and <c>nona explain</c>: the command-line side only; the work is in <see cref="Predictor"/>
/// and <see cref="Explainer"/>.
/// </summary>
internal static class PredictCommand
{
    /// <summary>The two commands, each running through <paramref name="guard"/>.</summary>
    public static IEnumerable<Command> Commands(IAnsiConsole console, Func<Func<int>, int> guard)
    {
        var run = new Argument<string>("run") { Description = "the run folder (the --out of nona run)" };
        var data = new Option<string?>("--data") { Description = "a CSV/TSV of new inputs for the run's modality (image/audio paths, texts or feature columns)" };
        var dataRoot = new Option<string?>("--data-root") { Description = "the folder the table's paths resolve in (default: the table's folder)" };
        var dataOption = new Option<string[]>("--data-option") { Description = "a key of the table's dataset plugin, KEY=VALUE (e.g. image=file, resize=0)" };
        var dataset = new Option<string?>("--dataset") { Description = "a dataset entry in recipe syntax, e.g. '{name: shapes, n: 200, seed: 99}'" };
        var test = new Option<bool>("--test") { Description = "the run's own test rows of --split K" };
        var runDataset = new Option<string?>("--run-dataset") { Description = "which of the run's datasets' models (default: the only one)" };
        var method = new Option<string?>("--method") { Description = "the method whose models predict (default: nona)" };
        var split = new Option<int?>("--split") { Description = "one split's model (predict default: every split, mean and spread; explain default: 0)" };
        var plugins = new Option<string[]>("--plugins") { Description = "an extra plugin folder (repeatable)" };

        var predictOut = new Option<string?>("--out") { Description = "the predictions CSV (default: RUN/predictions/<inputs>-<method>.csv)" };
        var predict = new Command("predict", "predict new inputs with a run's saved models, in the label's original units") { run, data, dataRoot, dataOption, dataset, test, runDataset, method, split, predictOut, plugins };
        predict.SetAction(r => guard(() =>
        {
            var request = new PredictRequest(r.GetValue(run)!, Source(r), r.GetValue(runDataset), r.GetValue(method), r.GetValue(split), r.GetValue(predictOut));
            foreach (var line in Predictor.Run(request, HostSetup.Catalog(r.GetValue(plugins) ?? []), CancellationToken.None))
                console.WriteLine(line);
            return ExitCodes.Ok;
        }));

        var top = new Option<int>("--top") { Description = "neighbours shown per prediction", DefaultValueFactory = _ => 8 };
        var limit = new Option<int>("--limit") { Description = "explain the first N rows (0: all)", DefaultValueFactory = _ => 50 };
        var explainOut = new Option<string>("--out") { Description = "the folder for index.html, explain.csv and explain.json", Required = true };
        var explain = new Command("explain", "show for each prediction the training examples NONA attended to, their weights and mask values") { run, data, dataRoot, dataOption, dataset, test, runDataset, method, split, top, limit, explainOut, plugins };
        explain.SetAction(r => guard(() =>
        {
            var request = new ExplainRequest(r.GetValue(run)!, Source(r), r.GetValue(runDataset), r.GetValue(method), r.GetValue(split), r.GetValue(top), r.GetValue(limit), r.GetValue(explainOut)!);
            foreach (var line in Explainer.Run(request, HostSetup.Catalog(r.GetValue(plugins) ?? []), CancellationToken.None))
                console.WriteLine(line);
            return ExitCodes.Ok;
        }));

        PredictionSource Source(ParseResult r) =>
            new(r.GetValue(data), r.GetValue(dataRoot), r.GetValue(dataOption) ?? [], r.GetValue(dataset), r.GetValue(test));

        return [predict, explain];
    }
}
