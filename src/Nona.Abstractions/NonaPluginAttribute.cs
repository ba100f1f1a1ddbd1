using System.Composition;

namespace Nona.Abstractions;

/// <summary>
/// Marks a class as a NonaFramework plugin factory: exports it to the host's catalog (MEF) with its name and kind as
/// metadata. The class must implement <see cref="IPluginFactory"/> and have a public parameterless constructor.
/// Names are unique per kind across every loaded plugin assembly; a duplicate is reported as an error.
/// </summary>
[MetadataAttribute]
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class NonaPluginAttribute : ExportAttribute
{
    /// <summary>Declares a plugin.</summary>
    /// <param name="name">The name recipes use (lower case, e.g. <c>nona</c>).</param>
    /// <param name="kind">What the plugin makes.</param>
    public NonaPluginAttribute(string name, PluginKind kind)
        : base(typeof(IPluginFactory))
    {
        Name = name;
        Kind = kind;
    }

    /// <summary>The name recipes use.</summary>
    public string Name { get; }

    /// <summary>What the plugin makes.</summary>
    public PluginKind Kind { get; }

    /// <summary>One line for <c>nona plugins</c>.</summary>
    public string Description { get; set; } = "";
}

/// <summary>The metadata view the host reads from a <see cref="NonaPluginAttribute"/> export.</summary>
public sealed class PluginMetadata
{
    /// <summary>The name recipes use.</summary>
    public string Name { get; set; } = "";

    /// <summary>What the plugin makes.</summary>
    public PluginKind Kind { get; set; }

    /// <summary>One line for <c>nona plugins</c>.</summary>
    public string Description { get; set; } = "";
}
