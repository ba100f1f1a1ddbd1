using System.Text;
using System.Text.RegularExpressions;

namespace Nona.Plugins.Text.Datasets;

/// <summary>
/// Joins a row's text columns into one input text: <c>"{title}. {synopsis}"</c> fills each <c>{column}</c> with the cell;
/// with no template the non-empty cells are joined by ". ".
/// </summary>
public sealed partial class TextTemplate
{
    private readonly string template;
    private readonly string[] columns;

    private TextTemplate(string template, string[] columns)
    {
        this.template = template;
        this.columns = columns;
    }

    /// <summary>The columns to read, in the order <see cref="Render"/> takes their cells.</summary>
    public IReadOnlyList<string> Columns => columns;

    /// <summary>
    /// A template over <paramref name="textColumns"/> (when given) or over the template's own placeholders.
    /// Returns null and a one-line <paramref name="problem"/> when they disagree.
    /// </summary>
    public static TextTemplate? Create(string template, IReadOnlyList<string> textColumns, out string? problem)
    {
        problem = null;
        var placeholders = Placeholder().Matches(template).Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal).ToList();
        if (template.Length > 0 && placeholders.Count == 0)
        {
            problem = $"template '{template}' names no column; write columns in braces, e.g. \"{{title}}. {{synopsis}}\"";
            return null;
        }

        if (textColumns.Count == 0)
        {
            if (placeholders.Count == 0)
            {
                problem = "name the text columns (text_columns: [...]) or give a template such as \"{title}. {synopsis}\"";
                return null;
            }

            return new TextTemplate(template, [.. placeholders]);
        }

        var unknown = placeholders.Where(p => !textColumns.Contains(p, StringComparer.OrdinalIgnoreCase)).ToList();
        if (unknown.Count > 0)
        {
            problem = $"template names {string.Join(", ", unknown.Select(u => $"'{u}'"))}, which text_columns ({string.Join(", ", textColumns)}) lacks";
            return null;
        }

        return new TextTemplate(template, [.. textColumns]);
    }

    /// <summary>The text for one row; <paramref name="cells"/> are in <see cref="Columns"/> order.</summary>
    public string Render(IReadOnlyList<string> cells)
    {
        if (template.Length == 0)
            return string.Join(". ", cells.Select(c => c.Trim()).Where(c => c.Length > 0));
        var text = new StringBuilder(template.Length + cells.Sum(c => c.Length));
        var last = 0;
        foreach (Match match in Placeholder().Matches(template))
        {
            text.Append(template, last, match.Index - last);
            var index = Array.FindIndex(columns, c => c.Equals(match.Groups[1].Value, StringComparison.OrdinalIgnoreCase));
            text.Append(cells[index].Trim());
            last = match.Index + match.Length;
        }

        return text.Append(template, last, template.Length - last).ToString();
    }

    [GeneratedRegex(@"\{([^{}]+)\}")]
    private static partial Regex Placeholder();
}
