namespace Nona.Abstractions;

/// <summary>
/// An option whose value is another plugin (e.g. a NONA head's SoftStep). In YAML it is either a name
/// (<c>softstep: s2</c>) or a mapping with <c>name:</c> and that plugin's options. The host resolves and validates
/// it; the owning factory creates it with <see cref="IPluginResolver.Create{T}"/>.
/// </summary>
public sealed class PluginReference
{
    /// <summary>Creates a reference to the plugin <paramref name="name"/> with its default options.</summary>
    public PluginReference(string name) => Name = name;

    /// <summary>The plugin's name.</summary>
    public string Name { get; }

    /// <summary>The plugin's bound options (an instance of its factory's options type), set by the host.</summary>
    public object? Options { get; set; }
}

/// <summary>Declares which kind of plugin a <see cref="PluginReference"/> option names.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PluginKindAttribute(PluginKind kind) : Attribute
{
    /// <summary>The kind the referenced plugin must have.</summary>
    public PluginKind Kind { get; } = kind;
}

/// <summary>Creates plugins that other plugins name in their options.</summary>
public interface IPluginResolver
{
    /// <summary>Creates the referenced plugin. <typeparamref name="T"/> must be the product type of its kind.</summary>
    T Create<T>(PluginReference reference, PluginContext context)
        where T : class;
}
