using System.Globalization;
using Nona.Abstractions;

namespace Nona.Plugins.Text.Datasets;

/// <summary>
/// What the text datasets share: label transforms and the
/// bad-row policy for readers that do not go through <see cref="ITableReader"/> (xlsx, SQLite, transcript folders).
/// </summary>
internal static class TextRows
{
    /// <summary>Applies <paramref name="transform"/>; returns why the value cannot be used, or null.</summary>
    public static string? Transform(double raw, LabelTransform transform, out double label)
    {
        label = transform switch
        {
            LabelTransform.Log => Math.Log(raw),
            LabelTransform.Log1p => Math.Log(1 + raw),
            _ => raw,
        };
        return !double.IsFinite(raw) ? "the value is not a finite number"
            : transform == LabelTransform.Log && raw <= 0 ? "label_transform log needs a value > 0"
            : transform == LabelTransform.Log1p && raw <= -1 ? "label_transform log1p needs a value > -1"
            : null;
    }

    /// <summary>Parses a label cell (invariant culture; "305000", "305000.0" and "3.05e5" alike) and transforms it.</summary>
    public static string? ParseLabel(string cell, LabelTransform transform, out double label)
    {
        label = 0;
        if (string.IsNullOrWhiteSpace(cell))
            return "the value is empty";
        if (!double.TryParse(cell.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var raw))
            return "the value is not a number";
        return Transform(raw, transform, out label);
    }

    /// <summary>A cell shown in a one-line message: newlines escaped, long text cut.</summary>
    public static string Show(string cell)
    {
        var shown = cell.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
        return shown.Length > 60 ? string.Concat(shown.AsSpan(0, 57), "...") : shown;
    }

    /// <summary>Joins names for a message, listing the first few and counting the rest.</summary>
    public static string List(IReadOnlyCollection<string> names, int shown = 10) =>
        names.Count <= shown ? string.Join(", ", names) : $"{string.Join(", ", names.Take(shown))} and {names.Count - shown} more";
}

/// <summary>The bad-row policy for one file: throws at the first problem, or counts and keeps a few reasons.</summary>
internal sealed class BadRows(string file, BadRowPolicy policy)
{
    private const int MaxReasons = 5;
    private readonly List<string> reasons = [];

    public int Skipped { get; private set; }

    /// <summary>Reports a bad row at <paramref name="place"/> (e.g. a line or row number).</summary>
    public void Add(string place, string problem)
    {
        var message = $"{file}:{place}: {problem}";
        if (policy == BadRowPolicy.Fail)
            throw new DataFormatException(message + "; fix the file or set on_bad_row: skip");
        Skipped++;
        if (reasons.Count < MaxReasons)
            reasons.Add(message);
    }

    /// <summary>The end-of-run notes (empty when nothing was skipped).</summary>
    public IReadOnlyList<string> Notes() =>
        Skipped == 0 ? [] : [$"{file}: skipped {Skipped} bad row(s), e.g. {string.Join("; ", reasons)}"];

    /// <summary>Throws when every row was bad or the file had none.</summary>
    public void RequireAny(int kept)
    {
        if (kept > 0)
            return;
        var why = Skipped == 0 ? "it has no data rows" : $"all {Skipped} rows were skipped as bad; first: {reasons[0]}";
        throw new DataFormatException($"{file}: no usable rows: {why}");
    }
}
