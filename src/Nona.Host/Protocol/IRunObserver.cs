namespace Nona.Host.Protocol;

/// <summary>What a run reports as it goes (the console's progress display implements it).</summary>
internal interface IRunObserver
{
    /// <summary>
    /// The run is about to start: <paramref name="trainingRuns"/> training runs (datasets × splits × heads) in all,
    /// <paramref name="alreadyDone"/> of them finished by an earlier process (a resumed run) or left to other
    /// processes (a cluster task runs one unit).
    /// </summary>
    void RunStarted(int trainingRuns, int alreadyDone);

    /// <summary>A dataset is loaded and about to run <paramref name="totalRuns"/> training runs.</summary>
    void DatasetStarted(string dataset, int rows, int totalRuns);

    /// <summary>An epoch of one training run ended.</summary>
    void EpochDone(string dataset, int split, string method, int epoch, double valMse);

    /// <summary>
    /// A method finished on one split (<paramref name="outcome"/>: its training, null for rows without one, such as
    /// two-stage and baseline rows); <paramref name="replayed"/> when an earlier process trained it and its result was
    /// read back (a resumed run).
    /// </summary>
    void MethodDone(ResultRow row, TrainingOutcome? outcome, bool replayed);

    /// <summary>Something the user should read at the end (skipped rows and the like).</summary>
    void Note(string text);
}
