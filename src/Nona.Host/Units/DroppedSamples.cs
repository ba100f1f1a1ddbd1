using System.Text.Json;
using Nona.Host.Output;

namespace Nona.Host.Units;

/// <summary>
/// <c>dropped.json</c>: the samples a run dropped because their bodies failed to decode mid-run under
/// <c>on_bad_*: skip</c> — dataset → (row, error). Kept with the run so a resume drops the same rows before it
/// starts, and every unit of the dataset sees the same rows (the comparison stays paired).
/// </summary>
internal sealed class DroppedSamples(string runFolder)
{
    private const string FileName = "dropped.json";
    private readonly Dictionary<string, List<DroppedSample>> byDataset = Read(Path.Combine(runFolder, FileName));

    /// <summary>The source rows dropped from <paramref name="dataset"/>, ascending.</summary>
    public IReadOnlySet<int> Rows(string dataset) => byDataset.TryGetValue(dataset, out var list) ? list.Select(d => d.Row).ToHashSet() : new HashSet<int>();

    /// <summary>Records a dropped row and rewrites the file (atomically).</summary>
    public void Add(string dataset, int row, string error)
    {
        if (!byDataset.TryGetValue(dataset, out var list))
            byDataset[dataset] = list = [];
        list.Add(new DroppedSample(row, error));
        AtomicFile.WriteText(Path.Combine(runFolder, FileName), JsonSerializer.Serialize(byDataset, UnitJson.Options));
    }

    private static Dictionary<string, List<DroppedSample>> Read(string path) =>
        File.Exists(path) ? JsonSerializer.Deserialize<Dictionary<string, List<DroppedSample>>>(File.ReadAllText(path), UnitJson.Options) ?? [] : [];

    /// <summary>One dropped sample.</summary>
    /// <param name="Row">Its row in the dataset as loaded.</param>
    /// <param name="Error">Why (names the file).</param>
    internal sealed record DroppedSample(int Row, string Error);
}
