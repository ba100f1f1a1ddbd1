using System.Composition.Hosting;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Nona.Abstractions;

namespace Nona.Host.Discovery;

/// <summary>
/// Discovers plugins with MEF (System.Composition) over the assemblies of plugin folders. Each plugin assembly
/// loads in its own <see cref="PluginLoadContext"/>; one that fails to load is recorded with its file and cause
/// and the others still work. Two plugins of one kind with one name are a conflict that runs refuse.
/// </summary>
internal sealed class PluginCatalog
{
    private readonly Dictionary<(PluginKind, string), PluginEntry> entries = [];
    private readonly List<string> loadErrors = [];
    private readonly List<string> conflicts = [];
    private readonly HashSet<string> loadedFiles = new(StringComparer.Ordinal);

    /// <summary>The folder of built-in plugins beside the host executable.</summary>
    public static string DefaultFolder => Path.Combine(AppContext.BaseDirectory, "plugins");

    /// <summary>Every plugin, sorted by kind then name.</summary>
    public IEnumerable<PluginEntry> Entries => entries.Values.OrderBy(e => e.Kind).ThenBy(e => e.Name, StringComparer.Ordinal);

    /// <summary>Assemblies that could not be loaded: "file: cause".</summary>
    public IReadOnlyList<string> LoadErrors => loadErrors;

    /// <summary>Duplicate names: one line each, naming both files.</summary>
    public IReadOnlyList<string> Conflicts => conflicts;

    /// <summary>Scans <paramref name="folder"/> and its subfolders for plugin assemblies.</summary>
    public void AddFolder(string folder)
    {
        if (!Directory.Exists(folder))
        {
            loadErrors.Add($"{folder}: plugin folder not found");
            return;
        }

        foreach (var file in Directory.EnumerateFiles(folder, "*.dll", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var full = Path.GetFullPath(file);
            if (loadedFiles.Add(full) && AbstractionsReference(full) is { } builtAgainst)
            {
                if (AbstractionsVersion.Refusal(builtAgainst, AbstractionsVersion.Host) is { } refusal)
                    loadErrors.Add($"{full}: {refusal}");
                else
                    AddAssembly(full);
            }
        }
    }

    // The Nona.Abstractions version the assembly was built against, or null when it does not reference it. Reads only
    // the metadata tables, so native libraries and unrelated assemblies in a plugin folder are never loaded, and a
    // plugin of another version is refused before the runtime tries to bind it. A managed image that cannot be read
    // is reported rather than skipped: it is most likely a broken plugin.
    private Version? AbstractionsReference(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var pe = new PEReader(stream);
            if (!pe.HasMetadata)
                return null;
            var reader = pe.GetMetadataReader();
            return reader.AssemblyReferences.Select(reader.GetAssemblyReference)
                .Where(r => reader.GetString(r.Name) == "Nona.Abstractions")
                .Select(r => r.Version)
                .FirstOrDefault();
        }
        catch (Exception e) when (e is BadImageFormatException or IOException or InvalidOperationException)
        {
            loadErrors.Add($"{path}: not a readable .NET assembly ({e.Message.ReplaceLineEndings(" ")}); rebuild or remove it");
            return null;
        }
    }

    /// <summary>The plugin of <paramref name="kind"/> named <paramref name="name"/>, or null.</summary>
    public PluginEntry? Find(PluginKind kind, string name) => entries.GetValueOrDefault((kind, name));

    /// <summary>Names of every plugin of <paramref name="kind"/>.</summary>
    public IReadOnlyList<string> NamesOf(PluginKind kind) =>
        [.. entries.Values.Where(e => e.Kind == kind).Select(e => e.Name).Order(StringComparer.Ordinal)];

    private void AddAssembly(string path)
    {
        try
        {
            var assembly = new PluginLoadContext(path).LoadFromAssemblyPath(path);
            using var container = new ContainerConfiguration().WithAssembly(assembly).CreateContainer();
            foreach (var export in container.GetExports<Lazy<IPluginFactory, PluginMetadata>>())
            {
                if (Construct(export, path) is { } factory)
                    Register(export.Metadata, factory, path);
            }
        }
        catch (Exception e) when (e is ReflectionTypeLoadException or BadImageFormatException or FileLoadException or FileNotFoundException
            or TypeLoadException or System.Composition.Hosting.CompositionFailedException or InvalidOperationException or MissingMethodException)
        {
            var cause = e is ReflectionTypeLoadException r && r.LoaderExceptions.FirstOrDefault() is { } first ? first.Message : e.Message;
            loadErrors.Add($"{path}: {cause.ReplaceLineEndings(" ")}");
        }
    }

    // A factory's constructor is third-party code: whatever it throws is that plugin's failure, reported by file and
    // name like any load error, and the assembly's other plugins still register.
    private IPluginFactory? Construct(Lazy<IPluginFactory, PluginMetadata> export, string path)
    {
        try
        {
            return export.Value;
        }
#pragma warning disable CA1031 // any exception from plugin code is reported, never fatal to the host
        catch (Exception e)
#pragma warning restore CA1031
        {
            var cause = e is System.Reflection.TargetInvocationException { InnerException: { } inner } ? inner : e;
            loadErrors.Add($"{path}: the {Kind(export.Metadata.Kind)} plugin '{export.Metadata.Name}' threw {cause.GetType().Name} in its constructor ({cause.Message.ReplaceLineEndings(" ")}); fix the plugin or remove it from the plugin folder");
            return null;
        }
    }

    private static string Kind(PluginKind kind) => kind.ToString().ToLowerInvariant();

    private void Register(PluginMetadata metadata, IPluginFactory factory, string source)
    {
        var key = (metadata.Kind, metadata.Name);
        if (entries.TryGetValue(key, out var existing))
        {
            conflicts.Add(existing.Source == source
                ? $"{source} exports two {Kind(metadata.Kind)} plugins named '{metadata.Name}'; rename one of them"
                : $"two {Kind(metadata.Kind)} plugins are named '{metadata.Name}': {existing.Source} and {source}; remove one of them from the plugin folders");
            return;
        }

        entries[key] = new PluginEntry(metadata.Name, metadata.Kind, metadata.Description, factory, source);
    }
}
