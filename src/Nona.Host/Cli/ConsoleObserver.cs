using System.Globalization;
using Nona.Host.Protocol;
using Spectre.Console;

namespace Nona.Host.Cli;

/// <summary>
/// Shows a run's progress: on an interactive terminal a Spectre.Console bar for the whole run (every training run of
/// every dataset, with the estimated time left) and one per dataset; otherwise one line per finished method (CI logs,
/// pipes, cluster logs) that ends with the run's count and the time remaining.
/// </summary>
internal sealed class ConsoleObserver(IAnsiConsole console) : IRunObserver
{
    private readonly List<string> notes = [];
    private ProgressContext? progress;
    private ProgressTask? overall;
    private ProgressTask? current;
    private RunProgress? run;

    /// <summary>Notes collected during the run, printed at the end.</summary>
    public IReadOnlyList<string> Notes => notes;

    /// <summary>Runs <paramref name="work"/> under a live progress display when the terminal allows it.</summary>
    public void Run(Action work)
    {
        if (!console.Profile.Capabilities.Interactive)
        {
            work();
            return;
        }

        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                progress = context;
                work();
            });
    }

    /// <inheritdoc />
    public void RunStarted(int trainingRuns, int alreadyDone)
    {
        run = new RunProgress(trainingRuns, alreadyDone);
        if (progress is not null && trainingRuns > 0)
        {
            overall = progress.AddTask(OverallDescription(), maxValue: trainingRuns);
            overall.Value = alreadyDone;
        }
    }

    /// <inheritdoc />
    public void DatasetStarted(string dataset, int rows, int totalRuns)
    {
        if (progress is not null)
        {
            current?.StopTask();
            current = progress.AddTask(Markup.Escape(dataset), maxValue: totalRuns);
        }
        else
        {
            console.MarkupLineInterpolated($"[bold]{dataset}[/]: {rows} rows, {totalRuns} training runs");
        }
    }

    /// <inheritdoc />
    public void EpochDone(string dataset, int split, string method, int epoch, double valMse)
    {
        if (current is not null)
            current.Description = Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{dataset} split {split} {method} epoch {epoch} val {valMse * 1e3:F2}e-3"));
    }

    /// <inheritdoc />
    public void MethodDone(ResultRow row, TrainingOutcome? outcome, bool replayed)
    {
        if (outcome is not null)
        {
            current?.Increment(1);
            if (!replayed)
                run?.Done(); // a replayed unit is already in RunStarted's count
            if (overall is not null && !replayed)
            {
                overall.Increment(1);
                overall.Description = OverallDescription();
            }
        }

        if (progress is null)
        {
            var epochs = outcome is null ? "" : $" ({outcome.Epochs} epochs, best {outcome.BestEpoch})";
            if (!double.IsFinite(row.MseScaled))
            {
                var why = outcome?.Divergence is { } divergence ? $": {divergence}" : "";
                console.WriteLine($"  {row.Dataset} split {row.Split} {row.Method,-12} diverged{why}");
                return;
            }

            var count = outcome is null || run is null ? "" : replayed ? "  (done before)" : $"  [{run.Describe()}]";
            console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {row.Dataset} split {row.Split} {row.Method,-12} test MSE×10³ {row.MseScaled * 1e3,8:F2}  val {row.ValMseScaled * 1e3,8:F2}{epochs}{count}"));
        }
    }

    /// <inheritdoc />
    public void Note(string text) => notes.Add(text);

    // Spectre's remaining-time column estimates from the increments of the last seconds, which a training run that
    // takes minutes never has: the estimate is RunProgress's, from every run this process finished.
    private string OverallDescription() => run is null ? "all" : Markup.Escape($"all training runs: {run.Describe()}");
}
