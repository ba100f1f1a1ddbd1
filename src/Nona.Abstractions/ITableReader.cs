namespace Nona.Abstractions;

/// <summary>
/// The one table reader every dataset uses: CSV/TSV with RFC 4180 quoting, UTF-8 with or without BOM, named
/// columns, a label with an optional transform, path columns kept inside the data root, and a bad-row policy.
/// </summary>
public interface ITableReader
{
    /// <summary>
    /// Reads the table. Throws <see cref="DataFormatException"/> naming the file, the row/column and the fix when
    /// the file is missing, a requested column does not exist, or a bad row meets <see cref="BadRowPolicy.Fail"/>.
    /// </summary>
    TableData Read(TableRequest request);
}

/// <summary>What to do with a row whose cells cannot be used (non-numeric, NaN label, path outside the root).</summary>
public enum BadRowPolicy
{
    /// <summary>Stop with an error that names the file and row.</summary>
    Fail,

    /// <summary>Drop the row, count it, and report the count at the end.</summary>
    Skip,
}

/// <summary>A transform applied to the label column as it is read.</summary>
public enum LabelTransform
{
    /// <summary>The value as written.</summary>
    None,

    /// <summary>Natural log; values ≤ 0 are bad rows.</summary>
    Log,

    /// <summary>ln(1 + x); values ≤ −1 are bad rows.</summary>
    Log1p,
}

/// <summary>Which columns to read from a table, and how.</summary>
public sealed record TableRequest
{
    /// <summary>The table file (absolute, or relative to <see cref="DataRoot"/>).</summary>
    public required string Path { get; init; }

    /// <summary>The folder paths in the table resolve against; no path may escape it.</summary>
    public required string DataRoot { get; init; }

    /// <summary>Field separator; null picks tab for <c>.tsv</c>/<c>.tab</c> files and comma otherwise.</summary>
    public char? Delimiter { get; init; }

    /// <summary>Numeric feature columns, in order.</summary>
    public IReadOnlyList<string> NumericColumns { get; init; } = [];

    /// <summary>The label column (numeric), or null for a table without labels.</summary>
    public string? LabelColumn { get; init; }

    /// <summary>Transform applied to the label.</summary>
    public LabelTransform LabelTransform { get; init; } = LabelTransform.None;

    /// <summary>Columns holding file paths, resolved under <see cref="DataRoot"/>.</summary>
    public IReadOnlyList<string> PathColumns { get; init; } = [];

    /// <summary>Columns read as text, unchanged.</summary>
    public IReadOnlyList<string> TextColumns { get; init; } = [];

    /// <summary>What to do with bad rows.</summary>
    public BadRowPolicy OnBadRow { get; init; } = BadRowPolicy.Fail;
}

/// <summary>The columns a <see cref="TableRequest"/> asked for, one entry per kept row, in file order.</summary>
public sealed class TableData
{
    /// <summary>The header of the file.</summary>
    public required IReadOnlyList<string> Header { get; init; }

    /// <summary>Numeric features: one array per row, in <see cref="TableRequest.NumericColumns"/> order.</summary>
    public required double[][] Numeric { get; init; }

    /// <summary>Labels after the transform (empty when no label column was asked for).</summary>
    public required double[] Labels { get; init; }

    /// <summary>Absolute paths: one array per row, in <see cref="TableRequest.PathColumns"/> order.</summary>
    public required string[][] Paths { get; init; }

    /// <summary>Text cells: one array per row, in <see cref="TableRequest.TextColumns"/> order.</summary>
    public required string[][] Text { get; init; }

    /// <summary>1-based file line of each kept row's first line, for messages.</summary>
    public required int[] SourceLines { get; init; }

    /// <summary>How many rows were skipped under <see cref="BadRowPolicy.Skip"/>.</summary>
    public int SkippedRows { get; init; }

    /// <summary>The first few reasons rows were skipped (file:line: reason), for the end-of-run report.</summary>
    public IReadOnlyList<string> SkipReasons { get; init; } = [];

    /// <summary>The run note for skipped rows of the table at <paramref name="path"/>, or none when nothing was skipped.</summary>
    public IReadOnlyList<string> SkipNotes(string path) =>
        SkippedRows > 0 ? [$"{path}: skipped {SkippedRows} bad row(s), e.g. {string.Join("; ", SkipReasons)}"] : [];
}
