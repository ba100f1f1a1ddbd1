using System.Text.Json;
using Nona.Host.Output;

namespace Nona.Host.Units;

/// <summary>
/// Runs the units of one run folder so that a run survives its process: a finished unit is read back from its
/// <c>done.json</c>; an unfinished one is locked by this process, continued from its checkpoint, and marked done
/// (then its checkpoint is removed). A unit locked by another live process is waited for, never run twice.
/// </summary>
/// <param name="runFolder">The run folder.</param>
/// <param name="status">Shows a line to the user (waiting for another process).</param>
/// <param name="beforeFirstUnit">Called once, before the first unit runs (writes the manifest: a run that fails before any unit leaves no folder).</param>
/// <param name="only">The units this process may run (one cluster task); null: all of them.</param>
internal sealed class UnitRunner(string runFolder, Action<string> status, Action? beforeFirstUnit = null, IReadOnlySet<UnitKey>? only = null)
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(2);
    private bool started;

    /// <summary>
    /// True when this process runs every unit of the run; false for a cluster task that runs a selection and
    /// leaves results.csv and the report to the collecting job.
    /// </summary>
    public bool RunsEverything => only is null;

    /// <summary>True when this process runs or replays <paramref name="key"/> (every unit, or its cluster task's selection).</summary>
    public bool Owns(UnitKey key) => only is null || only.Contains(key);

    /// <summary>True when <paramref name="key"/> is not done and this process may run it.</summary>
    public bool Pending(UnitKey key) => Owns(key) && Done(key) is null;

    /// <summary>The unit's folder.</summary>
    public string Folder(UnitKey key) => Path.Combine(runFolder, key.RelativeFolder);

    /// <summary>
    /// A process killed between a unit's done marker and its clean-up leaves the checkpoint and its lock: the
    /// checkpoint of a finished unit is never needed again, and the lock of a dead process is stale.
    /// </summary>
    private static void Tidy(string folder)
    {
        var checkpoint = Path.Combine(folder, "checkpoint.bin");
        if (File.Exists(checkpoint))
            File.Delete(checkpoint);
        var lockFile = Path.Combine(folder, "lock");
        if (File.Exists(lockFile) && UnitLock.IsStale(lockFile, File.ReadAllText(lockFile).Trim()))
            File.Delete(lockFile);
    }

    /// <summary>Removes every unit of <paramref name="dataset"/> (done or not): its rows are about to change.</summary>
    public void Forget(string dataset)
    {
        var folder = Path.Combine(runFolder, "units", FolderNames.Safe(dataset));
        if (Directory.Exists(folder))
            Directory.Delete(folder, recursive: true);
    }

    /// <summary>The finished unit's record, or null.</summary>
    public UnitRecord? Done(UnitKey key)
    {
        var path = Path.Combine(Folder(key), "done.json");
        if (!File.Exists(path))
            return null;
        try
        {
            return JsonSerializer.Deserialize<UnitRecord>(File.ReadAllText(path), UnitJson.Options);
        }
        catch (JsonException e)
        {
            throw new Abstractions.NonaException($"{path}: the unit's done marker is unreadable ({e.Message}); delete it to run the unit again");
        }
    }

    /// <summary>
    /// Returns <paramref name="key"/>'s record: read back when it is done, else made by <paramref name="work"/>
    /// (given the unit's checkpoint) under the unit's lock and written as its done marker; null for a unit outside
    /// this process's selection.
    /// </summary>
    public UnitRecord? Run(UnitKey key, Func<TrainingCheckpoint, UnitRecord> work, CancellationToken cancellationToken)
    {
        if (only is not null && !only.Contains(key))
            return null;
        var folder = Folder(key);
        string? waitingFor = null;
        while (true)
        {
            if (Done(key) is { } done)
            {
                Tidy(folder);
                return done;
            }

            if (!started)
            {
                started = true;
                beforeFirstUnit?.Invoke();
            }

            using var unitLock = UnitLock.TryTake(folder, out var holder);
            if (unitLock is null)
            {
                if (waitingFor != holder)
                    status($"{key}: running in another process ({holder}); waiting for it");
                waitingFor = holder;
                cancellationToken.WaitHandle.WaitOne(Poll);
                cancellationToken.ThrowIfCancellationRequested();
                continue;
            }

            if (Done(key) is { } finishedMeanwhile)
                return finishedMeanwhile;
            // A process killed mid-write leaves its temporary file; under the lock nobody else writes here.
            foreach (var partial in Directory.EnumerateFiles(folder, "*.tmp-*"))
                File.Delete(partial);
            var checkpoint = new TrainingCheckpoint(Path.Combine(folder, "checkpoint.bin"));
            var record = work(checkpoint);
            AtomicFile.WriteText(Path.Combine(folder, "done.json"), JsonSerializer.Serialize(record, UnitJson.Options));
            CrashPoints.Pass("unit-done");
            checkpoint.Delete();
            return record;
        }
    }
}
