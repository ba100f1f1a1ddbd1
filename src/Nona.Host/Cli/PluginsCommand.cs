using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using Nona.Abstractions;
using Nona.Host.Recipes;
using Spectre.Console;

namespace Nona.Host.Cli;

/// <summary><c>nona plugins</c>: every discovered plugin with its kind, options, types and defaults.</summary>
internal static class PluginsCommand
{
    /// <summary>Prints the catalog; returns 1 when a plugin failed to load or names collide.</summary>
    public static int Execute(IReadOnlyList<string> pluginFolders, IAnsiConsole console)
    {
        var catalog = HostSetup.Catalog(pluginFolders);
        foreach (var entry in catalog.Entries)
        {
            console.MarkupLineInterpolated($"[bold]{entry.Name}[/] ([blue]{entry.Kind.ToString().ToLowerInvariant()}[/]) {entry.Description}");
            console.MarkupLineInterpolated($"  [grey]from {entry.Source}[/]");
            var defaults = Activator.CreateInstance(entry.Factory.OptionsType)!;
            foreach (var property in OptionBinder.Settable(entry.Factory.OptionsType))
            {
                var range = property.GetCustomAttribute<RangeAttribute>() is { } r ? $" [{Format(r.Minimum)}, {Format(r.Maximum)}]" : "";
                var description = property.GetCustomAttribute<DescriptionAttribute>()?.Description ?? "";
                console.MarkupLineInterpolated($"    {SnakeCase.Of(property.Name)}: {OptionBinder.Expected(property.PropertyType)}{range} = {Format(property.GetValue(defaults))}  [grey]{description}[/]");
            }
        }

        foreach (var error in catalog.LoadErrors.Concat(catalog.Conflicts))
            console.MarkupLineInterpolated($"[red]error:[/] {error}");
        return catalog.LoadErrors.Count + catalog.Conflicts.Count == 0 ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private static string Format(object? value) => value switch
    {
        null => "(none)",
        string s => s.Length == 0 ? "\"\"" : s,
        PluginReference reference => reference.Name,
        Enum e => SnakeCase.OfEnumMember(e.GetType(), e),
        System.Collections.IEnumerable list => "[" + string.Join(", ", list.Cast<object>().Select(Format)) + "]",
        bool b => b ? "true" : "false",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
