using System.Globalization;
using Nona.Host.Protocol;
using Spectre.Console;

namespace Nona.Host.Cli;

/// <summary>
/// Shows a run's progress: a Spectre.Console progress bar per dataset on an interactive terminal, one line per
/// finished method otherwise (CI logs, pipes).
/// </summary>
internal sealed class ConsoleObserver(IAnsiConsole console) : IRunObserver
{
    private readonly List<string> notes = [];
    private ProgressContext? progress;
    private ProgressTask? current;

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
    public void MethodDone(ResultRow row, TrainingOutcome? outcome)
    {
        if (outcome is not null)
            current?.Increment(1);
        if (progress is null)
        {
            var epochs = outcome is null ? "" : $" ({outcome.Epochs} epochs, best {outcome.BestEpoch})";
            if (!double.IsFinite(row.MseScaled))
            {
                var why = outcome?.Divergence is { } divergence ? $": {divergence}" : "";
                console.WriteLine($"  {row.Dataset} split {row.Split} {row.Method,-12} diverged{why}");
                return;
            }

            console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {row.Dataset} split {row.Split} {row.Method,-12} test MSE×10³ {row.MseScaled * 1e3,8:F2}  val {row.ValMseScaled * 1e3,8:F2}{epochs}"));
        }
    }

    /// <inheritdoc />
    public void Note(string text) => notes.Add(text);
}
