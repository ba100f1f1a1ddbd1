using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Nona.Abstractions;
using Nona.Host.Output;
using Nona.Host.Units;

namespace Nona.Host.Cluster;

/// <summary>
/// What <c>nona submit</c> keeps in <c>RUN/cluster/</c>: <c>units.json</c> (each unit's index, the array task id
/// that runs it), <c>submit.json</c> (the Slurm options and plugin folders a resubmission reuses), the generated
/// batch scripts, <c>submissions.json</c> (job ids, for people: they are not unique across scheduler restarts, so
/// nothing is looked up by them) and <c>logs/</c> (one log and one exit-code file per unit). Everything is keyed by
/// the run folder and the unit index; the jobs' names carry a hash of the folder so <c>squeue</c> finds them.
/// </summary>
internal sealed class ClusterFolder(string runFolder)
{
    /// <summary>The run folder.</summary>
    public string RunFolder { get; } = runFolder;

    /// <summary>The <c>cluster/</c> folder.</summary>
    public string Folder => Path.Combine(RunFolder, "cluster");

    /// <summary>The folder of the tasks' logs.</summary>
    public string Logs => Path.Combine(Folder, "logs");

    /// <summary>The name prefix of this run's jobs: <c>nona-</c> and 10 hex digits of the folder's path hash.</summary>
    public string JobPrefix => "nona-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(RunFolder)))[..10];

    /// <summary>The log of unit <paramref name="index"/> (Slurm's <c>%a</c> is the same number).</summary>
    public string UnitLog(int index) => Path.Combine(Logs, $"unit-{index}.log");

    /// <summary>The file holding unit <paramref name="index"/>'s task exit code, written by its batch script.</summary>
    public string UnitExit(int index) => Path.Combine(Logs, $"unit-{index}.exit");

    /// <summary>True when <c>nona submit</c> prepared this folder.</summary>
    public bool Exists => File.Exists(Path.Combine(Folder, "units.json"));

    /// <summary>Writes the unit table.</summary>
    public void WriteUnits(IReadOnlyList<UnitKey> keys)
    {
        var table = keys.Select((k, i) => new UnitEntry(i, k.Dataset, k.Split, k.Method)).ToList();
        AtomicFile.WriteText(Path.Combine(Folder, "units.json"), JsonSerializer.Serialize(table, UnitJson.Options));
    }

    /// <summary>The unit table, index order.</summary>
    public IReadOnlyList<UnitKey> ReadUnits()
    {
        var path = Path.Combine(Folder, "units.json");
        if (!File.Exists(path))
            throw new NonaException($"{RunFolder}: no cluster/units.json, so this run folder was not made by nona submit; submit the recipe with nona submit RECIPE --out FOLDER, or continue a local run with nona run --resume {RunFolder}");
        try
        {
            var table = JsonSerializer.Deserialize<List<UnitEntry>>(File.ReadAllText(path), UnitJson.Options) ?? [];
            return [.. table.OrderBy(e => e.Index).Select(e => new UnitKey(e.Dataset, e.Split, e.Method))];
        }
        catch (JsonException e)
        {
            throw new NonaException($"{path}: unreadable ({e.Message}); submit the recipe again into a new folder");
        }
    }

    /// <summary>Writes the submission settings.</summary>
    public void WriteSettings(SubmitSettings settings) =>
        AtomicFile.WriteText(Path.Combine(Folder, "submit.json"), JsonSerializer.Serialize(settings, UnitJson.Options));

    /// <summary>The recorded submission settings, or null.</summary>
    public SubmitSettings? ReadSettings()
    {
        var path = Path.Combine(Folder, "submit.json");
        if (!File.Exists(path))
            return null;
        try
        {
            return JsonSerializer.Deserialize<SubmitSettings>(File.ReadAllText(path), UnitJson.Options);
        }
        catch (JsonException e)
        {
            throw new NonaException($"{path}: unreadable ({e.Message}); delete it and give --slurm again");
        }
    }

    /// <summary>Appends a submission's job ids to <c>submissions.json</c>.</summary>
    public void RecordSubmission(Submission submission)
    {
        var path = Path.Combine(Folder, "submissions.json");
        var list = File.Exists(path) ? JsonSerializer.Deserialize<List<Submission>>(File.ReadAllText(path), UnitJson.Options) ?? [] : [];
        list.Add(submission);
        AtomicFile.WriteText(path, JsonSerializer.Serialize(list, UnitJson.Options));
    }

    /// <summary>Writes a batch script (scripts are copied by sbatch when submitted; rewriting one later is harmless).</summary>
    public string WriteScript(string name, string text)
    {
        var path = Path.Combine(Folder, name);
        AtomicFile.WriteText(path, text);
        return path;
    }

    /// <summary>Forgets the exit codes of units about to run again (else <c>nona status</c> would call a queued unit failed).</summary>
    public void ClearExits(IEnumerable<int> indices)
    {
        foreach (var index in indices)
            File.Delete(UnitExit(index));
    }

    private sealed record UnitEntry(int Index, string Dataset, int Split, string Method);
}

/// <summary>What a resubmission of a run reuses.</summary>
/// <param name="Slurm">The <c>--slurm</c> options, as texts.</param>
/// <param name="Plugins">Extra plugin folders (full paths).</param>
/// <param name="WorkingFolder">The folder the jobs start in (the submitting shell's), where relative recipe paths resolve.</param>
internal sealed record SubmitSettings(IReadOnlyList<string> Slurm, IReadOnlyList<string> Plugins, string WorkingFolder);

/// <summary>One submission's job ids.</summary>
/// <param name="Time">When (UTC, ISO 8601).</param>
/// <param name="Units">The array's task ids (unit indices), as in <c>--array</c>.</param>
/// <param name="FeaturesJob">The frozen-backbone job, or null.</param>
/// <param name="UnitsJob">The array job.</param>
/// <param name="CollectJob">The dependent collect job.</param>
internal sealed record Submission(string Time, string Units, string? FeaturesJob, string UnitsJob, string CollectJob);
