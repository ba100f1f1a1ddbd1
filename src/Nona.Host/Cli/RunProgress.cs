using System.Diagnostics;
using System.Globalization;

namespace Nona.Host.Cli;

/// <summary>
/// How far a run is across all its training runs, and the time it still needs: the mean time of the runs this
/// process finished times the runs left (runs an earlier process finished say nothing about this one's speed).
/// </summary>
internal sealed class RunProgress(int total, int alreadyDone)
{
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private int doneHere;

    /// <summary>Training runs in the whole run.</summary>
    public int Total => total;

    /// <summary>Training runs finished, by this process or an earlier one.</summary>
    public int Finished => Math.Min(total, alreadyDone + doneHere);

    /// <summary>Counts one finished training run.</summary>
    public void Done() => doneHere++;

    /// <summary>The time still needed, or null before this process has finished a run.</summary>
    public TimeSpan? Remaining => doneHere == 0 ? null : clock.Elapsed / doneHere * (total - Finished);

    /// <summary><c>5/24, about 0:03:10 left</c> (<c>5/24</c> before this process has finished a run).</summary>
    public string Describe() => Remaining is { } left
        ? string.Create(CultureInfo.InvariantCulture, $"{Finished}/{Total}, about {(int)left.TotalHours}:{left:mm\\:ss} left")
        : string.Create(CultureInfo.InvariantCulture, $"{Finished}/{Total}");
}
