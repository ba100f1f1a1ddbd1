using System.Globalization;
using System.Text;
using Nona.Abstractions;

namespace Nona.Host.Data;

/// <summary>
/// The table reader every dataset uses: streams a CSV/TSV file through <see cref="CsvRecordReader"/>, picks the
/// requested columns by header name and applies the bad-row policy row by row.
/// </summary>
/// <param name="labelsOptional">
/// True for <c>nona predict</c>: a table without the label column is read with NaN labels (new inputs need no
/// labels); false (runs): a missing label column is an error.
/// </param>
public sealed class CsvTableReader(bool labelsOptional = false) : ITableReader
{
    private const int MaxSkipReasons = 5;
    private const string FixHint = "; fix the file or set on_bad_row: skip";

    // The root is compared as a prefix, so it must follow the file system's case rules.
    private static readonly StringComparison PathComparison =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <inheritdoc />
    public TableData Read(TableRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var root = Path.GetFullPath(string.IsNullOrWhiteSpace(request.DataRoot) ? "." : request.DataRoot);
        var file = Path.GetFullPath(Path.Combine(root, request.Path));
        if (!File.Exists(file))
        {
            throw new DataFormatException($"{file}: file not found; check the path or set data.root (--set data.root=DIR)");
        }

        var delimiter = request.Delimiter ?? DefaultDelimiter(file);
        var rootPrefix = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;

        // Strict UTF-8: a Latin-1 file would otherwise load with silently mangled names and paths.
        var encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        using var text = new StreamReader(stream, encoding, detectEncodingFromByteOrderMarks: true);
        var records = new CsvRecordReader(text, delimiter, file);
        try
        {
            return ReadRecords(request, records, file, root, rootPrefix, labelsOptional);
        }
        catch (DecoderFallbackException)
        {
            throw new DataFormatException($"{file}:{records.Line}: the file is not valid UTF-8; save it as UTF-8");
        }
    }

    private static TableData ReadRecords(TableRequest request, CsvRecordReader records, string file, string root, string rootPrefix, bool labelsOptional)
    {
        if (!records.TryReadRecord(out var headerRecord))
        {
            throw new DataFormatException($"{file}: the file is empty; the first line must be a header naming the columns");
        }

        var header = Array.ConvertAll(headerRecord.Fields, name => name.Trim());
        int[] numericIndex = [.. request.NumericColumns.Select(name => FindColumn(header, name, file))];
        var unlabelled = labelsOptional && request.LabelColumn is { } wanted && !header.Contains(wanted, StringComparer.Ordinal);
        var labelIndex = request.LabelColumn is null || unlabelled ? -1 : FindColumn(header, request.LabelColumn, file);
        int[] pathIndex = [.. request.PathColumns.Select(name => FindColumn(header, name, file))];
        int[] textIndex = [.. request.TextColumns.Select(name => FindColumn(header, name, file))];

        var numeric = new List<double[]>();
        var labels = new List<double>();
        var paths = new List<string[]>();
        var texts = new List<string[]>();
        var lines = new List<int>();
        var skipped = 0;
        var reasons = new List<string>();

        while (records.TryReadRecord(out var record))
        {
            var fields = record.Fields;
            var problem = fields.Length != header.Length
                ? $"{file}:{record.Line}: the row has {fields.Length} fields but the header has {header.Length} (check the delimiter and quotes)"
                : null;

            var rowNumeric = numericIndex.Length == 0 ? [] : new double[numericIndex.Length];
            for (var i = 0; problem is null && i < numericIndex.Length; i++)
            {
                var cell = fields[numericIndex[i]];
                if (!TryParseNumber(cell, out rowNumeric[i]))
                {
                    problem = CellProblem(file, record.Line, header[numericIndex[i]], NumberProblem(cell), cell);
                }
            }

            var label = 0.0;
            if (problem is null && labelIndex >= 0)
            {
                var cell = fields[labelIndex];
                var what = !TryParseNumber(cell, out var raw) ? NumberProblem(cell) : TransformLabel(raw, request.LabelTransform, out label);
                if (what is not null)
                {
                    problem = CellProblem(file, record.Line, header[labelIndex], what, cell);
                }
            }

            var rowPaths = new string[pathIndex.Length];
            for (var i = 0; problem is null && i < pathIndex.Length; i++)
            {
                var cell = fields[pathIndex[i]];
                var what = ResolvePath(cell, root, rootPrefix, out rowPaths[i]);
                if (what is not null)
                {
                    problem = CellProblem(file, record.Line, header[pathIndex[i]], what, cell);
                }
            }

            if (problem is not null)
            {
                if (request.OnBadRow == BadRowPolicy.Fail)
                {
                    throw new DataFormatException(problem + FixHint);
                }

                skipped++;
                if (reasons.Count < MaxSkipReasons)
                {
                    reasons.Add(problem);
                }

                continue;
            }

            numeric.Add(rowNumeric);
            if (labelIndex >= 0 || unlabelled)
            {
                labels.Add(unlabelled ? double.NaN : label);
            }

            paths.Add(rowPaths);
            texts.Add(Array.ConvertAll(textIndex, index => fields[index]));
            lines.Add(record.Line);
        }

        if (lines.Count == 0)
        {
            var why = skipped == 0
                ? "it has a header but no data rows"
                : $"all {skipped} data rows were skipped as bad; first: {reasons[0]}";
            throw new DataFormatException($"{file}: the table has no usable rows: {why}");
        }

        return new TableData
        {
            Header = header,
            Numeric = [.. numeric],
            Labels = [.. labels],
            Paths = [.. paths],
            Text = [.. texts],
            SourceLines = [.. lines],
            SkippedRows = skipped,
            SkipReasons = reasons,
        };
    }

    private static char DefaultDelimiter(string file)
    {
        var extension = Path.GetExtension(file);
        return extension.Equals(".tsv", StringComparison.OrdinalIgnoreCase) || extension.Equals(".tab", StringComparison.OrdinalIgnoreCase)
            ? '\t'
            : ',';
    }

    private static int FindColumn(string[] header, string name, string file)
    {
        var index = Array.IndexOf(header, name);
        if (index < 0)
        {
            index = Array.FindIndex(header, column => column.Equals(name, StringComparison.OrdinalIgnoreCase));
        }

        if (index >= 0)
        {
            return index;
        }

        var message = $"{file}: column '{name}' not found; the columns are: {string.Join(", ", header.Select(column => $"'{column}'"))}";
        var nearest = header.MinBy(column => EditDistance(column.ToUpperInvariant(), name.ToUpperInvariant()));

        // A suggestion that shares almost nothing with the name is noise; the full list is already in the message.
        if (nearest is not null && EditDistance(nearest.ToUpperInvariant(), name.ToUpperInvariant()) <= Math.Max(2, name.Length / 2))
        {
            message += $"; did you mean '{nearest}'?";
        }

        throw new DataFormatException(message);
    }

    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    // Infinity and overflow ("1e999") are rejected with NaN: none of them can train anything.
    private static bool TryParseNumber(string cell, out double value) =>
        double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    private static string NumberProblem(string cell) =>
        string.IsNullOrWhiteSpace(cell) ? "the value is empty"
        : !double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? "the value is not a number"
        : double.IsNaN(value) ? "the value is NaN"
        : "the value is infinite or too large";

    private static string? TransformLabel(double raw, LabelTransform transform, out double label)
    {
        label = transform switch
        {
            LabelTransform.Log => Math.Log(raw),
            LabelTransform.Log1p => Log1p(raw),
            _ => raw,
        };
        return transform switch
        {
            LabelTransform.Log when raw <= 0 => "label_transform log needs a value > 0",
            LabelTransform.Log1p when raw <= -1 => "label_transform log1p needs a value > -1",
            _ => null,
        };
    }

    // Math.Log(1 + x) loses every digit of a tiny x to rounding in 1 + x (and double.LogP1 is computed that way);
    // dividing by the rounded (u - 1) cancels that rounding error (Goldberg, "What every computer scientist...", thm 4).
    private static double Log1p(double x)
    {
        var u = 1.0 + x;
        return u == 1.0 ? x : Math.Log(u) * x / (u - 1.0);
    }

    private static string? ResolvePath(string cell, string root, string rootPrefix, out string fullPath)
    {
        fullPath = string.Empty;

        // Spreadsheet exports often pad cells; a path with leading or trailing blanks is never what was meant.
        var trimmed = cell.Trim();
        if (trimmed.Length == 0)
        {
            return "the path is empty";
        }

        try
        {
            fullPath = Path.GetFullPath(Path.Combine(root, trimmed));
        }
        catch (ArgumentException)
        {
            return "the path is not valid";
        }

        return fullPath.StartsWith(rootPrefix, PathComparison)
            ? null
            : $"the path is outside the data root {root} (paths must stay inside data.root)";
    }

    private static string CellProblem(string file, int line, string column, string what, string cell)
    {
        // Messages are one line; a multi-line or very long cell would hide the part that says what to fix.
        var shown = cell.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
        if (shown.Length > 60)
        {
            shown = string.Concat(shown.AsSpan(0, 57), "...");
        }

        return $"{file}:{line}: column '{column}': {what} ('{shown}')";
    }
}
