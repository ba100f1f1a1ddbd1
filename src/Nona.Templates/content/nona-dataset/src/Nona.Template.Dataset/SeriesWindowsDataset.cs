using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Nona.Abstractions;

namespace Nona.Template.Dataset;

/// <summary>Options of the <c>template-dataset</c> dataset.</summary>
public sealed class SeriesWindowsOptions
{
    /// <summary>The CSV file, relative to the recipe's <c>data.root</c>.</summary>
    [Description("CSV/TSV file holding the series, relative to data.root")]
    public string Path { get; set; } = "";

    /// <summary>The numeric column holding the series, in file order.</summary>
    [Description("name of the numeric column holding the series")]
    public string Column { get; set; } = "";

    /// <summary>How many consecutive values make one input.</summary>
    [Description("values per input window; the label is the value that follows it")]
    [Range(1, 100000)]
    public int Window { get; set; } = 8;

    /// <summary>Field separator; empty picks by file extension.</summary>
    [Description("field separator (one character); empty: tab for .tsv, comma otherwise")]
    public string Delimiter { get; set; } = "";
}

/// <summary>Exports the dataset to the nona host under the name recipes use.</summary>
[NonaPlugin("template-dataset", PluginKind.Dataset, Description = "a numeric series from a CSV column: each window of values predicts the next one")]
public sealed class SeriesWindowsFactory : PluginFactory<SeriesWindowsOptions, IDataset>
{
    /// <inheritdoc />
    protected override IDataset Create(SeriesWindowsOptions options, PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(context);
        // Problems the user can fix are one-line NonaExceptions naming the recipe key (context.Where) and the fix.
        if (string.IsNullOrWhiteSpace(options.Path))
            throw new NonaException($"{context.Where}.path is required: the CSV file holding the series, relative to data.root");
        if (string.IsNullOrWhiteSpace(options.Column))
            throw new NonaException($"{context.Where}.column is required: the name of the numeric column holding the series");
        if (options.Delimiter.Length > 1)
            throw new NonaException($"{context.Where}.delimiter must be one character (got '{options.Delimiter}')");
        var path = context.RequireDataFile("path", options.Path, "the series CSV", "check the path or point data.root at its folder");
        return new SeriesWindowsDataset(options, path, context);
    }
}

/// <summary>Reads the series through the host's table reader (quoting, encodings and bad rows handled there).</summary>
public sealed class SeriesWindowsDataset(SeriesWindowsOptions options, string path, PluginContext context) : IDataset
{
    /// <inheritdoc />
    public DatasetData Load(CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(context);
        var table = context.Tables.Read(new TableRequest
        {
            Path = path,
            DataRoot = context.DataRoot,
            Delimiter = options.Delimiter.Length == 1 ? options.Delimiter[0] : null,
            LabelColumn = options.Column,
        });
        var series = table.Labels;
        var count = series.Length - options.Window;
        if (count < 1)
            throw new NonaException($"{path}: the column '{options.Column}' has {series.Length} value(s), too few for windows of {options.Window} and a value to predict; lower {context.Where}.window");

        var inputs = new double[count][];
        var labels = new double[count];
        for (var i = 0; i < count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            inputs[i] = series[i..(i + options.Window)];
            labels[i] = series[i + options.Window];
        }

        return new DatasetData
        {
            Name = System.IO.Path.GetFileNameWithoutExtension(path),
            Inputs = new VectorInputs(inputs),
            Labels = labels,
            Notes = table.SkipNotes(path),
        };
    }
}
