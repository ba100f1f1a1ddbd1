// COUGHVID (Orlandic, Teijeiro & Atienza, "The COUGHVID crowdsourcing dataset", Scientific Data 8, 156, 2021;
// https://zenodo.org/records/4048312): a folder with metadata_compiled.csv (one row per recording: uuid, datetime,
// cough_detected, latitude, longitude, age, gender, ..., the experts' columns) and each recording as <uuid>.webm or
// <uuid>.ogg (v3 also has some <uuid>.wav) beside its <uuid>.json. Layouts, counts and the threshold: docs/datasets.md.
using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Nona.Abstractions;
using Nona.Plugins.Audio.Pipeline;

namespace Nona.Plugins.Audio.Datasets;

/// <summary>Options of the <c>coughvid</c> dataset: its folder and filter, plus the audio settings.</summary>
public sealed class CoughvidOptions : AudioOptions
{
    /// <summary>The folder holding metadata_compiled.csv and the recordings; empty finds the unzipped layout.</summary>
    [Description("folder holding metadata_compiled.csv and the recordings, relative to data.root; empty: the first of public_dataset (v1/v2 zip), coughvid_20211012, public_dataset_v3/coughvid_20211012 (v3 zip) or data.root itself that has it")]
    public string Folder { get; set; } = "";

    /// <summary>Keep recordings whose cough-detector probability is at least this.</summary>
    // 0.8: the cut-off of the dataset's users, OPERA's COUGHVID split among them (see docs/datasets.md).
    [Description("keep recordings whose cough_detected (the dataset's cough classifier's probability, 0-1) is at least this")]
    [Range(0.0, 1.0)]
    public double MinCoughDetected { get; set; } = 0.8;
}

/// <summary>COUGHVID cough recordings labelled with the contributor's self-reported age.</summary>
[NonaPlugin("coughvid", PluginKind.Dataset, Description = "COUGHVID crowdsourced coughs (metadata_compiled.csv + <uuid>.webm/.ogg): predict the age in years")]
public sealed class CoughvidDatasetFactory : PluginFactory<CoughvidOptions, IDataset>
{
    /// <summary>The metadata table's name.</summary>
    public const string Metadata = "metadata_compiled.csv";

    /// <summary>Folders tried, in order, when <see cref="CoughvidOptions.Folder"/> is empty.</summary>
    public static readonly IReadOnlyList<string> Layouts = ["public_dataset", "coughvid_20211012", "public_dataset_v3/coughvid_20211012", "."];

    private const string GetIt = "download public_dataset.zip from https://zenodo.org/records/4048312 and unzip it";

    /// <inheritdoc />
    protected override IDataset Create(CoughvidOptions options, PluginContext context)
    {
        string folder;
        if (options.Folder.Length > 0)
        {
            folder = Path.GetDirectoryName(context.RequireDataFile("folder", Path.Combine(options.Folder, Metadata), $"{Metadata} (beside the <uuid>.webm/.ogg recordings)", GetIt))!;
        }
        else
        {
            var root = Path.GetFullPath(context.DataRoot);
            folder = Layouts.Select(l => Path.GetFullPath(l, root)).FirstOrDefault(f => File.Exists(Path.Combine(f, Metadata)))
                ?? throw new NonaException(
                    $"{context.Where}.folder: {Metadata} not found in {string.Join(", ", Layouts)} under data.root {root} (the recordings <uuid>.webm/.ogg sit beside it); {GetIt}, then pass --set data.root=DIR");
        }

        return new CoughvidDataset(options, folder, context);
    }
}

/// <summary>Reads the metadata through the host's table reader and keeps the rows each filter lets through.</summary>
public sealed class CoughvidDataset(CoughvidOptions options, string folder, PluginContext context) : IDataset
{
    /// <summary>Recording extensions, in the order they are looked for (the dataset's own conversion script's order).</summary>
    public static readonly IReadOnlyList<string> Extensions = [".webm", ".ogg", ".wav"];

    /// <inheritdoc />
    public DatasetData Load(CancellationToken cancellationToken)
    {
        var metadata = Path.Combine(folder, CoughvidDatasetFactory.Metadata);
        // Read as text: empty and odd ages are counted here rather than failing the whole table.
        var table = context.Tables.Read(new TableRequest
        {
            Path = metadata,
            DataRoot = context.DataRoot,
            TextColumns = ["uuid", "age", "cough_detected"],
        });

        var (noAge, badAge, lowCough, badCough) = (0, new List<string>(), 0, new List<string>());
        var paths = new List<string>();
        var labels = new List<double>();
        var lines = new List<int>();
        var missing = new List<string>();
        var aged = 0;
        var coughs = 0;
        for (var i = 0; i < table.Text.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (uuid, ageCell, coughCell) = (table.Text[i][0].Trim(), table.Text[i][1].Trim(), table.Text[i][2].Trim());
            if (ageCell.Length == 0)
            {
                noAge++;
                continue;
            }

            if (!double.TryParse(ageCell, NumberStyles.Float, CultureInfo.InvariantCulture, out var age) || !double.IsFinite(age))
            {
                badAge.Add($"line {table.SourceLines[i]}: '{ageCell}'");
                continue;
            }

            aged++;
            if (!double.TryParse(coughCell, NumberStyles.Float, CultureInfo.InvariantCulture, out var cough))
            {
                badCough.Add($"line {table.SourceLines[i]}: '{coughCell}'");
                continue;
            }

            if (cough < options.MinCoughDetected)
            {
                lowCough++;
                continue;
            }

            coughs++;
            var recording = Extensions.Select(e => Path.Combine(folder, uuid + e)).FirstOrDefault(File.Exists);
            if (recording is null)
            {
                missing.Add(uuid);
                continue;
            }

            paths.Add(recording);
            labels.Add(age);
            lines.Add(table.SourceLines[i]);
        }

        var threshold = options.MinCoughDetected.ToString(CultureInfo.InvariantCulture);
        var notes = new List<string>
        {
            $"coughvid: {table.Text.Length} rows in {metadata} → {aged} with a numeric age ({noAge} empty, {badAge.Count} not a number{Examples(badAge)}) "
                + $"→ {coughs} with cough_detected ≥ {threshold} ({lowCough} below{(badCough.Count > 0 ? $", {badCough.Count} unreadable{Examples(badCough)}" : "")}) "
                + $"→ {paths.Count} with a recording <uuid>.webm/.ogg/.wav ({missing.Count} missing{(missing.Count > 0 ? ", e.g. " + DatasetFiles.List(missing, 3) : "")})",
        };
        if (paths.Count == 0)
            throw new DataFormatException($"{metadata}: no row is left after the filters: {notes[0]}; check folder and min_cough_detected");

        var (kept, keptLabels, audioNotes) = AudioRows.Keep("coughvid", paths, labels, lines, options, cancellationToken);
        notes.AddRange(audioNotes);
        return new DatasetData
        {
            Name = "coughvid",
            Inputs = new AudioInputs(kept, options) { AugmentationSeed = context.Seed },
            Labels = keptLabels,
            Notes = notes,
        };
    }

    private static string Examples(List<string> cells) => cells.Count == 0 ? "" : ", e.g. " + DatasetFiles.List(cells, 3);
}
