using System.ComponentModel;
using Nona.Abstractions;
using Nona.Plugins.Audio.Pipeline;

namespace Nona.Plugins.Audio.Datasets;

/// <summary>Options of the <c>audio-csv</c> dataset: the table's columns plus the audio settings it inherits.</summary>
public sealed class AudioCsvOptions : AudioOptions
{
    /// <summary>The table, relative to <c>data.root</c>.</summary>
    [Description("CSV/TSV file listing the audio files, relative to data.root")]
    public string Path { get; set; } = "";

    /// <summary>The column holding each audio file's path (relative to <c>data.root</c>).</summary>
    [Description("name of the column holding each audio file's path, relative to data.root")]
    public string Audio { get; set; } = "";

    /// <summary>The label column.</summary>
    [Description("name of the numeric label column to predict")]
    public string Target { get; set; } = "";

    /// <summary>Label transform.</summary>
    [Description("none, log or log1p, applied to the label as it is read")]
    public LabelTransform LabelTransform { get; set; } = LabelTransform.None;

    /// <summary>Field separator; empty picks by file extension.</summary>
    [Description("field separator (one character); empty: tab for .tsv, comma otherwise")]
    public string Delimiter { get; set; } = "";

    /// <summary>Bad-row policy for the table's cells (see <see cref="AudioOptions.OnBadAudio"/> for the files).</summary>
    [Description("fail or skip table rows with unusable cells (bad label, path outside data.root)")]
    public BadRowPolicy OnBadRow { get; set; } = BadRowPolicy.Fail;
}

/// <summary>Audio files (WAV) listed in a table, one row per clip, with a numeric label.</summary>
[NonaPlugin("audio-csv", PluginKind.Dataset, Description = "audio clips (WAV) listed in a CSV/TSV file (a path column and a numeric label column)")]
public sealed class AudioCsvDatasetFactory : PluginFactory<AudioCsvOptions, IDataset>
{
    /// <inheritdoc />
    protected override IDataset Create(AudioCsvOptions options, PluginContext context)
    {
        var where = context.Where;
        if (string.IsNullOrWhiteSpace(options.Audio))
            throw new NonaException($"{where}.audio is required: the name of the column holding the audio file paths");
        var path = context.RequireTable(options.Path, options.Target, options.Delimiter, "the CSV file listing the audio files");
        return new AudioCsvDataset(options, path, context);
    }
}

/// <summary>Reads the table through the host's table reader, then checks every audio file's header.</summary>
public sealed class AudioCsvDataset(AudioCsvOptions options, string path, PluginContext context) : IDataset
{
    /// <inheritdoc />
    public DatasetData Load(CancellationToken cancellationToken)
    {
        var table = context.Tables.Read(new TableRequest
        {
            Path = path,
            DataRoot = context.DataRoot,
            Delimiter = options.Delimiter.Length == 1 ? options.Delimiter[0] : null,
            PathColumns = [options.Audio],
            LabelColumn = options.Target,
            LabelTransform = options.LabelTransform,
            OnBadRow = options.OnBadRow,
        });
        var name = System.IO.Path.GetFileNameWithoutExtension(path);
        var (paths, labels, audioNotes) = AudioRows.Keep(
            name, [.. table.Paths.Select(row => row[0])], table.Labels, table.SourceLines, options, cancellationToken);

        var notes = new List<string>();
        notes.AddRange(table.SkipNotes(path));
        notes.AddRange(audioNotes);
        return new DatasetData
        {
            Name = name,
            Inputs = new AudioInputs(paths, options) { AugmentationSeed = context.Seed },
            Labels = labels,
            Notes = notes,
        };
    }
}
