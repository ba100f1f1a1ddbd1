using System.Globalization;
using System.Text.Json;
using Nona.Host.Reports;

namespace Nona.Host.Sweeps;

/// <summary>The report of a sweep folder: an Appendix-B-style table per stage, the chosen configuration, and its full report.</summary>
internal static class SweepReport
{
    /// <summary>True when <paramref name="folder"/> holds a finished sweep.</summary>
    public static bool IsSweep(string folder) => File.Exists(Path.Combine(folder, "sweep.json"));

    /// <summary>Builds the report from sweep.json and the chosen configuration's results.</summary>
    public static ReportDocument Build(string title, string folder)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "sweep.json")));
        var root = json.RootElement;
        var chosen = root.GetProperty("chosen");
        var chosenFolder = Path.Combine(folder, "configs", chosen.GetProperty("folder").GetString()!);
        var document = ReportBuilder.Build(title, ResultsReader.Read([chosenFolder]), [chosenFolder]);
        var select = root.GetProperty("select_method").ValueKind == JsonValueKind.String ? root.GetProperty("select_method").GetString() : "the first head";
        document.Heading(2, $"Sweep ({root.GetProperty("mode").GetString()})");
        document.Paragraph($"Each configuration is a run folder under configs/. Winners have the lowest mean validation MSE of {select}; MSE × 10³ in scaled units.");
        foreach (var stage in root.GetProperty("stages").EnumerateArray())
        {
            var winner = stage.GetProperty("winner").GetString();
            document.Heading(3, $"Stage: {stage.GetProperty("key").GetString()}");
            var rows = new List<IReadOnlyList<string>>();
            var bold = new HashSet<(int, int)>();
            foreach (var result in stage.GetProperty("results").EnumerateArray())
            {
                var value = result.GetProperty("value").GetString()!;
                var label = stage.GetProperty("key").GetString() == "grid" ? string.Join(" ", result.GetProperty("overrides").EnumerateArray().Select(o => o.GetString())) : value;
                if (label == winner)
                    bold.UnionWith([(rows.Count, 0), (rows.Count, 1)]);
                rows.Add([label, Milli(result, "val_mse_scaled"), Milli(result, "mse_scaled"), result.GetProperty("folder").GetString()!]);
            }

            document.Table(["value", "val MSE × 10³", "test MSE × 10³", "run folder"], rows, bold);
        }

        document.Paragraph("Chosen configuration: " + string.Join(" ", chosen.GetProperty("overrides").EnumerateArray().Select(o => o.GetString())));
        return document;
    }

    // A diverged selecting method has a non-finite mean, which sweep.json holds as null (RunInfo.JsonOptions).
    private static string Milli(JsonElement result, string property) =>
        result.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number && double.IsFinite(value.GetDouble())
            ? (value.GetDouble() * 1e3).ToString("F2", CultureInfo.InvariantCulture)
            : "diverged";
}
