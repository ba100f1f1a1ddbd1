// ADReSSo 2021 challenge (Luz et al., "Detecting cognitive decline using speech only: the ADReSSo Challenge", 2021):
// diagnosis/train/audio/{ad,cn}/adrsoNNN.wav, diagnosis/train/segmentation/{ad,cn}/adrsoNNN.csv (speaker, begin,
// end in ms) and diagnosis/train/adresso-train-mmse-scores.csv, whose header is an unnamed pandas index then
// adressfname, mmse, dx. The label is the MMSE. The text modality reads one transcript per recording (e.g. from an ASR
// system) from a folder of <adressfname>.txt files; the audio modality reads the recordings themselves. It lives in
// the audio plugin because one plugin cannot reference another's assembly, and the text input needs only TextSource.
using System.ComponentModel;
using System.Globalization;
using Nona.Abstractions;
using Nona.Plugins.Audio.Pipeline;

namespace Nona.Plugins.Audio.Datasets;

/// <summary>Which input the <c>adresso</c> dataset gives.</summary>
public enum AdressoModality
{
    /// <summary>One transcript per recording.</summary>
    Text,

    /// <summary>The recordings.</summary>
    Audio,
}

/// <summary>Options of the <c>adresso</c> dataset (the audio keys apply to the audio modality).</summary>
public sealed class AdressoOptions : AudioOptions
{
    /// <summary>The challenge's training folder, relative to data.root.</summary>
    [Description("folder holding adresso-train-mmse-scores.csv, audio/{ad,cn} and segmentation/{ad,cn}, relative to data.root")]
    public string Folder { get; set; } = "diagnosis/train";

    /// <summary>The scores table inside <see cref="Folder"/>.</summary>
    [Description("the MMSE table inside folder (columns adressfname, mmse, dx)")]
    public string Scores { get; set; } = "adresso-train-mmse-scores.csv";

    /// <summary>What the input is.</summary>
    [Description("text: one transcript per recording; audio: the recordings (audio/{ad,cn}/<adressfname>.wav)")]
    public AdressoModality Modality { get; set; } = AdressoModality.Text;

    /// <summary>The transcripts folder, relative to data.root.</summary>
    [Description("modality text: folder of <adressfname>.txt transcripts, relative to data.root (searched recursively)")]
    public string Transcripts { get; set; } = "";

    /// <summary>Cut each recording into consecutive windows instead of cropping it.</summary>
    [Description("modality audio: cut each recording into consecutive windows of seconds (each a sample, one recording's windows kept in one part of every split) instead of cropping one clip")]
    public bool Windows { get; set; }

    /// <summary>Keep only the participant's turns.</summary>
    [Description("modality audio: keep only the participant's (PAR) turns from segmentation/{ad,cn}/<adressfname>.csv, joined end to end")]
    public bool ParticipantOnly { get; set; }

    /// <summary>Bad-row policy, also for recordings without a transcript, audio file or segmentation.</summary>
    [Description("fail or skip recordings with an unusable MMSE, or no transcript / audio file / participant segment (skipped ones are listed by name)")]
    public BadRowPolicy OnBadRow { get; set; } = BadRowPolicy.Fail;
}

/// <summary>ADReSSo recordings (or their transcripts) labelled with the speaker's MMSE.</summary>
[NonaPlugin("adresso", PluginKind.Dataset, Description = "ADReSSo 2021 diagnosis/train: transcript or recording per participant, MMSE (0-30)")]
public sealed class AdressoDatasetFactory : PluginFactory<AdressoOptions, IDataset>
{
    private const string GetIt = "ADReSSo 2021 is distributed by DementiaBank (https://dementia.talkbank.org) to members";

    /// <inheritdoc />
    protected override IDataset Create(AdressoOptions options, PluginContext context)
    {
        var where = context.Where;
        if (options.Modality == AdressoModality.Text && string.IsNullOrWhiteSpace(options.Transcripts))
            throw new NonaException($"{where}.transcripts is required for modality text: a folder of <adressfname>.txt files (e.g. adrso024.txt), relative to data.root");
        var scores = context.RequireDataFile("folder", Path.Combine(options.Folder, options.Scores), "the ADReSSo MMSE table (layout: diagnosis/train/{adresso-train-mmse-scores.csv, audio/{ad,cn}/*.wav, segmentation/{ad,cn}/*.csv})", GetIt);
        if (options.Modality == AdressoModality.Audio)
        {
            var audio = context.RequireDataFolder("folder", Path.Combine(options.Folder, "audio"), "the ADReSSo recordings folder audio/{ad,cn}", GetIt);
            var segmentation = options.ParticipantOnly
                ? context.RequireDataFolder("participant_only", Path.Combine(options.Folder, "segmentation"), "the ADReSSo segmentation folder segmentation/{ad,cn} (needed by participant_only)", GetIt)
                : null;
            return new AdressoAudioDataset(options, scores, audio, segmentation, context);
        }

        var transcripts = Path.GetFullPath(options.Transcripts, Path.GetFullPath(context.DataRoot));
        if (!Directory.Exists(transcripts))
            throw new NonaException($"{where}.transcripts: folder not found: {transcripts}; it is relative to data.root (--set data.root=DIR)");
        return new AdressoDataset(options, scores, transcripts, context);
    }
}

/// <summary>Reads the MMSE table through the host's table reader and pairs each recording with its transcript.</summary>
public sealed class AdressoDataset(AdressoOptions options, string scores, string transcripts, PluginContext context) : IDataset
{
    /// <inheritdoc />
    public DatasetData Load(CancellationToken cancellationToken)
    {
        var table = AdressoScores.Read(options, scores, context);

        // Transcript tools nest output by class (ad/, cn/); a name appears once in the challenge, so any depth will do.
        var files = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var file in Directory.EnumerateFiles(transcripts, "*.txt", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            files.TryAdd(Path.GetFileNameWithoutExtension(file), file);

        var texts = new List<string>();
        var labels = new List<double>();
        var missing = new List<string>();
        for (var i = 0; i < table.Text.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var name = table.Text[i][0].Trim();
            if (!files.TryGetValue(name, out var file))
            {
                missing.Add(name);
                continue;
            }

            texts.Add(File.ReadAllText(file).Trim());
            labels.Add(table.Labels[i]);
        }

        var notes = AdressoScores.Notes(table, scores);
        if (missing.Count > 0)
        {
            var which = $"{missing.Count} of {table.Text.Length} recordings have no transcript <name>.txt in {transcripts}: {DatasetFiles.List(missing)}";
            if (options.OnBadRow == BadRowPolicy.Fail)
                throw new DataFormatException($"{which}; add them or set on_bad_row: skip");
            notes.Add($"skipped {which}");
        }

        if (texts.Count == 0)
            throw new DataFormatException($"{transcripts}: no recording of {scores} has a transcript");
        return new DatasetData { Name = "adresso", Inputs = new TextSource(texts), Labels = [.. labels], Notes = notes };
    }
}

/// <summary>The recordings themselves: one cropped clip, or consecutive windows, per recording.</summary>
public sealed class AdressoAudioDataset(AdressoOptions options, string scores, string audio, string? segmentation, PluginContext context) : IDataset
{
    private static readonly string[] Classes = ["ad", "cn"];

    /// <inheritdoc />
    public DatasetData Load(CancellationToken cancellationToken)
    {
        var table = AdressoScores.Read(options, scores, context);
        var notes = AdressoScores.Notes(table, scores);
        var problems = new List<string>();
        var recordings = new List<(string Name, string Path, IReadOnlyList<(int, int)>? Keep, double Label)>();
        for (var i = 0; i < table.Text.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var name = table.Text[i][0].Trim();
            var path = Classes.Select(c => Path.Combine(audio, c, name + ".wav")).FirstOrDefault(File.Exists);
            if (path is null)
            {
                problems.Add($"{name} (no audio/{{ad,cn}}/{name}.wav)");
                continue;
            }

            IReadOnlyList<(int, int)>? keep = null;
            if (segmentation is not null)
            {
                var csv = Classes.Select(c => Path.Combine(segmentation, c, name + ".csv")).FirstOrDefault(File.Exists);
                keep = csv is null ? null : ParticipantTurns(csv);
                if (keep is null || keep.Count == 0)
                {
                    problems.Add(csv is null ? $"{name} (no segmentation/{{ad,cn}}/{name}.csv)" : $"{name} (no PAR rows in {csv})");
                    continue;
                }
            }

            recordings.Add((name, path, keep, table.Labels[i]));
        }

        if (problems.Count > 0)
        {
            var which = $"{problems.Count} of {table.Text.Length} recordings cannot be used: {DatasetFiles.List(problems, 5)}";
            if (options.OnBadRow == BadRowPolicy.Fail)
                throw new DataFormatException($"{scores}: {which}; add the files or set on_bad_row: skip");
            notes.Add($"adresso: skipped {which}");
        }

        if (recordings.Count == 0)
            throw new DataFormatException($"{scores}: no recording can be used (audio folder {audio})");

        var (paths, labels, audioNotes) = AudioRows.Keep("adresso", [.. recordings.Select(r => r.Path)], [.. recordings.Select(r => r.Label)], null, options, cancellationToken);
        notes.AddRange(audioNotes);
        var byPath = recordings.ToDictionary(r => r.Path, StringComparer.Ordinal);
        var parts = new List<RecordingPart>();
        var partLabels = new List<double>();
        var groups = new List<string>();
        var clip = options.ClipSamples;
        for (var i = 0; i < paths.Length; i++)
        {
            var recording = byPath[paths[i]];
            if (!options.Windows)
            {
                parts.Add(new RecordingPart(paths[i], recording.Keep, -1));
                partLabels.Add(labels[i]);
                continue;
            }

            // The kept length decides the windows: a short tail is dropped, but every recording gives at least one.
            var length = RecordingInputs.KeptLength(paths[i], recording.Keep);
            var windows = Math.Max(1, length / clip);
            for (var w = 0; w < windows; w++)
            {
                parts.Add(new RecordingPart(paths[i], recording.Keep, w * clip));
                partLabels.Add(labels[i]);
                groups.Add(recording.Name);
            }
        }

        if (options.Windows)
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"adresso: {paths.Length} recordings cut into {parts.Count} windows of {options.Seconds} s{(options.ParticipantOnly ? " of participant speech" : "")}; one recording's windows stay in one part of every split"));
        return new DatasetData
        {
            Name = "adresso",
            Inputs = new RecordingInputs(parts, options) { AugmentationSeed = context.Seed },
            Labels = [.. partLabels],
            Notes = notes,
            Groups = options.Windows ? groups : null,
        };
    }

    /// <summary>The PAR rows of a segmentation table as [start, end) sample offsets at 16 kHz (begin/end are ms).</summary>
    private List<(int, int)> ParticipantTurns(string csv)
    {
        var table = context.Tables.Read(new TableRequest { Path = csv, DataRoot = context.DataRoot, TextColumns = ["speaker", "begin", "end"] });
        var turns = new List<(int, int)>();
        for (var i = 0; i < table.Text.Length; i++)
        {
            if (!string.Equals(table.Text[i][0].Trim(), "PAR", StringComparison.Ordinal))
                continue;
            if (!double.TryParse(table.Text[i][1], NumberStyles.Float, CultureInfo.InvariantCulture, out var begin)
                || !double.TryParse(table.Text[i][2], NumberStyles.Float, CultureInfo.InvariantCulture, out var end))
                throw new DataFormatException($"{csv}:{table.SourceLines[i]}: begin/end must be numbers (milliseconds), got '{table.Text[i][1]}', '{table.Text[i][2]}'");
            turns.Add(((int)Math.Round(begin * AudioOptions.SampleRate / 1000), (int)Math.Round(end * AudioOptions.SampleRate / 1000)));
        }

        return turns;
    }
}

/// <summary>The MMSE table, read the same way for both modalities.</summary>
internal static class AdressoScores
{
    public static TableData Read(AdressoOptions options, string scores, PluginContext context) =>
        context.Tables.Read(new TableRequest
        {
            Path = scores,
            DataRoot = context.DataRoot,
            TextColumns = ["adressfname"],
            LabelColumn = "mmse",
            OnBadRow = options.OnBadRow,
        });

    public static List<string> Notes(TableData table, string scores) =>
        [.. table.SkipNotes(scores)];
}
