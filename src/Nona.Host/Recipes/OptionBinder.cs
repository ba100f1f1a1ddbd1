using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using Nona.Abstractions;
using Nona.Host.Discovery;
using YamlDotNet.RepresentationModel;

namespace Nona.Host.Recipes;

/// <summary>
/// Binds YAML mappings to typed options classes, reporting every unknown key, wrong type and out-of-range value
/// with its position. Only the declared options types are ever created: YAML cannot name a .NET type. Aliases are
/// followed by reference and every node visit counts against a budget, so an alias bomb fails fast.
/// </summary>
internal sealed class OptionBinder(PluginCatalog catalog, RecipeProblems problems)
{
    private const int NodeBudget = 100_000;
    private int visited;

    /// <summary>Creates <paramref name="type"/> with its defaults and applies the keys of <paramref name="node"/>.</summary>
    /// <param name="type">An options class with a public parameterless constructor.</param>
    /// <param name="node">The mapping (null: all defaults).</param>
    /// <param name="key">The dotted recipe key of <paramref name="node"/>, for messages.</param>
    /// <param name="reserved">Keys the caller handles itself (e.g. <c>name</c>), skipped here.</param>
    public object Bind(Type type, YamlNode? node, string key, IReadOnlySet<string>? reserved = null)
    {
        var options = Activator.CreateInstance(type)!;
        if (node is null || IsNull(node))
            return options;
        if (node is not YamlMappingNode mapping)
        {
            problems.Add(node, $"{key} must be a mapping of options (key: value), got {Describe(node)}");
            return options;
        }

        var properties = Settable(type).ToDictionary(p => SnakeCase.Of(p.Name), StringComparer.Ordinal);
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            if (!Visit(valueNode))
                return options;
            var name = ((YamlScalarNode)keyNode).Value ?? "";
            if (reserved?.Contains(name) == true)
                continue;
            if (!properties.TryGetValue(name, out var property))
            {
                var known = properties.Keys.Concat(reserved ?? new HashSet<string>()).Order(StringComparer.Ordinal).ToList();
                var knownText = known.Count == 0 ? $"'{key}' takes no options" : $"known keys: {string.Join(", ", known)}";
                problems.Add(keyNode, $"unknown key {UserValue.Quote(Join(key, name))}; {knownText}.{NameSuggester.Hint(name, known)}");
                continue;
            }

            if (Convert(property.PropertyType, valueNode, Join(key, name), property) is { } value)
            {
                if (CheckRange(property, value, valueNode, Join(key, name)))
                    property.SetValue(options, value);
            }
        }

        return options;
    }

    /// <summary>The public settable properties that are a type's options.</summary>
    public static IEnumerable<PropertyInfo> Settable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.CanRead);

    /// <summary>Binds a reference to another plugin: a name, or a mapping with <c>name</c> and that plugin's options.</summary>
    public PluginReference? BindReference(PluginKind kind, YamlNode node, string key) =>
        BindPlugin(kind, node, key, Reserved.Name) is { } bound ? new PluginReference(bound.Entry.Name) { Options = bound.Options } : null;

    /// <summary>
    /// Binds a plugin use: a name, or a mapping with <c>name</c> and that plugin's options (plus the caller's
    /// <paramref name="reserved"/> keys, such as <c>label</c>).
    /// </summary>
    public (PluginEntry Entry, object Options, string? Label)? BindPlugin(PluginKind kind, YamlNode node, string key, IReadOnlySet<string> reserved)
    {
        if (!Visit(node))
            return null;
        YamlScalarNode? nameNode = node switch
        {
            YamlScalarNode scalar when !IsNull(scalar) => scalar,
            YamlMappingNode mapping when mapping.Children.TryGetValue(new YamlScalarNode("name"), out var n) && n is YamlScalarNode s => s,
            _ => null,
        };
        if (nameNode is null)
        {
            var known = string.Join(", ", catalog.NamesOf(kind));
            problems.Add(node, $"{key} must name a {Kind(kind)} plugin, as a name or as a mapping with 'name:' (available: {known})");
            return null;
        }

        var name = nameNode.Value ?? "";
        var entry = catalog.Find(kind, name);
        if (entry is null)
        {
            var known = catalog.NamesOf(kind);
            var notLoaded = catalog.LoadErrors.Count == 0 ? "" : $" Not loaded: {string.Join("; ", catalog.LoadErrors)}";
            problems.Add(nameNode, $"{key}.name: {UserValue.Quote(name)} is not a {Kind(kind)} plugin. Available: {string.Join(", ", known)}.{NameSuggester.Hint(name, known)}{notLoaded}");
            return null;
        }

        string? label = null;
        if (node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode("label"), out var labelNode) && reserved.Contains("label"))
        {
            if (labelNode is YamlScalarNode { Value: { Length: > 0 } text } && !text.Any(c => char.IsWhiteSpace(c) || c == ',' || c == '/' || c == '\\'))
                label = text;
            else
                problems.Add(labelNode, $"{key}.label must be a short name without spaces, commas or slashes");
        }

        var optionsNode = node as YamlMappingNode;
        return (entry, Bind(entry.Factory.OptionsType, optionsNode, key, reserved), label);
    }

    private object? Convert(Type type, YamlNode node, string key, PropertyInfo? property)
    {
        if (type == typeof(PluginReference))
        {
            var kind = property?.GetCustomAttribute<PluginKindAttribute>()?.Kind
                ?? throw new InvalidOperationException($"{property?.DeclaringType}.{property?.Name} needs [PluginKind]");
            return BindReference(kind, node, key);
        }

        var listElement = ListElementType(type);
        if (listElement is not null)
        {
            if (node is not YamlSequenceNode sequence)
            {
                problems.Add(node, $"{key} expects a list such as [a, b], got {Describe(node)}");
                return null;
            }

            var list = (System.Collections.IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(listElement))!;
            var index = 0;
            foreach (var item in sequence.Children)
            {
                if (!Visit(item))
                    return null;
                var converted = Convert(listElement, item, $"{key}[{index++}]", null);
                if (converted is null)
                    return null;
                list.Add(converted);
            }

            return list;
        }

        if (node is not YamlScalarNode scalarNode)
        {
            problems.Add(node, $"{key} expects {Expected(type)}, got {Describe(node)}");
            return null;
        }

        var text = scalarNode.Value ?? "";
        if (type == typeof(string))
            return IsNull(node) ? "" : text;
        if (type.IsEnum)
        {
            var members = Enum.GetValues(type).Cast<object>().Select(v => (Name: SnakeCase.OfEnumMember(type, v), Value: v)).ToList();
            var match = members.FirstOrDefault(m => string.Equals(m.Name, text, StringComparison.OrdinalIgnoreCase));
            if (match.Name is not null)
                return match.Value;
            var names = members.Select(m => m.Name).ToList();
            problems.Add(node, $"{key} must be one of {string.Join(", ", names)} (got {UserValue.Quote(text)}).{NameSuggester.Hint(text, names)}");
            return null;
        }

        if (ScalarTyping.IsString(scalarNode))
        {
            problems.Add(node, ScalarTyping.Refusal(key, scalarNode, Expected(type)));
            return null;
        }

        object? value = type switch
        {
            _ when type == typeof(bool) => bool.TryParse(text, out var b) ? b : null,
            _ when type == typeof(int) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : null,
            _ when type == typeof(long) => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) ? l : null,
            _ when type == typeof(double) => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) ? d : null,
            _ => throw new InvalidOperationException($"options of type {type} are not supported ({key})"),
        };
        if (value is null)
            problems.Add(node, $"{key} expects {Expected(type)} (got {UserValue.Quote(text)})");
        return value;
    }

    private bool CheckRange(PropertyInfo property, object value, YamlNode node, string key)
    {
        var range = property.GetCustomAttribute<RangeAttribute>();
        if (range is null || range.IsValid(value))
            return true;
        problems.Add(node, $"{key} must be between {Format(range.Minimum)} and {Format(range.Maximum)} (got {UserValue.Cap(Format(value))})");
        return false;
    }

    private bool Visit(YamlNode node)
    {
        if (++visited <= NodeBudget)
            return true;
        if (visited == NodeBudget + 1)
            problems.Add(node, $"the recipe expands to more than {NodeBudget} values (aliases nested too deep?); write it out without repeated aliases");
        return false;
    }

    private static Type? ListElementType(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() is var d && (d == typeof(IList<>) || d == typeof(List<>) || d == typeof(IReadOnlyList<>))
            ? type.GetGenericArguments()[0]
            : null;

    /// <summary>How a value of <paramref name="type"/> is described in messages and in <c>nona plugins</c>.</summary>
    public static string Expected(Type type) => type switch
    {
        _ when type == typeof(bool) => "true or false",
        _ when type == typeof(int) || type == typeof(long) => "an integer",
        _ when type == typeof(double) => "a number",
        _ when type == typeof(string) => "text",
        _ when type == typeof(PluginReference) => "a plugin name",
        _ when type.IsEnum => "one of " + string.Join(", ", Enum.GetValues(type).Cast<object>().Select(v => SnakeCase.OfEnumMember(type, v))),
        _ when ListElementType(type) is { } element => $"a list (each {Expected(element)})",
        _ => type.Name,
    };

    private static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode s => UserValue.Quote(s.Value),
        _ => "something else",
    };

    private static string Kind(PluginKind kind) => kind.ToString().ToLowerInvariant();

    private static string Join(string key, string name) => key.Length == 0 ? name : $"{key}.{name}";

    private static string Format(object value) => System.Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";

    /// <summary>True for an empty or <c>~</c>/<c>null</c> plain scalar.</summary>
    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: not YamlDotNet.Core.ScalarStyle.SingleQuoted and not YamlDotNet.Core.ScalarStyle.DoubleQuoted } s
        && (string.IsNullOrEmpty(s.Value) || s.Value is "~" or "null" or "Null" or "NULL");
}

/// <summary>Keys the host reads itself in plugin entries.</summary>
internal static class Reserved
{
    /// <summary>Only <c>name</c>.</summary>
    public static readonly IReadOnlySet<string> Name = new HashSet<string>(StringComparer.Ordinal) { "name" };

    /// <summary><c>name</c> and <c>label</c> (the method or dataset name in results).</summary>
    public static readonly IReadOnlySet<string> NameAndLabel = new HashSet<string>(StringComparer.Ordinal) { "name", "label" };
}
