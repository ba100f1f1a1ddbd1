// ADReSSo 2021 challenge (Luz et al., "Detecting cognitive decline using speech only: the ADReSSo Challenge", 2021):
// diagnosis/train/audio/{ad,cn}/adrsoNNN.wav and diagnosis/train/adresso-train-mmse-scores.csv, whose header is an
// unnamed pandas index then adressfname, mmse, dx. The challenge ships audio only; the text modality reads one
// transcript per recording (e.g. from an ASR system) from a folder of <adressfname>.txt files. The label is the MMSE.
using System.ComponentModel;
using Nona.Abstractions;

namespace Nona.Plugins.Text.Datasets;

/// <summary>Which input the <c>adresso</c> dataset gives; audio comes with the audio backbones.</summary>
public enum AdressoModality
{
    /// <summary>One transcript per recording.</summary>
    Text,
}

/// <summary>Options of the <c>adresso</c> dataset.</summary>
public sealed class AdressoOptions
{
    /// <summary>The challenge's training folder, relative to data.root.</summary>
    [Description("folder holding adresso-train-mmse-scores.csv and audio/{ad,cn}, relative to data.root")]
    public string Folder { get; set; } = "diagnosis/train";

    /// <summary>The scores table inside <see cref="Folder"/>.</summary>
    [Description("the MMSE table inside folder (columns adressfname, mmse, dx)")]
    public string Scores { get; set; } = "adresso-train-mmse-scores.csv";

    /// <summary>What the input is.</summary>
    [Description("text: one transcript per recording (audio: not yet)")]
    public AdressoModality Modality { get; set; } = AdressoModality.Text;

    /// <summary>The transcripts folder, relative to data.root.</summary>
    [Description("folder of <adressfname>.txt transcripts, relative to data.root (searched recursively)")]
    public string Transcripts { get; set; } = "";

    /// <summary>Bad-row policy, also for recordings without a transcript.</summary>
    [Description("fail or skip recordings with an unusable MMSE or no transcript (skipped ones are listed by name)")]
    public BadRowPolicy OnBadRow { get; set; } = BadRowPolicy.Fail;
}

/// <summary>Transcripts of ADReSSo recordings labelled with the speaker's MMSE.</summary>
[NonaPlugin("adresso", PluginKind.Dataset, Description = "ADReSSo 2021 diagnosis/train: transcript per recording, MMSE (0-30)")]
public sealed class AdressoDatasetFactory : PluginFactory<AdressoOptions, IDataset>
{
    private const string GetIt = "ADReSSo 2021 is distributed by DementiaBank (https://dementia.talkbank.org) to members";

    /// <inheritdoc />
    protected override IDataset Create(AdressoOptions options, PluginContext context)
    {
        var where = TextRows.Where(context);
        if (string.IsNullOrWhiteSpace(options.Transcripts))
            throw new NonaException($"{where}.transcripts is required for modality text: a folder of <adressfname>.txt files (e.g. adrso024.txt), relative to data.root");
        var scores = TextRows.RequireFile(context, "folder", Path.Combine(options.Folder, options.Scores), "the ADReSSo MMSE table", GetIt);
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
        var table = context.Tables.Read(new TableRequest
        {
            Path = scores,
            DataRoot = context.DataRoot,
            TextColumns = ["adressfname"],
            LabelColumn = "mmse",
            OnBadRow = options.OnBadRow,
        });

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

        var notes = new List<string>();
        if (table.SkippedRows > 0)
            notes.Add($"{scores}: skipped {table.SkippedRows} bad row(s), e.g. {string.Join("; ", table.SkipReasons)}");
        if (missing.Count > 0)
        {
            var which = $"{missing.Count} of {table.Text.Length} recordings have no transcript <name>.txt in {transcripts}: {TextRows.List(missing)}";
            if (options.OnBadRow == BadRowPolicy.Fail)
                throw new DataFormatException($"{which}; add them or set on_bad_row: skip");
            notes.Add($"skipped {which}");
        }

        if (texts.Count == 0)
            throw new DataFormatException($"{transcripts}: no recording of {scores} has a transcript");
        return new DatasetData { Name = "adresso", Inputs = new TextSource(texts), Labels = [.. labels], Notes = notes };
    }
}
