using System.Reflection;
using System.Text.Json;
using Nona.Host.Output;
using Nona.Host.Recipes;
using YamlDotNet.RepresentationModel;

namespace Nona.Host.Units;

/// <summary>
/// <c>manifest.json</c>, written when a run folder is created: the recipe file, the <c>--set</c> overrides, the
/// resolved recipe (every default filled in) and the version of each plugin assembly the recipe uses. A resume
/// reloads the same recipe file with the same overrides and refuses to continue when the resolved recipe differs.
/// </summary>
/// <param name="RecipePath">The recipe file, absolute.</param>
/// <param name="Overrides">The <c>--set</c> overrides, in order.</param>
/// <param name="ResolvedRecipe">The resolved recipe's YAML.</param>
/// <param name="Plugins">Plugin name → its assembly's informational version.</param>
internal sealed record RunManifest(string RecipePath, IReadOnlyList<string> Overrides, string ResolvedRecipe, IReadOnlyDictionary<string, string> Plugins)
{
    /// <summary>The file name in a run folder.</summary>
    public const string FileName = "manifest.json";

    /// <summary>The manifest of <paramref name="recipe"/> loaded with <paramref name="overrides"/>.</summary>
    public static RunManifest For(Recipe recipe, IReadOnlyList<string> overrides)
    {
        var plugins = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var spec in recipe.Datasets.Append(recipe.Backbone).Append(recipe.Projector).Concat(recipe.Heads))
        {
            var assembly = spec.Plugin.Factory.GetType().Assembly;
            plugins[spec.Plugin.Name] = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                ?? assembly.GetName().Version?.ToString() ?? "?";
        }

        return new RunManifest(Path.GetFullPath(recipe.Path), overrides, recipe.ResolvedText(), plugins);
    }

    /// <summary>The manifest of the run folder <paramref name="folder"/>, or null when it has none.</summary>
    public static RunManifest? Read(string folder)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
            return null;
        try
        {
            return JsonSerializer.Deserialize<RunManifest>(File.ReadAllText(path), UnitJson.Options);
        }
        catch (JsonException e)
        {
            throw new Abstractions.NonaException($"{path}: unreadable ({e.Message}); this folder cannot be resumed");
        }
    }

    /// <summary>Writes the manifest into <paramref name="folder"/> (atomically).</summary>
    public void Write(string folder) =>
        AtomicFile.WriteText(Path.Combine(folder, FileName), JsonSerializer.Serialize(this, UnitJson.Options));

    /// <summary>The recipe keys (dotted, <c>heads[1].lr</c>) whose resolved values differ between two resolved recipes.</summary>
    public static IReadOnlyList<string> DifferingKeys(string recordedYaml, string currentYaml)
    {
        var recorded = Flatten(recordedYaml);
        var current = Flatten(currentYaml);
        return [.. recorded.Keys.Union(current.Keys).Where(k => recorded.GetValueOrDefault(k) != current.GetValueOrDefault(k)).Order(StringComparer.Ordinal)];
    }

    /// <summary>Plugins whose version differs (name: recorded → current).</summary>
    public IReadOnlyList<string> VersionChanges(RunManifest current) =>
        [.. Plugins.Where(p => current.Plugins.TryGetValue(p.Key, out var now) && now != p.Value).Select(p => $"{p.Key}: {p.Value} → {current.Plugins[p.Key]}")];

    private static Dictionary<string, string> Flatten(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (stream.Documents.Count > 0)
            Flatten(stream.Documents[0].RootNode, "", values);
        return values;
    }

    private static void Flatten(YamlNode node, string prefix, Dictionary<string, string> values)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                foreach (var (key, value) in mapping.Children)
                    Flatten(value, prefix.Length == 0 ? key.ToString() : $"{prefix}.{key}", values);
                break;
            case YamlSequenceNode sequence:
                for (var i = 0; i < sequence.Children.Count; i++)
                    Flatten(sequence.Children[i], $"{prefix}[{i}]", values);
                if (sequence.Children.Count == 0)
                    values[prefix] = "[]";
                break;
            default:
                values[prefix] = node.ToString();
                break;
        }
    }
}
