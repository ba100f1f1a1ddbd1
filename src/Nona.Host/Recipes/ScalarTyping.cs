using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Nona.Host.Recipes;

/// <summary>
/// YAML 1.2 core-schema typing: only a plain (unquoted) scalar can be a number or a boolean; a quoted or block
/// scalar is always a string. Without this, <c>seed: "2026"</c> would silently become an integer, and the
/// recipe would mean something other than what it says to any other YAML reader.
/// </summary>
internal static class ScalarTyping
{
    /// <summary>True when <paramref name="node"/> is written quoted (<c>'…'</c>, <c>"…"</c>) or as a block (<c>|</c>, <c>&gt;</c>).</summary>
    public static bool IsString(YamlScalarNode node) =>
        node.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded;

    /// <summary>The problem for a string where <paramref name="expected"/> (e.g. "an integer") is wanted.</summary>
    /// <param name="key">The dotted recipe key.</param>
    /// <param name="node">The string scalar.</param>
    /// <param name="expected">What the key takes, as <see cref="OptionBinder.Expected"/> words it.</param>
    public static string Refusal(string key, YamlScalarNode node, string expected) => node.Style switch
    {
        ScalarStyle.DoubleQuoted => $"{key}: {UserValue.Quote(node.Value, '"')} is a quoted string; {expected} is expected — write it without quotes",
        ScalarStyle.SingleQuoted => $"{key}: {UserValue.Quote(node.Value)} is a quoted string; {expected} is expected — write it without quotes",
        _ => $"{key}: a block scalar (| or >) is a string; {expected} is expected — write the value on the key's line, without | or >",
    };
}
