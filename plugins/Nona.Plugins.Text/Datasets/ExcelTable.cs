// Spreadsheets through ExcelDataReader 3.6.0 (github.com/ExcelDataReader/ExcelDataReader): the first sheet, its first row
// the header, every cell turned into the text a CSV export would hold (numbers in invariant "R" form).
using System.Globalization;
using System.Text;
using ExcelDataReader;
using Nona.Abstractions;

namespace Nona.Plugins.Text.Datasets;

/// <summary>The first sheet of an <c>.xlsx</c> (or <c>.xls</c>) file as a header and rows of cell texts.</summary>
/// <param name="Header">The first row, trimmed.</param>
/// <param name="Rows">The data rows, each as wide as <paramref name="Header"/>.</param>
/// <param name="RowNumbers">Each row's 1-based spreadsheet row number, for messages.</param>
public sealed record ExcelTable(string[] Header, string[][] Rows, int[] RowNumbers)
{
    /// <summary>True for the spreadsheet extensions this reader handles.</summary>
    public static bool IsSpreadsheet(string path) =>
        Path.GetExtension(path).ToUpperInvariant() is ".XLSX" or ".XLSM" or ".XLS";

    /// <summary>Reads the first sheet. Throws <see cref="DataFormatException"/> naming the file when it is not a spreadsheet.</summary>
    public static ExcelTable Read(string path, CancellationToken cancellationToken = default)
    {
        // ExcelDataReader's configuration defaults its fallback encoding to code page 1252, which .NET only has once the
        // code-pages provider is registered (in the shared framework, no package needed); .xls (BIFF) needs it for its strings.
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            using var reader = ExcelReaderFactory.CreateReader(stream);
            if (!reader.Read())
                throw new DataFormatException($"{path}: the first sheet is empty; its first row must be a header naming the columns");
            var width = reader.FieldCount;
            var header = new string[width];
            for (var i = 0; i < width; i++)
                header[i] = Cell(reader.GetValue(i)).Trim();
            var rows = new List<string[]>();
            var numbers = new List<int>();
            var number = 1;
            while (reader.Read())
            {
                cancellationToken.ThrowIfCancellationRequested();
                number++;
                var row = new string[width];
                var any = false;
                for (var i = 0; i < width; i++)
                {
                    row[i] = i < reader.FieldCount ? Cell(reader.GetValue(i)) : "";
                    any |= row[i].Length > 0;
                }

                // Spreadsheets keep formatted but empty rows below the data; they are not rows of the table.
                if (!any)
                    continue;
                rows.Add(row);
                numbers.Add(number);
            }

            return new ExcelTable(header, [.. rows], [.. numbers]);
        }
        catch (Exception e) when (e is ExcelDataReader.Exceptions.ExcelReaderException or InvalidDataException)
        {
            throw new DataFormatException($"{path}: not a readable spreadsheet ({e.Message}); save it as .xlsx or .csv");
        }
    }

    /// <summary>The index of <paramref name="name"/> (exact, else ignoring case), or an error listing the columns.</summary>
    public int Column(string name, string path)
    {
        var index = Array.IndexOf(Header, name);
        if (index < 0)
            index = Array.FindIndex(Header, column => column.Equals(name, StringComparison.OrdinalIgnoreCase));
        if (index < 0)
            throw new DataFormatException($"{path}: column '{name}' not found; the columns are: {string.Join(", ", Header.Select(c => $"'{c}'"))}");
        return index;
    }

    private static string Cell(object? value) => value switch
    {
        null or DBNull => "",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        DateTime t => t.ToString("s", CultureInfo.InvariantCulture),
        bool b => b ? "TRUE" : "FALSE",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
