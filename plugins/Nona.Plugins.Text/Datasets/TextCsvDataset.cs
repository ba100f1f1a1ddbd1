using System.ComponentModel;
using Nona.Abstractions;

namespace Nona.Plugins.Text.Datasets;

/// <summary>Options of the <c>text-csv</c> dataset.</summary>
public sealed class TextCsvOptions
{
    /// <summary>The table, relative to <c>data.root</c>.</summary>
    [Description("CSV/TSV or .xlsx file, relative to data.root (an .xlsx is read from its first sheet, header in row 1)")]
    public string Path { get; set; } = "";

    /// <summary>The text columns.</summary>
    [Description("columns whose cells make the input text; may be left out when template names them")]
    public IList<string> TextColumns { get; set; } = [];

    /// <summary>How the columns are joined.</summary>
    [Description("input text with {column} placeholders, e.g. \"{title}. {synopsis}\"; empty: the non-empty cells joined by \". \"")]
    public string Template { get; set; } = "";

    /// <summary>The label column.</summary>
    [Description("name of the numeric label column to predict")]
    public string Target { get; set; } = "";

    /// <summary>Label transform.</summary>
    [Description("none, log or log1p, applied to the label as it is read")]
    public LabelTransform LabelTransform { get; set; } = LabelTransform.None;

    /// <summary>Field separator; empty picks by file extension.</summary>
    [Description("field separator (one character); empty: tab for .tsv, comma otherwise; ignored for .xlsx")]
    public string Delimiter { get; set; } = "";

    /// <summary>Bad-row policy.</summary>
    [Description("fail or skip rows with unusable cells (skipped rows are counted and reported)")]
    public BadRowPolicy OnBadRow { get; set; } = BadRowPolicy.Fail;
}

/// <summary>Texts and a numeric label from a table.</summary>
[NonaPlugin("text-csv", PluginKind.Dataset, Description = "text columns (joined by a template) and a label column from a CSV/TSV or .xlsx file")]
public sealed class TextCsvDatasetFactory : PluginFactory<TextCsvOptions, IDataset>
{
    /// <inheritdoc />
    protected override IDataset Create(TextCsvOptions options, PluginContext context)
    {
        var where = context.Where;
        var template = TextTemplate.Create(options.Template, [.. options.TextColumns], out var problem)
            ?? throw new NonaException($"{where}.text_columns: {problem}");
        var path = context.RequireTable(options.Path, options.Target, options.Delimiter, "the CSV/TSV or .xlsx file");
        return new TextCsvDataset(options, template, path, context);
    }
}

/// <summary>Reads a CSV/TSV through the host's table reader, an .xlsx through <see cref="ExcelTable"/>.</summary>
public sealed class TextCsvDataset(TextCsvOptions options, TextTemplate template, string path, PluginContext context) : IDataset
{
    /// <inheritdoc />
    public DatasetData Load(CancellationToken cancellationToken)
    {
        var (texts, labels, notes) = ExcelTable.IsSpreadsheet(path)
            ? ReadSpreadsheet(path, template, options.Target, options.LabelTransform, options.OnBadRow, cancellationToken)
            : ReadTable(context, path, template, options.Target, options.LabelTransform, options.OnBadRow, options.Delimiter.Length == 1 ? options.Delimiter[0] : null);
        return new DatasetData
        {
            Name = System.IO.Path.GetFileNameWithoutExtension(path),
            Inputs = new TextSource(texts),
            Labels = labels,
            Notes = notes,
        };
    }

    /// <summary>Texts and labels from a CSV/TSV through <see cref="PluginContext.Tables"/> (RFC 4180 quoting).</summary>
    internal static (string[] Texts, double[] Labels, IReadOnlyList<string> Notes) ReadTable(
        PluginContext context, string path, TextTemplate template, string target, LabelTransform transform, BadRowPolicy policy, char? delimiter = null)
    {
        var table = context.Tables.Read(new TableRequest
        {
            Path = path,
            DataRoot = context.DataRoot,
            Delimiter = delimiter,
            TextColumns = template.Columns,
            LabelColumn = target,
            LabelTransform = transform,
            OnBadRow = policy,
        });
        var notes = table.SkipNotes(path);
        return ([.. table.Text.Select(template.Render)], table.Labels, notes);
    }

    /// <summary>Texts and labels from the first sheet of a spreadsheet, with the same bad-row rules as the table reader.</summary>
    internal static (string[] Texts, double[] Labels, IReadOnlyList<string> Notes) ReadSpreadsheet(
        string path, TextTemplate template, string target, LabelTransform transform, BadRowPolicy policy, CancellationToken cancellationToken)
    {
        var sheet = ExcelTable.Read(path, cancellationToken);
        int[] textIndex = [.. template.Columns.Select(c => sheet.Column(c, path))];
        var labelIndex = sheet.Column(target, path);
        var bad = new BadRows(path, policy);
        var texts = new List<string>();
        var labels = new List<double>();
        for (var r = 0; r < sheet.Rows.Length; r++)
        {
            var row = sheet.Rows[r];
            var problem = TextRows.ParseLabel(row[labelIndex], transform, out var label);
            if (problem is not null)
            {
                bad.Add($"row {sheet.RowNumbers[r]}", $"column '{sheet.Header[labelIndex]}': {problem} ('{TextRows.Show(row[labelIndex])}')");
                continue;
            }

            texts.Add(template.Render([.. textIndex.Select(i => row[i])]));
            labels.Add(label);
        }

        bad.RequireAny(texts.Count);
        return ([.. texts], [.. labels], bad.Notes());
    }
}
