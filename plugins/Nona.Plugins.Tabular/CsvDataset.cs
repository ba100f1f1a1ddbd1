using System.ComponentModel;
using Nona.Abstractions;

namespace Nona.Plugins.Tabular;

/// <summary>Options of the <c>csv</c> dataset.</summary>
public sealed class CsvOptions
{
    /// <summary>The table, relative to <c>data.root</c>.</summary>
    [Description("CSV/TSV file, relative to data.root")]
    public string Path { get; set; } = "";

    /// <summary>Feature columns.</summary>
    [Description("names of the numeric feature columns")]
    public IList<string> Features { get; set; } = [];

    /// <summary>The label column (<c>label:</c> itself names the dataset in results, as for every plugin).</summary>
    [Description("name of the numeric label column to predict")]
    public string Target { get; set; } = "";

    /// <summary>Label transform.</summary>
    [Description("none, log or log1p, applied to the label as it is read")]
    public LabelTransform LabelTransform { get; set; } = LabelTransform.None;

    /// <summary>Field separator; empty picks by file extension.</summary>
    [Description("field separator (one character); empty: tab for .tsv, comma otherwise")]
    public string Delimiter { get; set; } = "";

    /// <summary>Bad-row policy.</summary>
    [Description("fail or skip rows with unusable cells (skipped rows are counted and reported)")]
    public BadRowPolicy OnBadRow { get; set; } = BadRowPolicy.Fail;
}

/// <summary>Numeric features and a label from a CSV/TSV table.</summary>
[NonaPlugin("csv", PluginKind.Dataset, Description = "numeric feature columns and a label column from a CSV/TSV file")]
public sealed class CsvDatasetFactory : PluginFactory<CsvOptions, IDataset>
{
    /// <inheritdoc />
    protected override IDataset Create(CsvOptions options, PluginContext context)
    {
        var where = context.Where;
        if (options.Features.Count == 0)
            throw new NonaException($"{where}.features must name at least one column");
        var path = context.RequireTable(options.Path, options.Target, options.Delimiter, "the CSV file");
        return new CsvDataset(options, path, context);
    }
}

/// <summary>Reads the table through the host's table reader.</summary>
public sealed class CsvDataset(CsvOptions options, string path, PluginContext context) : IDataset
{
    /// <inheritdoc />
    public DatasetData Load(CancellationToken cancellationToken)
    {
        var table = context.Tables.Read(new TableRequest
        {
            Path = path,
            DataRoot = context.DataRoot,
            Delimiter = options.Delimiter.Length == 1 ? options.Delimiter[0] : null,
            NumericColumns = [.. options.Features],
            LabelColumn = options.Target,
            LabelTransform = options.LabelTransform,
            OnBadRow = options.OnBadRow,
        });
        var notes = table.SkipNotes(path);
        return new DatasetData
        {
            Name = System.IO.Path.GetFileNameWithoutExtension(path),
            Inputs = new VectorInputs(table.Numeric),
            Labels = table.Labels,
            Notes = notes,
        };
    }
}
