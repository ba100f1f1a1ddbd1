// MachineHack hackathon "Predict The Price Of Books": Data_Train.xlsx, 6,237 books, columns Title, Author, Edition,
// Reviews ("4.0 out of 5 stars"), Ratings ("1,234 customer reviews"), Synopsis, Genre, BookCategory, Price.
// The input is the synopsis (or any columns through a template), the label log(Price).
using System.ComponentModel;
using System.Globalization;
using System.Text.RegularExpressions;
using Nona.Abstractions;

namespace Nona.Plugins.Text.Datasets;

/// <summary>Options of the <c>books</c> dataset.</summary>
public sealed class BooksOptions
{
    /// <summary>The spreadsheet, relative to data.root.</summary>
    [Description("Data_Train.xlsx, relative to data.root")]
    public string Path { get; set; } = "Data_Train.xlsx";

    /// <summary>The text columns.</summary>
    [Description("columns whose cells make the input text (Title, Author, Edition, Reviews, Ratings, Synopsis, Genre, BookCategory)")]
    public IList<string> TextColumns { get; set; } = ["Synopsis"];

    /// <summary>How the columns are joined.</summary>
    [Description("input text with {column} placeholders, e.g. \"{Title}. {Synopsis}\"; empty: the cells joined by \". \"")]
    public string Template { get; set; } = "";

    /// <summary>Transform of the price (rupees, heavy-tailed): log by default.</summary>
    [Description("none, log or log1p, applied to Price")]
    public LabelTransform LabelTransform { get; set; } = LabelTransform.Log;

    /// <summary>Bad-row policy.</summary>
    [Description("fail or skip books with an unusable price (skipped rows are counted and reported)")]
    public BadRowPolicy OnBadRow { get; set; } = BadRowPolicy.Fail;
}

/// <summary>Book synopses labelled with their (log) price.</summary>
[NonaPlugin("books", PluginKind.Dataset, Description = "MachineHack book prices: Synopsis text, log(Price)")]
public sealed class BooksDatasetFactory : PluginFactory<BooksOptions, IDataset>
{
    /// <inheritdoc />
    protected override IDataset Create(BooksOptions options, PluginContext context)
    {
        var where = context.Where;
        var template = TextTemplate.Create(options.Template, [.. options.TextColumns], out var problem)
            ?? throw new NonaException($"{where}.text_columns: {problem}");
        var path = context.RequireDataFile("path", options.Path, "the books spreadsheet",
            "download Data_Train.xlsx from MachineHack's \"Predict The Price Of Books\" hackathon");
        return new BooksDataset(options, template, path);
    }
}

/// <summary>One book of Data_Train.xlsx, with Reviews and Ratings parsed into numbers (null when a cell has none).</summary>
public sealed record BookRow(string Title, string Author, string Edition, double? Stars, int? RatingCount, string Synopsis, string Genre, string BookCategory, double? Price);

/// <summary>Reads the first sheet of Data_Train.xlsx.</summary>
public sealed partial class BooksDataset(BooksOptions options, TextTemplate template, string path) : IDataset
{
    /// <inheritdoc />
    public DatasetData Load(CancellationToken cancellationToken)
    {
        var (texts, labels, notes) = TextCsvDataset.ReadSpreadsheet(path, template, "Price", options.LabelTransform, options.OnBadRow, cancellationToken);
        return new DatasetData { Name = "books", Inputs = new TextSource(texts), Labels = labels, Notes = notes };
    }

    /// <summary>Every book with its fields parsed (for recipes or tools that want Reviews and Ratings as numbers).</summary>
    public static IReadOnlyList<BookRow> ReadBooks(string path)
    {
        var sheet = ExcelTable.Read(path);
        var at = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in new[] { "Title", "Author", "Edition", "Reviews", "Ratings", "Synopsis", "Genre", "BookCategory", "Price" })
            at[name] = sheet.Column(name, path);
        return [.. sheet.Rows.Select(r => new BookRow(
            r[at["Title"]], r[at["Author"]], r[at["Edition"]], ParseStars(r[at["Reviews"]]), ParseRatingCount(r[at["Ratings"]]),
            r[at["Synopsis"]], r[at["Genre"]], r[at["BookCategory"]],
            double.TryParse(r[at["Price"]], NumberStyles.Float, CultureInfo.InvariantCulture, out var price) ? price : null))];
    }

    /// <summary>"4.0 out of 5 stars" → 4.0; null when the cell does not have that shape.</summary>
    public static double? ParseStars(string cell)
    {
        var match = Stars().Match(cell);
        return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }

    /// <summary>"1,234 customer reviews" (or "1 customer review") → 1234; null when the cell does not have that shape.</summary>
    public static int? ParseRatingCount(string cell)
    {
        var match = RatingCount().Match(cell);
        return match.Success ? int.Parse(match.Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture) : null;
    }

    [GeneratedRegex(@"^\s*(\d+(?:\.\d+)?)\s+out\s+of\s+5\s+stars?\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex Stars();

    [GeneratedRegex(@"^\s*(\d{1,3}(?:,\d{3})*|\d+)\s+customer\s+reviews?\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex RatingCount();
}
