// Austin housing listings, Kaggle "Austin, TX House Listings" (ericpierce/austinhousingprices): austinHousingData.csv,
// 47 columns, one Zillow listing per row; the input is the listing's free-text `description`, the label `latestPrice`.
// Descriptions hold newlines and doubled quotes (RFC 4180). Two saves circulate: pandas' (True, 305000.0) and Excel's
// re-save (TRUE, 305000); only description and latestPrice are read, and both saves parse the same.
using System.ComponentModel;
using Nona.Abstractions;

namespace Nona.Plugins.Text.Datasets;

/// <summary>Options of the <c>austin</c> dataset.</summary>
public sealed class AustinOptions
{
    /// <summary>The CSV, relative to data.root.</summary>
    [Description("austinHousingData.csv, relative to data.root")]
    public string Path { get; set; } = "austinHousingData.csv";

    /// <summary>Transform of the price; prices span two orders of magnitude, so log by default.</summary>
    [Description("none, log or log1p, applied to latestPrice")]
    public LabelTransform LabelTransform { get; set; } = LabelTransform.Log;

    /// <summary>Bad-row policy.</summary>
    [Description("fail or skip listings with an unusable price (skipped rows are counted and reported)")]
    public BadRowPolicy OnBadRow { get; set; } = BadRowPolicy.Fail;
}

/// <summary>Listing descriptions labelled with their (log) price.</summary>
[NonaPlugin("austin", PluginKind.Dataset, Description = "Kaggle Austin house listings: description text, (log) latestPrice")]
public sealed class AustinDatasetFactory : PluginFactory<AustinOptions, IDataset>
{
    internal const string TextColumn = "description";
    internal const string LabelColumn = "latestPrice";

    /// <inheritdoc />
    protected override IDataset Create(AustinOptions options, PluginContext context)
    {
        var path = context.RequireDataFile("path", options.Path, "the Austin listings table",
            "download austinHousingData.csv from https://www.kaggle.com/datasets/ericpierce/austinhousingprices");
        return new AustinDataset(options, path, context);
    }
}

/// <summary>Reads the listings through the host's table reader.</summary>
public sealed class AustinDataset(AustinOptions options, string path, PluginContext context) : IDataset
{
    /// <inheritdoc />
    public DatasetData Load(CancellationToken cancellationToken)
    {
        var template = TextTemplate.Create("", [AustinDatasetFactory.TextColumn], out _)!;
        var (texts, labels, notes) = TextCsvDataset.ReadTable(context, path, template, AustinDatasetFactory.LabelColumn, options.LabelTransform, options.OnBadRow);
        var empty = texts.Count(string.IsNullOrWhiteSpace);
        return new DatasetData
        {
            Name = "austin",
            Inputs = new TextSource(texts),
            Labels = labels,
            Notes = empty == 0 ? notes : [.. notes, $"{path}: {empty} listing(s) have an empty description (kept, as the empty text)"],
        };
    }
}
