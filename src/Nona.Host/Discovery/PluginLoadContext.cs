using System.Reflection;
using System.Runtime.Loader;

namespace Nona.Host.Discovery;

/// <summary>
/// Loads one plugin assembly and its private dependencies from its own folder, while the contracts
/// (Nona.Abstractions), TorchSharp and System.Composition come from the host, so every plugin sees the same types.
/// </summary>
internal sealed class PluginLoadContext(string pluginPath) : AssemblyLoadContext($"nona-plugin:{Path.GetFileName(pluginPath)}")
{
    /// <summary>Assemblies that must have one identity across host and plugins.</summary>
    public static readonly IReadOnlySet<string> Shared = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "Nona.Abstractions",
        "TorchSharp",
        "System.Composition.AttributedModel",
        "System.Composition.Runtime",
        "System.Composition.Hosting",
        "System.Composition.TypedParts",
        "System.Composition.Convention",
    };

    private readonly AssemblyDependencyResolver resolver = new(pluginPath);
    private readonly string folder = Path.GetDirectoryName(pluginPath)!;

    /// <inheritdoc />
    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (assemblyName.Name is null || Shared.Contains(assemblyName.Name))
            return null; // falls back to the host's (default) context
        var path = resolver.ResolveAssemblyToPath(assemblyName);
        if (path is null)
        {
            // A plugin copied without its .deps.json: look beside it.
            var candidate = Path.Combine(folder, assemblyName.Name + ".dll");
            path = File.Exists(candidate) ? candidate : null;
        }

        return path is null ? null : LoadFromAssemblyPath(path);
    }

    /// <inheritdoc />
    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var path = resolver.ResolveUnmanagedDllToPath(unmanagedDllName);
        return path is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(path);
    }
}
