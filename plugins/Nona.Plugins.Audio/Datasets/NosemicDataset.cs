// NoseMic (University of Cambridge; a downstream task of OPERA, Zhang et al., "Towards Open Respiratory Acoustic
// Foundation Models", NeurIPS 2024, https://github.com/evelyn0414/OPERA/tree/main/datasets/nosemic): a folder audio/
// of breathing recordings named <uid>_<x>_<y>_<label>.wav, the label a number (respiratory rate). See docs/datasets.md.
using System.ComponentModel;
using System.Globalization;
using Nona.Abstractions;
using Nona.Plugins.Audio.Pipeline;

namespace Nona.Plugins.Audio.Datasets;

/// <summary>Options of the <c>nosemic</c> dataset: its folder and grouping, plus the audio settings.</summary>
public sealed class NosemicOptions : AudioOptions
{
    /// <summary>The folder of recordings.</summary>
    [Description("folder of the <uid>_<x>_<y>_<label>.wav recordings, relative to data.root")]
    public string Folder { get; set; } = "audio";

    /// <summary>Keep each participant's clips in one part of every split.</summary>
    [Description("keep each participant's (uid's) clips together: none of them straddles train, validation and test")]
    public bool GroupByUid { get; set; } = true;

    /// <summary>Bad-name policy.</summary>
    [Description("fail or skip .wav files whose name is not <uid>_<x>_<y>_<label> with a numeric label (skipped ones are counted)")]
    public BadRowPolicy OnBadRow { get; set; } = BadRowPolicy.Fail;
}

/// <summary>NoseMic breathing recordings labelled with the number in their file name.</summary>
[NonaPlugin("nosemic", PluginKind.Dataset, Description = "NoseMic breathing recordings audio/<uid>_<x>_<y>_<label>.wav: predict the label (respiratory rate), participants kept apart")]
public sealed class NosemicDatasetFactory : PluginFactory<NosemicOptions, IDataset>
{
    private const string GetIt = "NoseMic is shared on request by the University of Cambridge (see https://github.com/evelyn0414/OPERA/tree/main/datasets/nosemic); put its audio/ folder under data.root";

    /// <inheritdoc />
    protected override IDataset Create(NosemicOptions options, PluginContext context)
    {
        var folder = context.RequireDataFolder("folder", options.Folder, "the folder of <uid>_<x>_<y>_<label>.wav recordings", GetIt);
        return new NosemicDataset(options, folder, context);
    }
}

/// <summary>Lists the folder's WAV files in name order and reads uid and label from each name.</summary>
public sealed class NosemicDataset(NosemicOptions options, string folder, PluginContext context) : IDataset
{
    /// <summary>Parses <c>uid_x_y_label</c> (the file name without extension); returns why it cannot, or null.</summary>
    public static string? Parse(string name, out string uid, out double label)
    {
        ArgumentNullException.ThrowIfNull(name);
        (uid, label) = ("", 0);
        var fields = name.Split('_');
        if (fields.Length != 4 || fields.Any(f => f.Length == 0))
            return $"expected <uid>_<x>_<y>_<label>, got {fields.Length} field(s)";
        if (!double.TryParse(fields[3], NumberStyles.Float, CultureInfo.InvariantCulture, out label) || !double.IsFinite(label))
            return $"the label '{fields[3]}' is not a number";
        uid = fields[0];
        return null;
    }

    /// <inheritdoc />
    public DatasetData Load(CancellationToken cancellationToken)
    {
        // Ordinal name order, like the sorted(os.listdir(...)) of the dataset's own benchmark code.
        var files = Directory.EnumerateFiles(folder, "*.wav").Order(StringComparer.Ordinal).ToArray();
        if (files.Length == 0)
            throw new DataFormatException($"{folder}: no .wav recordings; {context.Where}.folder should be NoseMic's audio/ folder (<uid>_<x>_<y>_<label>.wav)");

        var paths = new List<string>();
        var labels = new List<double>();
        var uids = new List<string>();
        var bad = new List<string>();
        foreach (var file in files)
        {
            if (Parse(Path.GetFileNameWithoutExtension(file), out var uid, out var label) is { } problem)
            {
                if (options.OnBadRow == BadRowPolicy.Fail)
                    throw new DataFormatException($"{file}: {problem}; rename or remove it, or set on_bad_row: skip");
                bad.Add($"{Path.GetFileName(file)} ({problem})");
                continue;
            }

            paths.Add(file);
            labels.Add(label);
            uids.Add(uid);
        }

        var notes = new List<string>();
        if (bad.Count > 0)
            notes.Add($"nosemic: skipped {bad.Count} file(s) whose name does not parse, e.g. {DatasetFiles.List(bad, 3)}");
        if (paths.Count == 0)
            throw new DataFormatException($"{folder}: none of the {files.Length} .wav names parses as <uid>_<x>_<y>_<label>");

        // The header check may drop files; keep each survivor's uid by matching paths (they are unique).
        var uidOf = paths.Zip(uids).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal);
        var (kept, keptLabels, audioNotes) = AudioRows.Keep("nosemic", paths, labels, null, options, cancellationToken);
        notes.AddRange(audioNotes);
        var participants = kept.Select(p => uidOf[p]).Distinct(StringComparer.Ordinal).Count();
        notes.Add($"nosemic: {kept.Length} recordings of {participants} participants{(options.GroupByUid ? ", each participant's recordings kept in one part of every split" : "")}");
        return new DatasetData
        {
            Name = "nosemic",
            Inputs = new AudioInputs(kept, options) { AugmentationSeed = context.Seed },
            Labels = keptLabels,
            Notes = notes,
            Groups = options.GroupByUid ? [.. kept.Select(p => uidOf[p])] : null,
        };
    }
}
