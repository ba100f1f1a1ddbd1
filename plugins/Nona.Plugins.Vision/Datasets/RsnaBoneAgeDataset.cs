// RSNA Pediatric Bone Age Challenge 2017 (Halabi et al., Radiology 2019, doi:10.1148/radiol.2018180736), as Kaggle's
// kmader/rsna-bone-age ships it: boneage-training-dataset.csv (id,boneage,male) and
// boneage-training-dataset/boneage-training-dataset/<id>.png (the zip holds a folder of the same name).
using System.ComponentModel;
using Nona.Abstractions;
using Nona.Plugins.Vision.Pipeline;

namespace Nona.Plugins.Vision.Datasets;

/// <summary>Which children of the bone-age set to use.</summary>
public enum BoneAgeSex
{
    /// <summary>Every radiograph.</summary>
    All,

    /// <summary>Rows with male = True.</summary>
    Male,

    /// <summary>Rows with male = False.</summary>
    Female,
}

/// <summary>Options of the <c>rsna-bone-age</c> dataset.</summary>
public sealed class RsnaBoneAgeOptions : ImageOptions
{
    /// <summary>The folder holding boneage-training-dataset.csv, relative to data.root.</summary>
    [Description("folder holding boneage-training-dataset.csv and the image folder, relative to data.root")]
    public string Folder { get; set; } = ".";

    /// <summary>Which children to keep.</summary>
    [Description("all, male or female (the csv's male column)")]
    public BoneAgeSex Sex { get; set; } = BoneAgeSex.All;

    /// <summary>Bad-row policy for the csv.</summary>
    [Description("fail or skip csv rows with unusable cells (skipped rows are counted and reported)")]
    public BadRowPolicy OnBadRow { get; set; } = BadRowPolicy.Fail;
}

/// <summary>Hand radiographs labelled with bone age in months.</summary>
[NonaPlugin("rsna-bone-age", PluginKind.Dataset, Description = "RSNA Pediatric Bone Age: hand radiographs, bone age in months")]
public sealed class RsnaBoneAgeDatasetFactory : PluginFactory<RsnaBoneAgeOptions, IDataset>
{
    internal const string TableName = "boneage-training-dataset.csv";
    internal const string ImageFolder = "boneage-training-dataset";

    /// <inheritdoc />
    protected override IDataset Create(RsnaBoneAgeOptions options, PluginContext context)
    {
        var where = context.Where;
        options.Validate(where);
        var folder = Path.GetFullPath(options.Folder, Path.GetFullPath(context.DataRoot));
        var table = Path.Combine(folder, TableName);
        var nested = Path.Combine(folder, ImageFolder, ImageFolder);
        var single = Path.Combine(folder, ImageFolder);
        var images = Directory.Exists(nested) ? nested : single;
        if (!File.Exists(table) || !Directory.Exists(images))
            throw new NonaException($"{where}: the RSNA bone-age dataset needs {TableName} and {ImageFolder}/{ImageFolder}/<id>.png (or {ImageFolder}/<id>.png) " +
                $"in {folder}; download it from https://www.kaggle.com/datasets/kmader/rsna-bone-age (kaggle datasets download -d kmader/rsna-bone-age), " +
                "unzip it, then pass --set data.root=DIR");
        return new RsnaBoneAgeDataset(options, table, images, context);
    }
}

/// <summary>Reads the label table through the host's table reader and pairs each id with its PNG.</summary>
public sealed class RsnaBoneAgeDataset(RsnaBoneAgeOptions options, string table, string images, PluginContext context) : IDataset
{
    /// <inheritdoc />
    public DatasetData Load(CancellationToken cancellationToken)
    {
        var rows = context.Tables.Read(new TableRequest
        {
            Path = table,
            DataRoot = Path.GetDirectoryName(table)!,
            LabelColumn = "boneage",
            TextColumns = ["id", "male"],
            OnBadRow = options.OnBadRow,
        });
        var notes = new List<string>();
        if (rows.SkippedRows > 0)
            notes.Add($"{table}: skipped {rows.SkippedRows} bad row(s), e.g. {string.Join("; ", rows.SkipReasons)}");

        var paths = new List<string>();
        var labels = new List<double>();
        var lines = new List<int>();
        for (var i = 0; i < rows.Labels.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var id = rows.Text[i][0].Trim();
            var male = Male(rows.Text[i][1]);
            var problem = id.Length == 0 || id.Any(c => !char.IsAsciiLetterOrDigit(c) && c != '_' && c != '-')
                ? $"column 'id': not an image id ('{id}')"
                : male is null ? $"column 'male': expected True or False ('{rows.Text[i][1]}')" : null;
            if (problem is not null)
            {
                problem = $"{table}:{rows.SourceLines[i]}: {problem}";
                if (options.OnBadRow == BadRowPolicy.Fail)
                    throw new DataFormatException(problem + "; fix the file or set on_bad_row: skip");
                notes.Add(problem + " (skipped)");
                continue;
            }

            if ((options.Sex == BoneAgeSex.Male && male == false) || (options.Sex == BoneAgeSex.Female && male == true))
                continue;
            paths.Add(Path.Combine(images, id + ".png"));
            labels.Add(rows.Labels[i]);
            lines.Add(rows.SourceLines[i]);
        }

        if (paths.Count == 0)
            throw new DataFormatException($"{table}: no rows left for sex: {options.Sex.ToString().ToLowerInvariant()}");

        var (files, kept, imageNotes) = ImageRows.Keep(table, paths, labels, lines, options, cancellationToken);
        notes.AddRange(imageNotes);
        return new DatasetData
        {
            Name = "rsna-bone-age",
            Inputs = new ImageInputs(files, options) { AugmentationSeed = context.Seed },
            Labels = kept,
            Notes = notes,
        };
    }

    // pandas writes True/False; a copy re-saved by a spreadsheet has TRUE/FALSE; some tools write 1/0.
    private static bool? Male(string cell) => cell.Trim().ToUpperInvariant() switch
    {
        "TRUE" or "1" => true,
        "FALSE" or "0" => false,
        _ => null,
    };
}
