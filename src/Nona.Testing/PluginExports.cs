using System.Composition.Hosting;
using System.Reflection;
using Nona.Abstractions;

namespace Nona.Testing;

/// <summary>One plugin an assembly exports: what <c>nona plugins</c> lists for it.</summary>
/// <param name="Name">The name recipes use.</param>
/// <param name="Kind">What it makes.</param>
/// <param name="Description">Its one line for <c>nona plugins</c>.</param>
/// <param name="Factory">Its factory.</param>
public sealed record ExportedPlugin(string Name, PluginKind Kind, string Description, IPluginFactory Factory)
{
    /// <summary>
    /// Makes the product from <paramref name="options"/> (an instance of the factory's options type, e.g. built with
    /// <c>new MyOptions { … }</c>) as the host does after binding a recipe's YAML.
    /// </summary>
    public TProduct Create<TProduct>(object options, PluginContext context)
        where TProduct : class
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Factory.OptionsType.IsInstanceOfType(options))
            throw new ArgumentException($"plugin '{Name}' takes {Factory.OptionsType.Name} options, not {options.GetType().Name}", nameof(options));
        var product = Factory.Create(options, context);
        return product as TProduct
            ?? throw new InvalidOperationException($"plugin '{Name}' made a {product?.GetType().Name ?? "null"}, not a {typeof(TProduct).Name}");
    }

    /// <summary>The factory's default options: a new instance of its options type.</summary>
    public object DefaultOptions() => Activator.CreateInstance(Factory.OptionsType)
        ?? throw new InvalidOperationException($"plugin '{Name}': {Factory.OptionsType.Name} has no public parameterless constructor");
}

/// <summary>Finds the plugins an assembly exports, with System.Composition, the way the <c>nona</c> host does.</summary>
public static class PluginExports
{
    /// <summary>Every plugin <paramref name="assembly"/> exports, sorted by kind then name.</summary>
    public static IReadOnlyList<ExportedPlugin> Of(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        using var container = new ContainerConfiguration().WithAssembly(assembly).CreateContainer();
        return [.. container.GetExports<Lazy<IPluginFactory, PluginMetadata>>()
            .Select(e => new ExportedPlugin(e.Metadata.Name, e.Metadata.Kind, e.Metadata.Description, e.Value))
            .OrderBy(p => p.Kind)
            .ThenBy(p => p.Name, StringComparer.Ordinal)];
    }

    /// <summary>The one plugin of <paramref name="kind"/> named <paramref name="name"/> that <paramref name="assembly"/> exports.</summary>
    public static ExportedPlugin Single(Assembly assembly, PluginKind kind, string name)
    {
        var matches = Of(assembly).Where(p => p.Kind == kind && p.Name == name).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new InvalidOperationException($"{assembly.GetName().Name} exports no {kind.ToString().ToLowerInvariant()} plugin named '{name}'"),
            _ => throw new InvalidOperationException($"{assembly.GetName().Name} exports {matches.Count} {kind.ToString().ToLowerInvariant()} plugins named '{name}'; the host refuses that"),
        };
    }
}
