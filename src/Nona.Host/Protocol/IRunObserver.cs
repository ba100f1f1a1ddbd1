namespace Nona.Host.Protocol;

/// <summary>What a run reports as it goes (the console's progress display implements it).</summary>
internal interface IRunObserver
{
    /// <summary>A dataset is loaded and about to run <paramref name="totalRuns"/> training runs.</summary>
    void DatasetStarted(string dataset, int rows, int totalRuns);

    /// <summary>An epoch of one training run ended.</summary>
    void EpochDone(string dataset, int split, string method, int epoch, double valMse);

    /// <summary>A method finished on one split.</summary>
    void MethodDone(ResultRow row, TrainingOutcome? outcome);

    /// <summary>Something the user should read at the end (skipped rows and the like).</summary>
    void Note(string text);
}
