using System.Globalization;
using System.Text;

namespace Nona.Host.Recipes;

/// <summary>
/// Shows a value the user wrote (an option value, a key, a <c>--set</c> argument) inside a recipe error line.
/// A recipe value can be megabytes long or span lines, and an error must stay one short line, so every echo is
/// capped at <see cref="MaxShown"/> characters with its full length, and control characters are escaped.
/// </summary>
internal static class UserValue
{
    /// <summary>The most characters of a value an error line shows.</summary>
    public const int MaxShown = 80;

    /// <summary>The value in quotes: <c>'abc'</c>, or <c>'aaaa…' (20971520 characters)</c> when it is long.</summary>
    /// <param name="value">The value as written (null shows as empty).</param>
    /// <param name="quote">The quote character, e.g. <c>"</c> to show a value as it was quoted in the recipe.</param>
    public static string Quote(string? value, char quote = '\'')
    {
        value ??= "";
        var (shown, cut) = Shorten(value);
        return cut ? $"{quote}{shown}…{quote} ({Length(value)})" : $"{quote}{shown}{quote}";
    }

    /// <summary>The value without quotes: <c>abc</c>, or <c>aaaa… (20971520 characters)</c> when it is long.</summary>
    /// <param name="value">The value as written (null shows as empty).</param>
    public static string Cap(string? value)
    {
        value ??= "";
        var (shown, cut) = Shorten(value);
        return cut ? $"{shown}… ({Length(value)})" : shown;
    }

    private static (string Shown, bool Cut) Shorten(string value)
    {
        var cut = value.Length > MaxShown;
        var end = cut ? MaxShown : value.Length;
        if (cut && char.IsHighSurrogate(value[end - 1]))
            end--; // never split a surrogate pair: the cut would print as a replacement character
        var shown = new StringBuilder(end);
        foreach (var c in value.AsSpan(0, end))
        {
            shown.Append(c switch
            {
                // A line break inside a value would split one problem over several lines.
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        return (shown.ToString(), cut);
    }

    private static string Length(string value) => $"{value.Length.ToString(CultureInfo.InvariantCulture)} characters";
}
