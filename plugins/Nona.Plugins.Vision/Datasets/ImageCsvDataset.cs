using System.ComponentModel;
using Nona.Abstractions;
using Nona.Plugins.Vision.Pipeline;

namespace Nona.Plugins.Vision.Datasets;

/// <summary>Options of the <c>image-csv</c> dataset: the table's columns plus the image settings it inherits.</summary>
public sealed class ImageCsvOptions : ImageOptions
{
    /// <summary>The table, relative to <c>data.root</c>.</summary>
    [Description("CSV/TSV file listing the images, relative to data.root")]
    public string Path { get; set; } = "";

    /// <summary>The column holding each image's path (relative to <c>data.root</c>).</summary>
    [Description("name of the column holding each image's path, relative to data.root")]
    public string Image { get; set; } = "";

    /// <summary>The label column.</summary>
    [Description("name of the numeric label column to predict")]
    public string Target { get; set; } = "";

    /// <summary>Label transform.</summary>
    [Description("none, log or log1p, applied to the label as it is read")]
    public LabelTransform LabelTransform { get; set; } = LabelTransform.None;

    /// <summary>Field separator; empty picks by file extension.</summary>
    [Description("field separator (one character); empty: tab for .tsv, comma otherwise")]
    public string Delimiter { get; set; } = "";

    /// <summary>Bad-row policy for the table's cells (see <see cref="ImageOptions.OnBadImage"/> for the files).</summary>
    [Description("fail or skip table rows with unusable cells (bad label, path outside data.root)")]
    public BadRowPolicy OnBadRow { get; set; } = BadRowPolicy.Fail;
}

/// <summary>Images listed in a table, one row per image, with a numeric label.</summary>
[NonaPlugin("image-csv", PluginKind.Dataset, Description = "images listed in a CSV/TSV file (a path column and a numeric label column)")]
public sealed class ImageCsvDatasetFactory : PluginFactory<ImageCsvOptions, IDataset>
{
    /// <inheritdoc />
    protected override IDataset Create(ImageCsvOptions options, PluginContext context)
    {
        var where = context.Where;
        if (string.IsNullOrWhiteSpace(options.Image))
            throw new NonaException($"{where}.image is required: the name of the column holding the image paths");
        options.Validate(where);

        var path = context.RequireTable(options.Path, options.Target, options.Delimiter, "the CSV file listing the images");
        return new ImageCsvDataset(options, path, context);
    }
}

/// <summary>Reads the table through the host's table reader, then checks every image's header.</summary>
public sealed class ImageCsvDataset(ImageCsvOptions options, string path, PluginContext context) : IDataset
{
    /// <inheritdoc />
    public DatasetData Load(CancellationToken cancellationToken)
    {
        var table = context.Tables.Read(new TableRequest
        {
            Path = path,
            DataRoot = context.DataRoot,
            Delimiter = options.Delimiter.Length == 1 ? options.Delimiter[0] : null,
            PathColumns = [options.Image],
            LabelColumn = options.Target,
            LabelTransform = options.LabelTransform,
            OnBadRow = options.OnBadRow,
        });
        var name = System.IO.Path.GetFileNameWithoutExtension(path);
        var (paths, labels, imageNotes) = ImageRows.Keep(
            name, [.. table.Paths.Select(row => row[0])], table.Labels, table.SourceLines, options, cancellationToken);

        var notes = new List<string>();
        notes.AddRange(table.SkipNotes(path));
        notes.AddRange(imageNotes);
        return new DatasetData
        {
            Name = name,
            Inputs = new ImageInputs(paths, options) { AugmentationSeed = context.Seed },
            Labels = labels,
            Notes = notes,
        };
    }
}
